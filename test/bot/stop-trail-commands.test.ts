/**
 * `/stop SYMBOL N%` and `/stop SYMBOL atr[:MULT]` through the real grammY bot on the fake Telegram
 * Bot API, with the trading service, the order and alerts workers and the stop manager on real
 * Redis and the simulator over HTTP (test/trading/stop-harness.ts), on 200 real BTCUSDT 1h candles.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatAmount } from '../../src/format.js';
import type { ProgrammaticFeed } from '../../src/sim/types.js';
import { eventually } from '../support/wait.js';
import { startStopHarness, TRADER_USER, type StopHarness } from '../trading/stop-harness.js';
import { at, loadHistory } from '../trading/stop-scenario.js';

type Button = { text: string; callback_data: string };
const buttonsOf = (markup: unknown): Button[] => ((markup as { inline_keyboard?: Button[][] } | undefined)?.inline_keyboard ?? []).flat();
const shown = (v: string) => formatAmount(v, 2);

describe('/stop SYMBOL N% and /stop SYMBOL atr[:MULT]', () => {
  let h: StopHarness<ProgrammaticFeed>;
  let price: string;
  beforeAll(async () => {
    h = await startStopHarness<ProgrammaticFeed>({ bot: true, sim: { balances: { BTC: '1', USDT: '1000' } } });
    ({ price } = loadHistory(h.sim.feed, 200));
  });
  afterAll(() => h.close());

  const last = () => h.messages(TRADER_USER.id).at(-1)!;
  const rejected = () => h.telegram!.calls().filter((c) => c.status !== 'ok');

  async function confirm(card: { message_id: number; reply_markup?: unknown }) {
    const [button] = buttonsOf(card.reply_markup);
    expect(button?.text).toBe('✅ Confirm');
    await h.press(card.message_id, button!.callback_data);
    return eventually(() => {
      const m = h.telegram!.message(TRADER_USER.id, card.message_id);
      return m && /Placed: order/.test(m.text ?? '') ? m : undefined;
    }, 'the card to show the placed order');
  }

  it('/stop btcusdt 3% 1h 0.1: a card with the first stop 3 % under the price; Confirm arms it and places one order', async () => {
    await h.send('/stop btcusdt 3% 1h 0.1');
    const card = last();
    const first = at(price, '0.97');
    expect(card.text).toContain('Confirm order: <b>SELL BTCUSDT</b> · STOP_LOSS_LIMIT GTC');
    expect(card.text).toContain('Quantity: <b>0.10000 BTC</b>');
    expect(card.text).toContain(`Stop price: <b>${shown(first)} USDT</b>`);
    expect(card.text).toContain(`Trailing stop on <b>1h</b> candles. First stop: 3 % under the last price ${shown(price)} USDT.`);
    expect(card.text).toContain('At each 1h close it moves up to 3 % under the highest high since arming, never down.');
    expect(h.requests('POST', '/api/v3/order')).toBe(0);

    await confirm(card);
    expect(h.requests('POST', '/api/v3/order')).toBe(1);
    const armed = await eventually(() => h.messages().find((m) => m.text?.includes('<b>BTCUSDT</b> · 3 % trailing 1h') && m.text.startsWith('🛡 <b>Trailing stop armed</b>')), 'the armed alert');
    expect(armed.text).toContain(`First stop <b>${shown(first)}</b>`);
    expect(armed.text).toContain(`3 % under the high ${shown(price)} (the price at arming)`);
  });

  it('/stop BTCUSDT atr 1h 0.1: the first stop is the ATR stop /ta shows (close − 2 × ATR(14))', async () => {
    await h.send('/ta BTCUSDT 1h');
    const taStop = /stop at close − 2×ATR: <b>([\d,.]+)<\/b>/.exec(last().text ?? '')?.[1];
    const taAtr = /ATR\(14\) ([\d,.]+) ·/.exec(last().text ?? '')?.[1];
    expect(taStop).toBeDefined();

    await h.send('/stop BTCUSDT atr 1h 0.1');
    const card = last();
    expect(card.text).toContain(`Stop price: <b>${taStop} USDT</b>`);
    expect(card.text).toContain(`First stop: 2 × ATR(14) ${taAtr} USDT under the last price ${shown(price)} USDT.`);
    await confirm(card);
    await eventually(() => h.messages().find((m) => m.text?.includes('<b>BTCUSDT</b> · 2 × ATR chandelier 1h') && m.text.startsWith('🛡')), 'the armed alert');
  });

  it('/stop BTCUSDT atr:2.5 0.1 follows the default interval (4h), where the feed has too few candles for ATR(14): refused, no card', async () => {
    await h.send('/stop BTCUSDT atr:2.5 0.1');
    expect(last().text).toMatch(/ATR\(14\) needs at least 15 closed 4h candles of BTCUSDT/);
    expect(buttonsOf(last().reply_markup)).toEqual([]);
  });

  it('/stops shows each trailing stop: kind, quantity, stop, high since arming, no move yet, next candidate', async () => {
    await expect.poll(async () => (await h.desk.listStops()).length === 2 && (await h.desk.listStops()).every((s) => s.status === 'active'), { message: 'both stops active' }).toBeTruthy();
    await h.send('/stops');
    const text = last().text!;
    expect(text).toContain('<b>Managed stops</b> (2)');
    expect(text).toContain('<b>BTCUSDT</b> · 3 % trailing 1h · 0.10000 BTC');
    expect(text).toContain('<b>BTCUSDT</b> · 2 × ATR chandelier 1h · 0.10000 BTC');
    expect(text).toContain(`Stop <b>${shown(at(price, '0.97'))}</b>`);
    expect(text.match(new RegExp(`High since arming ${shown(price)}`, 'g'))).toHaveLength(2);
    expect(text.match(/no move yet/g)).toHaveLength(2);
    expect(text.match(/Next candidate: none yet/g)).toHaveLength(2);
    await h.send('/stop BTCUSDT off');
    expect(await h.store.all()).toEqual([]);
    expect(rejected()).toEqual([]);
  });

  it.each([
    ['a percentage that is not a number', '/stop BTCUSDT abc%', /The trailing percentage "abc" is not a number/],
    ['0 %', '/stop BTCUSDT 0%', /The trailing percentage must be greater than zero/],
    ['100 %', '/stop BTCUSDT 100%', /A stop 100 % under the high would sit at zero or below: give a percentage under 100/],
    ['over 100 %', '/stop BTCUSDT 250% 1h', /A stop 250 % under the high would sit at zero or below/],
    ['a multiple that is not a number', '/stop BTCUSDT atr:x', /The ATR multiple "x" is not a number/],
    ['a zero multiple', '/stop BTCUSDT atr:0 1h', /The ATR multiple must be greater than zero/],
    ['an empty multiple', '/stop BTCUSDT atr: 1h', /"atr:" is not an ATR stop: write atr or atr:MULT, then the interval/],
    ['the interval inside the word', '/stop BTCUSDT atr:3:1h', /"atr:3:1h" is not an ATR stop/],
    ['an unknown interval after atr', '/stop BTCUSDT atr 7h', /"7h" is not an interval a stop can follow/],
    ['an interval no stop can follow after N%', '/stop BTCUSDT 3% 3d', /"3d" is not an interval a stop can follow/],
    ['two intervals', '/stop BTCUSDT 3% 1h 4h', /Give one INTERVAL at most/],
    ['an amount in the quote asset', '/stop BTCUSDT atr 1h 100USDT', /A stop protects a quantity of BTC/],
  ])('refuses %s with the usage line and no card', async (_what, command, reason) => {
    const orders = h.requests('POST', '/api/v3/order');
    await h.send(command);
    expect(last().text).toMatch(reason);
    if (!/quantity of BTC/.test(last().text!)) expect(last().text).toContain('Usage: /stop SYMBOL PRICE|fractal|N%|atr[:MULT]|off [INTERVAL] [AMOUNT]');
    expect(buttonsOf(last().reply_markup)).toEqual([]);
    expect(h.requests('POST', '/api/v3/order')).toBe(orders);
  });
});
