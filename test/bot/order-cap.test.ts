/**
 * Money safety (MAX_ORDER_VALUE and QUEUED_ORDER_MAX_AGE_S): one order cap in one
 * currency, a sell limit valued at the market it will meet, and no order sent long after its
 * Confirm. The real bot on the fake Bot API, real Redis and workers, the simulator over HTTP.
 *
 * The market: 100 ETH held, ETHUSDT 3,500, ETHBTC 0.05, BTCUSDT 70,000, and
 * MAX_ORDER_VALUE=1000 (USDT). Read in the quote currency, the cap would let `/sell ETHBTC all`
 * have a card worth 5 BTC (≈ 350,000 USDT).
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startApp, type AppHarness } from '../support/app-harness.js';
import { usdtCap } from '../trading/pipeline-harness.js';
import { startStopHarness, TRADER_USER, type StopHarness } from '../trading/stop-harness.js';
import { expectEveryCallAccepted } from './bot-assertions.js';

type Button = { text: string; callback_data: string };
const buttonsOf = (markup: unknown): Button[] => ((markup as { inline_keyboard?: Button[][] } | undefined)?.inline_keyboard ?? []).flat();

function card(app: AppHarness) {
  const message = app.lastMessage();
  const confirm = buttonsOf(message.reply_markup).find((b) => b.text.includes('Confirm'));
  if (!confirm) throw new Error(`the last message is not a card: ${message.text}`);
  return { message, confirm: confirm.callback_data };
}

const MARKET = { ETHUSDT: '3500', ETHBTC: '0.05', BTCUSDT: '70000' };

describe('MAX_ORDER_VALUE: one cap in VALUATION_ASSET, whatever the pair', () => {
  let app: AppHarness;
  beforeAll(async () => {
    app = await startApp({ maxOrderValue: '1000', sim: { balances: { USDT: '10000', ETH: '100', BTC: '0.5' }, prices: { ...MARKET } } });
  });
  afterAll(() => app.close());
  beforeEach(() => {
    app.telegram!.reset();
    app.sim.control.reset();
    for (const [symbol, price] of Object.entries(MARKET)) app.sim.feed.setPrice(symbol, price);
  });
  afterEach(() => expectEveryCallAccepted(app));

  it.each([
    ['/sell ETHUSDT all', /worth about 350,000\.00 USDT, over the limit of 1,000\.00 USDT per order \(MAX_ORDER_VALUE\)/],
    // The hole: 5 BTC read against a cap of "1,000" in the pair's own quote.
    ['/sell ETHBTC all', /worth about 350,000\.00 USDT \(5 BTC at 70,000 USDT per BTC\), over the limit of 1,000\.00 USDT per order/],
    ['/buy ETHBTC 1', /worth about 3,500\.00 USDT \(0\.05 BTC at 70,000 USDT per BTC\)/],
    ['/buy ETHBTC 0.02BTC', /worth about 1,400\.00 USDT/],
  ])('%s is refused with the value in USDT', async (command, reason) => {
    await app.send(command);
    const reply = app.lastMessage();
    expect(reply.text).toMatch(reason);
    expect(buttonsOf(reply.reply_markup)).toEqual([]);
    expect(app.orderPosts()).toHaveLength(0);
  });

  it('an ETHBTC order worth less than the cap in USDT gets a card and is placed', async () => {
    await app.send('/sell ETHBTC 0.2'); // 0.01 BTC = 700 USDT
    const { message, confirm } = card(app);
    await app.press(message.message_id, confirm);
    await app.waitForText(message.message_id, /Filled/);
    expect(app.orderPosts()).toHaveLength(1);
  });

  it('the worker values the order again at send time: BTC rising after the card refuses it', async () => {
    await app.send('/sell ETHBTC 0.2'); // 700 USDT at BTCUSDT 70,000
    const { message, confirm } = card(app);
    app.sim.feed.setPrice('BTCUSDT', '110000'); // now 1,100 USDT
    await app.press(message.message_id, confirm);
    const failed = await app.waitForText(message.message_id, /Not placed/);
    expect(failed.text).toMatch(/worth about 1,100\.00 USDT \(0\.01 BTC at 110,000 USDT per BTC\), over the limit of 1,000\.00 USDT/);
    expect(app.orderPosts()).toHaveLength(0);
  });

  it('a SELL limit far below the market is valued at the market, not at its limit', async () => {
    app.sim.feed.setPrice('BTCUSDT', '65000');
    // The hole: 0.07 × 14,000 = 980 passed; it fills at once for about 0.07 × 65,000 = 4,550.
    await app.send('/sell BTCUSDT 0.07 14000');
    const refused = app.lastMessage();
    expect(refused.text).toMatch(/worth about 4,550\.00 USDT, over the limit of 1,000\.00 USDT per order/);
    expect(buttonsOf(refused.reply_markup)).toEqual([]);
    expect(app.orderPosts()).toHaveLength(0);
  });

  it('a marketable limit under the cap gets a card that says it fills at once, with proceeds at the market', async () => {
    app.sim.feed.setPrice('BTCUSDT', '65000');
    await app.send('/sell BTCUSDT 0.01 14000');
    const { message, confirm } = card(app);
    expect(message.text).toContain('⚡ The limit is below the last price: this order fills at once at about the market price, it will not rest.');
    expect(message.text).toContain('Estimated proceeds: ≈ 650.00 USDT at the market');
    await app.press(message.message_id, confirm);
    await app.waitForText(message.message_id, /Filled/);
    const [order] = app.sim.control.orders('BTCUSDT');
    expect(order).toMatchObject({ side: 'SELL', type: 'LIMIT', status: 'FILLED' });
  });

  it('a BUY limit above the market says it fills at once and costs about the market, at most the limit', async () => {
    await app.send('/buy ETHUSDT 0.1 4000');
    const text = card(app).message.text;
    expect(text).toContain('⚡ The limit is above the last price: this order fills at once at about the market price, it will not rest.');
    expect(text).toContain('Estimated cost: ≈ 350.00 USDT at the market (at most 400.00 USDT)');
  });

  it('a resting limit has no such note', async () => {
    await app.send('/sell ETHUSDT 0.1 4000');
    expect(card(app).message.text).not.toContain('fills at once');
    await app.send('/buy ETHUSDT 0.1 3000');
    expect(card(app).message.text).not.toContain('fills at once');
  });

  it('/help and /status name the cap with its currency', async () => {
    await app.send('/help');
    expect(app.lastMessage().text).toContain('Orders worth more than 1,000.00 USDT are refused, whatever the pair (MAX_ORDER_VALUE).');
    await app.send('/status');
    expect(app.lastMessage().text).toContain('Order cap (MAX_ORDER_VALUE): 1,000.00 USDT per order');
  });
});

describe('MAX_ORDER_VALUE on stops', () => {
  let h: StopHarness<never>;
  beforeAll(async () => {
    h = await startStopHarness({ bot: true, orderCap: usdtCap('1000'), sim: { balances: { ETH: '100', BTC: '0.01' }, prices: { ...MARKET } } });
  });
  afterAll(() => h.close());
  const last = () => h.messages(TRADER_USER.id).at(-1)!;

  it.each([
    // A protective stop sells what is worth the last price now: 100 ETH, in BTC, in USDT.
    ['/stop ETHBTC 0.04', /worth about 350,000\.00 USDT \(5 BTC at 70,000 USDT per BTC\), over the limit of 1,000\.00 USDT per order \(MAX_ORDER_VALUE\)/],
    ['/stop ETHBTC fractal 1h', /worth about 350,000\.00 USDT \(5 BTC at 70,000 USDT per BTC\)/],
    ['/stop ETHUSDT 3000 1', /worth about 3,500\.00 USDT, over the limit/],
  ])('%s is refused with the value in USDT', async (command, reason) => {
    await h.send(command);
    expect(last().text).toMatch(reason);
    expect(buttonsOf(last().reply_markup)).toEqual([]);
    expect(h.requests('POST', '/api/v3/order')).toBe(0);
  });

  it('a stop worth less than the cap gets a card', async () => {
    await h.send('/stop ETHUSDT 3000 0.2');
    expect(buttonsOf(last().reply_markup).map((b) => b.text)).toEqual(['✅ Confirm', '✖️ Cancel']);
  });
});

describe('MAX_ORDER_VALUE with no conversion path', () => {
  let app: AppHarness;
  beforeAll(async () => {
    app = await startApp({ maxOrderValue: '1000', valuationAsset: 'EUR', workers: false });
  });
  afterAll(() => app.close());

  it('refuses an order whose quote cannot be valued in VALUATION_ASSET', async () => {
    await app.send('/buy BTCUSDT 0.001');
    const reply = app.lastMessage();
    expect(reply.text).toBe(
      'This order cannot be valued in EUR: the exchange has no trading pair between USDT and EUR, so the per-order limit (MAX_ORDER_VALUE) cannot be checked and the order is refused.',
    );
    expect(buttonsOf(reply.reply_markup)).toEqual([]);
  });
});

describe('QUEUED_ORDER_MAX_AGE_S', () => {
  let app: AppHarness;
  beforeAll(async () => {
    app = await startApp({ queuedOrderMaxAgeMs: 1_000 });
  });
  afterAll(() => app.close());

  it('a market order confirmed while paused and still queued past the limit is not sent; its card says why', async () => {
    await app.send('/pause');
    await app.send('/buy BTCUSDT 0.001');
    const { message, confirm } = card(app);
    await app.press(message.message_id, confirm);
    await app.waitForText(message.message_id, /Automation is paused/);
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    await app.send('/resume');
    const expired = await app.waitForText(message.message_id, /Not placed/);
    expect(expired.text).toMatch(/Expired in the queue: confirmed at \d{4}-\d\d-\d\d \d\d:\d\d UTC and still waiting 1 s later .* past the 1 s allowed \(QUEUED_ORDER_MAX_AGE_S\)\. Nothing was sent/);
    expect(app.orderPosts()).toHaveLength(0);
  });

  it('an order confirmed while paused and resumed in time is sent', async () => {
    await app.send('/pause');
    await app.send('/buy BTCUSDT 0.001');
    const { message, confirm } = card(app);
    await app.press(message.message_id, confirm);
    await app.waitForText(message.message_id, /Automation is paused/);
    await app.send('/resume');
    await app.waitForText(message.message_id, /Filled/);
    expect(app.orderPosts()).toHaveLength(1);
  });
});
