/**
 * /stop, /stops and /stop off through the real grammY bot on the fake Telegram Bot API, with the
 * trading service, the order and alerts workers and the stop manager on real Redis and the
 * simulator over HTTP (test/trading/stop-harness.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normalize } from '../../src/decimal.js';
import type { ProgrammaticFeed } from '../../src/sim/types.js';
import { eventually } from '../support/wait.js';
import { PARTNER_USER, startStopHarness, TRADER_USER, type StopHarness } from '../trading/stop-harness.js';
import { at, loadHistory } from '../trading/stop-scenario.js';

type Button = { text: string; callback_data: string };
const buttonsOf = (markup: unknown): Button[] => ((markup as { inline_keyboard?: Button[][] } | undefined)?.inline_keyboard ?? []).flat();

describe('/stop and /stops', () => {
  let h: StopHarness<ProgrammaticFeed>;
  let price: string;
  beforeAll(async () => {
    h = await startStopHarness<ProgrammaticFeed>({ bot: true, sim: { balances: { BTC: '1', USDT: '1000' } } });
    ({ price } = loadHistory(h.sim.feed, 200));
  });
  afterAll(() => h.close());

  const last = (chatId = TRADER_USER.id) => h.messages(chatId).at(-1)!;
  const rejected = () => h.telegram!.calls().filter((c) => c.status !== 'ok');

  async function confirmCard(command: string) {
    await h.send(command);
    const card = last();
    const [confirm] = buttonsOf(card.reply_markup);
    expect(confirm?.text).toBe('✅ Confirm');
    await h.press(card.message_id, confirm!.callback_data);
    const placed = await eventually(() => {
      const m = h.telegram!.message(TRADER_USER.id, card.message_id);
      return m && /Placed: order/.test(m.text ?? '') ? m : undefined;
    }, 'the card to show the placed order');
    return { card, placed };
  }

  it('/stop SYMBOL fractal INTERVAL AMOUNT: a card with entry and first stop; Confirm arms it and places one order', async () => {
    await h.send('/stop btcusdt fractal 1h 0.1');
    const card = last();
    expect(card.text).toContain('Confirm order: <b>SELL BTCUSDT</b> · STOP_LOSS_LIMIT GTC');
    expect(card.text).toContain('Quantity: <b>0.10000 BTC</b>');
    expect(card.text).toMatch(/Stop price: <b>[\d,]+\.\d\d USDT<\/b>/);
    expect(card.text).toContain(`Entry: ${Number(price).toLocaleString('en-US', { minimumFractionDigits: 2 })} USDT (the current price: no recorded buys)`);
    expect(card.text).toContain('Trailing stop on <b>1h</b> candles. First stop: the low');
    expect(h.requests('POST', '/api/v3/order')).toBe(0);

    const [confirm] = buttonsOf(card.reply_markup);
    await h.press(card.message_id, confirm!.callback_data);
    await h.press(card.message_id, confirm!.callback_data); // a double tap
    await expect.poll(() => /Placed: order/.test(h.telegram!.message(TRADER_USER.id, card.message_id)?.text ?? ''), { message: 'the card to show the placed order' }).toBeTruthy();
    expect(h.requests('POST', '/api/v3/order')).toBe(1);
    const armedAlert = await eventually(() => h.messages().find((m) => m.text?.startsWith('🛡 <b>Trailing stop armed</b>')), 'the armed alert');
    expect(armedAlert.text).toContain('<b>BTCUSDT</b> · fractal 1h');
  });

  it('/stop SYMBOL PRICE AMOUNT: a fixed stop-limit at PRICE with its limit STOP_LIMIT_OFFSET_PCT below', async () => {
    const stopAt = at(price, '0.9');
    const { placed } = await confirmCard(`/stop BTCUSDT ${stopAt} 0.2`);
    expect(placed.text).toContain(`Stop price: <b>${Number(stopAt).toLocaleString('en-US', { minimumFractionDigits: 2 })} USDT</b>`);
    const order = h.sim.control.orders('BTCUSDT').find((o) => normalize(o.stopPrice ?? '0') === stopAt)!;
    expect(order).toMatchObject({ type: 'STOP_LOSS_LIMIT', side: 'SELL', status: 'NEW', origQty: '0.20000000' });
    expect(normalize(order.price)).toBe(at(stopAt, '0.995'));
  });

  it('/stops lists both stops: kind, quantity, stop, order, last move, next candidate', async () => {
    await expect.poll(async () => (await h.desk.listStops()).every((s) => s.status === 'active'), { message: 'both stops active' }).toBeTruthy();
    await h.send('/stops');
    const text = last().text!;
    expect(text).toContain('<b>Managed stops</b> (2)');
    expect(text).toContain('<b>BTCUSDT</b> · fractal 1h · 0.10000 BTC');
    expect(text).toContain('<b>BTCUSDT</b> · fixed · 0.20000 BTC');
    expect(text).toMatch(/Stop <b>[\d,.]+<\/b> \(limit [\d,.]+\) · order <code>\d+<\/code>/);
    expect(text).toContain('no move yet');
    expect(text).toContain('Next candidate: none yet');

    // /fractals draws the highest managed stop on the symbol, with its entry.
    const fractalStop = (await h.desk.listStops()).find((s) => s.kind === 'fractal')!;
    await h.send('/fractals BTCUSDT 1h');
    const photo = await eventually(() => h.messages().find((m) => m.photo), 'the chart');
    const shown = (v: string) => Number(v).toLocaleString('en-US', { minimumFractionDigits: 2 });
    expect(photo.caption).toContain(`Stop <b>${shown(fractalStop.stopPrice!)}</b> · entry ${shown(price)}`);
    expect(rejected()).toEqual([]);
  });

  it('refuses bad arguments and impossible stops with a reason, no card', async () => {
    await h.send('/stop BTCUSDT fractal 3d');
    expect(last().text).toMatch(/"3d" is not an interval a stop can follow[\s\S]*Usage: \/stop SYMBOL PRICE\|fractal\|N%\|atr\[:MULT\]\|off \[INTERVAL\] \[AMOUNT\]/);
    await h.send(`/stop BTCUSDT ${at(price, '1.1')}`);
    expect(last().text).toMatch(/A sell stop must be below the current price/);
    await h.send('/stop BTCUSDT fractal 1h 100USDT');
    expect(last().text).toMatch(/A stop protects a quantity of BTC/);
    expect(buttonsOf(last().reply_markup)).toEqual([]);
    expect(rejected()).toEqual([]);
  });

  it('/stop SYMBOL off by a partner cancels both orders, forgets the stops, and tells their owner', async () => {
    const before = h.messages().length;
    await h.send('/stop BTCUSDT off', PARTNER_USER);
    const reply = last(PARTNER_USER.id).text!;
    expect(reply.match(/✖️ Removed/g)).toHaveLength(2);
    expect(reply).toMatch(/Order \d+ cancelled\./);
    expect(reply).toContain('no longer protected by the bot');
    expect(h.sim.control.orders('BTCUSDT').filter((o) => o.status === 'NEW')).toHaveLength(0);
    expect(await h.store.all()).toEqual([]);
    await expect.poll(() => h.messages().slice(before).filter((m) => m.text?.includes('Stop removed')).length === 2, { message: 'the owner told twice' }).toBeTruthy();
    expect(h.messages().slice(before).find((m) => m.text?.includes('Stop removed'))!.text).toContain('by @bob');

    await h.send('/stops');
    expect(last().text).toContain('No managed stops.');
    await h.send('/stop BTCUSDT off');
    expect(last().text).toContain('No managed stop on <b>BTCUSDT</b>');
    expect(rejected()).toEqual([]);
  });

  // Found by the soak: a trader who cancelled a stop's order from /orders was later told the stop
  // had been "cancelled outside the bot", and the manager only let it go at its next sweep.
  it("a stop's order cancelled from the /orders button or /cancel ID removes the stop, as /stop off does", async () => {
    const { placed } = await confirmCard(`/stop BTCUSDT ${at(price, '0.9')} 0.1`);
    const orderId = Number(/Placed: order <code>(\d+)<\/code>/.exec(placed.text ?? '')?.[1]);
    await expect.poll(async () => (await h.store.all()).some((s) => s.orderId === orderId && s.status === 'active'), { message: 'the stop active' }).toBeTruthy();

    await h.send('/orders BTCUSDT');
    const list = last();
    const cancel = buttonsOf(list.reply_markup).find((b) => b.callback_data.startsWith('k:') && b.callback_data.includes(`:${orderId}:`));
    expect(cancel).toBeDefined();
    await h.press(list.message_id, cancel!.callback_data);
    const reply = await eventually(() => h.messages().find((m) => m.text?.includes('✖️ Removed') && m.text.includes(`Order ${orderId} cancelled.`)), 'the removal reply');
    expect(reply.text).toContain('no longer protected by the bot');
    expect(await h.store.all()).toEqual([]);
    expect(h.sim.control.orders('BTCUSDT').find((o) => o.orderId === orderId)?.status).toBe('CANCELED');

    const second = await confirmCard(`/stop BTCUSDT ${at(price, '0.85')} 0.1`);
    const secondId = Number(/Placed: order <code>(\d+)<\/code>/.exec(second.placed.text ?? '')?.[1]);
    await expect.poll(async () => (await h.store.all()).some((s) => s.orderId === secondId && s.status === 'active'), { message: 'the second stop active' }).toBeTruthy();
    await h.send(`/cancel ${secondId}`);
    expect(last().text).toContain(`Order ${secondId} cancelled.`);
    expect(last().text).toContain('✖️ Removed');
    expect(await h.store.all()).toEqual([]);

    // Nothing left for the manager to report as cancelled outside the bot.
    await h.manager.sweep.sweep();
    await new Promise((r) => setTimeout(r, 500));
    expect(h.messages().filter((m) => m.text?.includes('Stop cancelled outside the bot'))).toEqual([]);
    expect(rejected()).toEqual([]);
  });

  it('/stops has a Refresh button that reads the stops again and edits the list in place', async () => {
    await h.send('/stops');
    const list = last();
    const refresh = buttonsOf(list.reply_markup).find((b) => b.text === '🔄 Refresh');
    expect(refresh).toBeDefined();
    await new Promise((r) => setTimeout(r, 1_100));
    const before = list.text;
    await h.press(list.message_id, refresh!.callback_data);
    const edited = h.telegram!.message(TRADER_USER.id, list.message_id)!;
    expect(edited.text).not.toBe(before);
    expect(edited.text).toMatch(/<i>Updated \d\d:\d\d:\d\d UTC<\/i>$/);
    expect(last().message_id).toBe(list.message_id);
    expect(rejected()).toEqual([]);
  });

  it('a sell that finds the coins locked names the stop that holds them and how to free it', async () => {
    const { placed } = await confirmCard(`/stop BTCUSDT ${at(price, '0.9')} all`);
    const orderId = Number(/Placed: order <code>(\d+)<\/code>/.exec(placed.text ?? '')?.[1]);
    await expect.poll(async () => (await h.store.all()).some((s) => s.orderId === orderId && s.status === 'active'), { message: 'the stop active' }).toBeTruthy();

    await h.send('/sell BTCUSDT all');
    expect(last().text).toBe(`There is no free BTC to sell. 1.00000 BTC is locked in managed stop order ${orderId} on BTCUSDT: /stop BTCUSDT off frees it.`);
    await h.send('/sell BTCUSDT 0.5');
    expect(last().text).toMatch(new RegExp(`^Not enough free BTC: this order needs about 0\\.5 BTC and 0 BTC is free\\. 1.00000 BTC is locked in managed stop order ${orderId} on BTCUSDT: /stop BTCUSDT off frees it\\.$`));
    expect(buttonsOf(last().reply_markup)).toEqual([]);
    await h.send('/stop BTCUSDT off');
    expect(rejected()).toEqual([]);
  });
});
