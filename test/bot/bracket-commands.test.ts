/**
 * /buy with a plan (DESIGN.md §2 "Orders with a plan", §5b): every syntax form gets a card that
 * shows entry, stop, target, money at risk and reward/risk; every refusal is a plain sentence and
 * no card. The real bot on the fake Bot API, the simulator over HTTP, real candles for fractal and
 * ATR stops (../shared/fixtures/klines, BTCUSDT 1h).
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { div, mul, sub } from '../../src/decimal.js';
import { stripTags } from '../../src/format.js';
import { startApp, type AppHarness } from '../support/app-harness.js';
import { loadHistory } from '../trading/stop-scenario.js';
import { expectEveryCallAccepted } from './bot-assertions.js';

type Button = { text: string; callback_data: string };
const buttonsOf = (markup: unknown): Button[] => ((markup as { inline_keyboard?: Button[][] } | undefined)?.inline_keyboard ?? []).flat();

async function reply(app: AppHarness, command: string) {
  await app.send(command);
  const message = app.lastMessage();
  return { text: stripTags(message.text ?? ''), buttons: buttonsOf(message.reply_markup).map((b) => b.text) };
}

describe('/buy with sl= and tp=: the card', () => {
  let app: AppHarness;
  beforeAll(async () => {
    app = await startApp({ sim: { balances: { USDT: '10000' }, prices: { BTCUSDT: '65000', ETHUSDT: '3500' } } });
  });
  afterAll(() => app.close());
  beforeEach(async () => {
    await app.fresh();
    app.sim.feed.setPrice('BTCUSDT', '65000');
  });
  afterEach(() => {
    expectEveryCallAccepted(app);
    expect(app.orderPosts()).toHaveLength(0);
  });

  it('a price stop and a price target on a market buy', async () => {
    const { text, buttons } = await reply(app, '/buy BTCUSDT 0.01 sl=63000 tp=70000');
    expect(buttons).toEqual(['✅ Confirm', '✖️ Cancel']);
    expect(text).toContain('Entry: 65,000.00 USDT (last price');
    expect(text).toContain('Stop: 63,000.00 USDT (fixed), sells down to 62,685.00 USDT');
    expect(text).toContain('Target: 70,000.00 USDT (fixed)');
    // 0.01 less the 0.1 % fee in BTC, floored to the 0.00001 step.
    expect(text).toContain('Exit quantity: 0.00999 BTC');
    expect(text).toContain('At risk: 19.98 USDT');
    expect(text).toContain('Reward/risk: 2.50');
    expect(text).toContain('one OCO right after the fill');
  });

  it('percentages on a limit buy: one OTOCO list', async () => {
    const { text } = await reply(app, '/buy BTCUSDT 0.01 64000 sl=3% tp=5%');
    expect(text).toContain('Entry: 64,000.00 USDT (limit price)');
    expect(text).toContain('Stop: 62,080.00 USDT (3% below the entry)');
    expect(text).toContain('Target: 67,200.00 USDT (5% above the entry)');
    expect(text).toContain('Reward/risk: 1.67');
    expect(text).toContain('(OTOCO)');
  });

  it('a stop alone, or a target alone: OTO on a limit, one exit after a market fill', async () => {
    const stopOnly = await reply(app, '/buy BTCUSDT 100USDT 64000 sl=2%');
    expect(stopOnly.text).toContain('Stop: 62,720.00 USDT');
    expect(stopOnly.text).toContain('(OTO)');
    expect(stopOnly.text).not.toContain('Reward/risk');
    const targetOnly = await reply(app, '/buy BTCUSDT 0.01 tp=2%');
    expect(targetOnly.text).toContain('Target: 66,300.00 USDT (2% above the entry)');
    expect(targetOnly.text).toContain('Stop: none');
    expect(targetOnly.text).not.toContain('At risk');
  });

  it('risk=VALUE sizes the quantity from entry − stop, and tp=NR is N times that risk above', async () => {
    const { text } = await reply(app, '/buy BTCUSDT risk=100 61000 sl=60000 tp=3R');
    // 100 USDT ÷ (61,000 − 60,000) = 0.1 BTC.
    expect(text).toContain('Quantity: 0.10000 BTC');
    expect(text).toContain('Target: 64,000.00 USDT (3R');
    expect(text).toContain('Reward/risk: 3.00');
    // The exits carry 0.0999 BTC after the fee: 99.90 at risk.
    expect(text).toContain('At risk: 99.90 USDT');
  });

  it('risk=N% is a share of the net value, and the card says so', async () => {
    const { text } = await reply(app, '/buy BTCUSDT risk=1% sl=64000 tp=2R');
    expect(text).toContain('Risk 1% of the net value 10,000.00 USDT = 100.00 USDT.');
    expect(text).toContain('Quantity: 0.10000 BTC');
    expect(text).toContain('Target: 67,000.00 USDT (2R');
  });

  it('sl=fractal:1h sits on the newest bullish fractal below the price; sl=atr:2:1h two ATRs below the entry', async () => {
    const { price } = loadHistory(app.sim.feed, 200);
    const fractal = await reply(app, '/buy BTCUSDT risk=1% sl=fractal:1h tp=2R');
    expect(fractal.text).toMatch(/Stop: [\d,.]+ USDT \(fractal 1h, low of the \d{4}-\d\d-\d\d \d\d:\d\d UTC candle\)/);
    expect(fractal.text).toContain('Reward/risk: 2.00');
    const atr = await reply(app, '/buy BTCUSDT 0.01 sl=atr:2:1h');
    // The ATR is shown at the price's precision (two decimals here), as a trader reads prices.
    expect(atr.text).toMatch(/Stop: [\d,.]+ USDT \(2 × ATR\(14\) 1h = 2 × [\d,]+\.\d\d below the entry\)/);
    expect(atr.text).toContain('It trails: at each 1h close the stop moves up to 2 × ATR(14) under the highest high since the entry, never down.');
    const stop = /Stop: ([\d,.]+) USDT/.exec(atr.text)![1]!.replace(/,/g, '');
    const atrValue = /= 2 × ([\d,.]+) below/.exec(atr.text)![1]!.replace(/,/g, '');
    // entry − 2 × ATR, floored to the tick: within a tick plus the display's rounding (2 × 0.005) of it.
    const exact = sub(price, mul('2', atrValue));
    expect(Math.abs(Number(div(sub(exact, stop), '1', 3)))).toBeLessThan(0.021);

    // A LIMIT entry without a target: one OTO list, the stop pending with the entry, trailing once it filled.
    const oto = await reply(app, `/buy BTCUSDT 0.01 ${price} sl=fractal:1h`);
    expect(oto.text).toContain('Sent as one order list (OTO): the exit waits, and goes on when the entry fills.');
    expect(oto.text).toContain('It trails once the entry has filled: from then, at each 1h close the stop moves up to each newer confirmed bullish fractal, never down.');
    const otoAtr = await reply(app, `/buy BTCUSDT 0.01 ${price} sl=atr:2:1h`);
    expect(otoAtr.text).toContain('It trails once the entry has filled: from then, at each 1h close the stop moves up to 2 × ATR(14) under the highest high since the entry, never down.');
  });
});

describe('/buy with a plan: refusals', () => {
  let app: AppHarness;
  beforeAll(async () => {
    app = await startApp({ maxOrderValue: '1000', sim: { balances: { USDT: '10000' }, prices: { BTCUSDT: '65000', ETHUSDT: '3500' } } });
  });
  afterAll(() => app.close());
  beforeEach(async () => {
    await app.fresh();
    app.sim.feed.setPrice('BTCUSDT', '65000');
  });
  afterEach(() => {
    expectEveryCallAccepted(app);
    expect(app.orderPosts()).toHaveLength(0);
  });

  it.each([
    ['a stop above the price', '/buy BTCUSDT 0.01 sl=66000', /The stop at 66,000\.00 USDT is not below the last price of 65,000\.00 USDT: a sell stop at or above the price would sell at once/],
    ['a stop above a limit entry', '/buy BTCUSDT 0.01 60000 sl=61000', /The stop at 61,000\.00 USDT is not below the limit price of 60,000\.00 USDT/],
    ['a target below the price', '/buy BTCUSDT 0.01 sl=60000 tp=64000', /The target at 64,000\.00 USDT is not above the last price of 65,000\.00 USDT/],
    ['risk without a stop', '/buy BTCUSDT risk=1% tp=70000', /risk= sizes the order from the distance between the entry and the stop: add a stop with sl=\.\nUsage: \/buy SYMBOL AMOUNT \[PRICE\] \[sl=STOP\] \[tp=TARGET\]/],
    ['a multiple of the risk without a stop', '/buy BTCUSDT 0.01 tp=2R', /tp=2R is a multiple of the risk, which the stop sets: add sl=/],
    ['over the cap', '/buy BTCUSDT 0.1 sl=60000', /worth about 6,500\.00 USDT, over the limit of 1,000\.00 USDT per order \(MAX_ORDER_VALUE\)/],
    ['a risk in another asset', '/buy BTCUSDT risk=0.001BTC sl=60000', /The risk is counted in USDT \(VALUATION_ASSET\): write risk=0\.001 or risk=0\.001USDT, not BTC\./],
    ['an unknown option', '/buy BTCUSDT 0.01 ls=60000', /"ls=60000" is not an option of \/buy: use sl= \(stop\), tp= \(target\) or risk=/],
    ['an option twice', '/buy BTCUSDT 0.01 sl=60000 sl=61000', /sl= is given twice/],
    ['a stop that is no stop', '/buy BTCUSDT 0.01 sl=low', /sl=low is not a stop: use a price \(sl=61000\), a percentage \(sl=3%\), sl=fractal or sl=atr/],
    ['a stop of 100 %', '/buy BTCUSDT 0.01 sl=100%', /sl=100% puts the stop at or below zero/],
    ['a fractal stop with no fractal yet', '/buy BTCUSDT 0.01 sl=fractal:1h', /no confirmed bullish fractal below the price on 1h candles yet/],
    ['a limit entry under every fractal', '/buy BTCUSDT 0.01 100 sl=fractal:1h', /no confirmed bullish fractal below your entry of 100\.00 USDT on 1h candles, so sl=fractal has no level/],
    ['a risk too small for one step', '/buy BTCUSDT risk=0.0001 sl=60000', /buys less than the smallest step of 0\.00001 BTC/],
    // With risk= the word after the pair is the limit price: the refusal names it as such.
    ['an amount and a risk', '/buy BTCUSDT 0.01 risk=1% sl=60000', /The stop at 60,000\.00 USDT is not below the limit price of 0\.01 USDT/],
  ])('%s', async (_what, command, reason) => {
    const { text, buttons } = await reply(app, command);
    expect(text).toMatch(reason);
    expect(buttons).toEqual([]);
  });

  it('risk= over the cap is sized down to the cap, and the card says how much is really at risk', async () => {
    const { text, buttons } = await reply(app, '/buy BTCUSDT risk=500 sl=64000');
    expect(buttons).toContain('✅ Confirm');
    // 1,000 USDT ÷ 65,000 = 0.01538 BTC, not the 0.5 BTC that 500 USDT of risk would buy.
    expect(text).toContain('Quantity: 0.01538 BTC');
    expect(text).toContain('Sized down to 0.01538 BTC by the limit of 1,000.00 USDT per order (MAX_ORDER_VALUE): about 15.38 USDT is at risk, less than the 500.00 asked.');
  });
});
