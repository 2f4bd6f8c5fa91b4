/**
 * A plan's trailing stop placed with a LIMIT entry and no target (DESIGN.md §5b): one OTO list,
 * the entry working and the stop pending. Against the simulator's real order lists over HTTP, the
 * order worker and the stop manager:
 * - while the entry waits, candle closes pass and the stop is not touched: cancelling or replacing
 *   a pending leg would cancel the entry (rest-api.md "New Order list - OTO");
 * - once the entry filled, the stop trails from the fill: a fractal (or a high) made while it
 *   waited does not count, the next one does, and the move (cancelReplace of the leg, now alone on
 *   the book) leaves the filled entry as it was;
 * - a stop manager that was down across the fill finds the stop intact at start and trails it;
 * - /stop off while the entry waits cancels the leg, which cancels the list: the reply says so;
 * - an entry cancelled unfilled takes its stop with it: the stop is forgotten without an alarm.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { KlineRow } from '../../src/binance/types.js';
import { floorToStep, lt, normalize } from '../../src/decimal.js';
import { stripTags } from '../../src/format.js';
import type { ProgrammaticFeed } from '../../src/sim/types.js';
import type { StopSpec } from '../../src/trading/brackets/bracket-types.js';
import type { ManagedStop } from '../../src/trading/stops/stop-types.js';
import { eventually } from '../support/wait.js';
import { startStopHarness, TRADER, type StopHarness } from './stop-harness.js';
import { at, candle, formFractalAbove, loadHistory } from './stop-scenario.js';
import { orderLine } from '../../src/bot/features/open-orders.js';

const CANCEL_REPLACE = '/api/v3/order/cancelReplace';

describe('a LIMIT plan with a trailing stop and no target (OTO)', () => {
  let h: StopHarness<ProgrammaticFeed> | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  const evaluated = (row: KlineRow) => h!.closeEvaluated('BTCUSDT', '1h', row[6]);
  const orders = () => h!.sim.control.orders('BTCUSDT').map((o) => [o.clientOrderId, o.type, o.status] as const);
  /** Cancels of any kind: the entry must never be cancelled by a stop move. */
  const cancels = () => h!.requests('DELETE', '/api/v3/order') + h!.requests('DELETE', '/api/v3/orderList') + h!.requests('POST', CANCEL_REPLACE);

  /** A LIMIT entry 2 % under the price with `stop`; the plan is confirmed and its stop adopted. */
  async function otoPlan(stop: StopSpec, bot = false): Promise<{ stop: ManagedStop; price: string; entry: string; card: string }> {
    h = await startStopHarness<ProgrammaticFeed>({ bot, sim: { balances: { USDT: '20000' } } });
    const { price } = loadHistory(h.sim.feed, 200);
    const entry = at(price, '0.98');
    const card = await h.service.prepareBracket({ symbol: 'BTCUSDT', size: { kind: 'amount', amount: { kind: 'base', quantity: '0.1' } }, price: entry, stop }, TRADER);
    await h.service.confirm(card.intentId, TRADER.userId);
    const adopted = await eventually(() => h!.store.get(card.intentId), 'the plan to be adopted as a managed stop');
    await h.streamReady();
    return { stop: adopted, price, entry, card: stripTags(card.text) };
  }

  /** Trades down to the entry: the LIMIT fills, and the exchange puts the pending stop on the book. */
  async function fillEntry(id: string, entry: string): Promise<void> {
    h!.sim.feed.setPrice('BTCUSDT', entry);
    await eventually(() => (h!.sim.control.orders('BTCUSDT').find((o) => o.clientOrderId === `skl-${id}`)?.status === 'NEW' ? true : undefined), 'the entry to fill and the stop to go on the book');
  }

  it('sl=fractal: the stop waits untouched while the entry waits, then trails from the fill by cancelReplace, the entry left filled', async () => {
    const { stop, price, entry, card } = await otoPlan({ kind: 'fractal', interval: '1h' }, true);
    expect(card).toContain('It trails once the entry has filled: from then, at each 1h close the stop moves up to each newer confirmed bullish fractal, never down.');
    expect(card).not.toContain('stays at this level');
    const id = stop.id;
    expect(stop).toMatchObject({ kind: 'fractal', awaitsEntry: `bco-${id}`, orders: 0, clientOrderId: `skl-${id}`, quantity: '0.0999' });
    expect(stop.target).toBeUndefined();
    const first = stop.stopPrice!;
    expect(lt(first, entry)).toBe(true);
    expect(orders()).toEqual([
      [`bco-${id}`, 'LIMIT', 'NEW'],
      [`skl-${id}`, 'STOP_LOSS_LIMIT', 'PENDING_NEW'],
    ]);
    // /stops lists it once, as the managed stop, saying it waits for the entry (not again as the plan's exit list).
    await h!.send('/stops');
    const listed = stripTags(h!.messages().at(-1)!.text ?? '');
    expect(listed).toContain('waits for the entry to fill, then trails');
    expect(listed).not.toContain('Plan exits');

    // Six closes above the entry form a fractal above it, confirmed: the stop would go there if the entry had filled.
    const waited = await formFractalAbove(h!.sim.feed, price, evaluated);
    const held = (await h!.store.get(id))!;
    expect(held).toMatchObject({ stopPrice: first, orders: 0, awaitsEntry: `bco-${id}`, lastEvaluatedClose: waited.confirmedBy[6] });
    expect(held.candidate).toBeUndefined();
    expect(cancels()).toBe(0);
    expect(orders()).toEqual([
      [`bco-${id}`, 'LIMIT', 'NEW'],
      [`skl-${id}`, 'STOP_LOSS_LIMIT', 'PENDING_NEW'],
    ]);

    await fillEntry(id, entry);
    // The close of the fill's candle arms the stop at the fill; the fractal made while the entry waited is not one after it.
    const fillCandle = candle(h!.sim.feed, entry, at(entry, '1.05'));
    await evaluated(fillCandle);
    const armed = (await h!.store.get(id))!;
    expect(armed.awaitsEntry).toBeUndefined();
    expect(armed).toMatchObject({ stopPrice: first, orders: 0, entryPrice: entry });
    expect(armed.armedAt).toBeGreaterThan(stop.armedAt);
    expect(lt(at(price, '1.02'), at(entry, '1.05'))).toBe(true);
    expect(cancels()).toBe(0);

    // A fractal formed after the fill: the next qualifying close moves the stop up to it.
    const { fractal } = await formFractalAbove(h!.sim.feed, at(entry, '1.05'), evaluated);
    const after = (await h!.store.get(id))!;
    const newStop = normalize(floorToStep(fractal[3], '0.01'));
    expect(after).toMatchObject({ status: 'active', stopPrice: newStop, orders: 1, clientOrderId: `bst-${id}-1` });
    expect(lt(entry, newStop)).toBe(true);
    expect(h!.requests('POST', CANCEL_REPLACE)).toBe(1);
    expect(h!.requests('DELETE', '/api/v3/order') + h!.requests('DELETE', '/api/v3/orderList')).toBe(0);
    expect(orders()).toEqual([
      [`bco-${id}`, 'LIMIT', 'FILLED'],
      [`skl-${id}`, 'STOP_LOSS_LIMIT', 'CANCELED'],
      [`bst-${id}-1`, 'STOP_LOSS_LIMIT', 'NEW'],
    ]);
    expect(normalize(h!.sim.control.orders('BTCUSDT').find((o) => o.clientOrderId === `bst-${id}-1`)!.stopPrice!)).toBe(newStop);
    const moved = (await h!.stopAlerts()).filter((a) => a.key === `stop-moved-${id}-1`);
    expect(moved).toHaveLength(1);
    expect((await h!.stopAlerts()).filter((a) => a.key.startsWith(`stop-outside-${id}`))).toEqual([]);
  });

  it('sl=atr: highs made while the entry waits do not count; after the fill a new high moves the stop, from the fill price up', async () => {
    const { stop, price, entry, card } = await otoPlan({ kind: 'atr', multiple: '2', interval: '1h' });
    expect(card).toContain('It trails once the entry has filled: from then, at each 1h close the stop moves up to 2 × ATR(14) under the highest high since the entry, never down.');
    const id = stop.id;
    expect(stop).toMatchObject({ kind: 'atr', atrMultiple: '2', awaitsEntry: `bco-${id}`, high: { price: entry } });
    const first = stop.stopPrice!;

    // Waiting: a candle trades 10 % over the price, far above the entry, and closes there.
    const close = (high: string, last: string) => evaluated(candle(h!.sim.feed, high, last));
    await close(price, price);
    await close(at(price, '1.10'), at(price, '1.09'));
    const held = (await h!.store.get(id))!;
    expect(held).toMatchObject({ stopPrice: first, orders: 0, awaitsEntry: `bco-${id}`, high: { price: entry } });
    expect(cancels()).toBe(0);

    await fillEntry(id, entry);
    await close(entry, entry);
    const armed = (await h!.store.get(id))!;
    expect(armed.awaitsEntry).toBeUndefined();
    // The high starts again at the fill: 1.10 × the price, made while the entry waited, is not the position's.
    expect(lt(armed.high!.price, at(price, '1.0'))).toBe(true);

    // After the fill: a candle 6 % above the entry lifts the high, and the stop under it.
    await close(at(entry, '1.06'), at(entry, '1.05'));
    const after = (await h!.store.get(id))!;
    expect(after.basis).toMatchObject({ kind: 'atr', multiple: '2', high: at(entry, '1.06') });
    expect(lt(first, after.stopPrice!)).toBe(true);
    expect(lt(after.stopPrice!, at(entry, '1.05'))).toBe(true);
    expect(after.clientOrderId).toBe(`bst-${id}-${after.orders}`);
    expect(h!.requests('POST', CANCEL_REPLACE)).toBe(after.orders);
    const open = h!.sim.control.orders('BTCUSDT').filter((o) => o.status === 'NEW');
    expect(open.map((o) => [o.clientOrderId, normalize(o.stopPrice!)])).toEqual([[`bst-${id}-${after.orders}`, after.stopPrice]]);
    expect(h!.sim.control.orders('BTCUSDT').find((o) => o.clientOrderId === `bco-${id}`)!.status).toBe('FILLED');
  });

  it('the stop manager is down when the entry fills: the restarted one finds the stop intact and trails it', async () => {
    const { stop, entry } = await otoPlan({ kind: 'fractal', interval: '1h' });
    const id = stop.id;
    await h!.restartManager(() => fillEntry(id, entry));
    await h!.streamReady();
    // The start-up check saw the leg on the book: nothing cancelled, nothing said, the stop still waiting to be armed at a close.
    expect(await h!.store.get(id)).toMatchObject({ awaitsEntry: `bco-${id}`, orderId: stop.orderId, orders: 0 });
    expect(cancels()).toBe(0);
    expect(await h!.stopAlerts()).toEqual([]);

    const { fractal } = await formFractalAbove(h!.sim.feed, entry, evaluated);
    const after = (await h!.store.get(id))!;
    expect(after).toMatchObject({ stopPrice: normalize(floorToStep(fractal[3], '0.01')), orders: 1, clientOrderId: `bst-${id}-1` });
    expect(after.awaitsEntry).toBeUndefined();
    expect(h!.sim.control.orders('BTCUSDT').filter((o) => o.status === 'NEW').map((o) => o.clientOrderId)).toEqual([`bst-${id}-1`]);
  });

  it('/stop off while the entry waits keeps both (the exchange would cancel the entry with the leg); once the entry filled it removes the stop alone', async () => {
    const { stop, entry } = await otoPlan({ kind: 'atr', multiple: '2', interval: '1h' });
    const reply = stripTags(await h!.desk.removeStops('BTCUSDT', TRADER));
    expect(reply).toBe('The stop on BTCUSDT waits in one order list with its limit entry, which has not filled: removing it would cancel the entry too. It stays; to drop both, cancel the entry in /orders.');
    expect(orders().map(([, , status]) => status)).toEqual(['NEW', 'PENDING_NEW']);
    expect(await h!.store.get(stop.id)).toBeDefined();
    // /orders says the leg waits; its Cancel button keeps both too.
    const leg = (await h!.exchange.openOrders('BTCUSDT')).find((o) => o.orderId === stop.orderId)!;
    expect(stripTags(orderLine(leg, undefined))).toMatch(/ · waits in order list \d+ for its entry to fill · /);
    const cancel = stripTags(await h!.service.cancelOrder({ symbol: 'BTCUSDT', orderId: stop.orderId! }, TRADER));
    expect(cancel).toBe(`Order ${stop.orderId} is the stop waiting in one order list with its limit entry, which has not filled: cancelling it would cancel the entry too. It stays; to drop both, cancel the entry.`);
    expect(orders().map(([, , status]) => status)).toEqual(['NEW', 'PENDING_NEW']);

    // The entry fills; the stop is still marked waiting until the next close, and goes alone now.
    await fillEntry(stop.id, entry);
    expect(orders().map(([, , status]) => status)).toEqual(['FILLED', 'NEW']);
    const after = stripTags(await h!.desk.removeStops('BTCUSDT', TRADER));
    expect(after).toContain(`Order ${stop.orderId} cancelled.`);
    expect(orders().map(([, , status]) => status)).toEqual(['FILLED', 'CANCELED']);
    expect(await h!.store.get(stop.id)).toBeUndefined();
  });

  it('the entry cancelled through the bot takes its waiting stop along in the one reply, the leg marked as cancelled by the bot', async () => {
    const { stop } = await otoPlan({ kind: 'fractal', interval: '1h' });
    const entryOrder = h!.sim.control.orders('BTCUSDT').find((o) => o.clientOrderId === `bco-${stop.id}`)!;
    const reply = stripTags(await h!.service.cancelOrder({ symbol: 'BTCUSDT', orderId: entryOrder.orderId }, TRADER));
    expect(reply).toContain(`Cancelled order ${entryOrder.orderId}: BUY`);
    expect(reply).toContain(`Its stop, order ${stop.orderId}, waited in the same order list and was cancelled with it.`);
    expect(reply).not.toContain('has no stop now');
    expect(orders().map(([, , status]) => status)).toEqual(['CANCELED', 'CANCELED']);
    expect(await h!.store.get(stop.id)).toBeUndefined();
    // Its stream event is then the bot's own cancel, not news to push.
    expect(await h!.records.isCancelling('BTCUSDT', stop.orderId!)).toBe(true);
  });

  it('/stop off while the leg cannot be read cancels nothing and says so', async () => {
    const { stop } = await otoPlan({ kind: 'fractal', interval: '1h' });
    // Every try of the read (the client retries a GET twice) answers 500.
    h!.sim.control.faults.inject({ method: 'GET', path: '/api/v3/order', action: 'error-500-before', times: 3 });
    await expect(h!.desk.removeStops('BTCUSDT', TRADER)).rejects.toMatchObject({
      code: 'EXCHANGE_UNAVAILABLE',
      userMessage: 'The exchange did not say whether the entry under the stop on BTCUSDT has filled, so nothing was cancelled for that stop. Try again in a minute.',
    });
    expect(orders().map(([, , status]) => status)).toEqual(['NEW', 'PENDING_NEW']);
    expect(cancels()).toBe(0);
    expect(await h!.store.get(stop.id)).toBeDefined();
  });

  it("the entry's cancel answered 503 after it executed: settled by the order's status, the waiting stop goes in the same reply", async () => {
    const { stop } = await otoPlan({ kind: 'fractal', interval: '1h' });
    const entryOrder = h!.sim.control.orders('BTCUSDT').find((o) => o.clientOrderId === `bco-${stop.id}`)!;
    h!.sim.control.faults.inject({ method: 'DELETE', path: '/api/v3/order', action: 'error-503-after-execute' });
    const reply = stripTags(await h!.service.cancelOrder({ symbol: 'BTCUSDT', orderId: entryOrder.orderId }, TRADER));
    expect(reply).toContain(`Cancelled order ${entryOrder.orderId}: BUY`);
    expect(reply).toContain(`Its stop, order ${stop.orderId}, waited in the same order list and was cancelled with it.`);
    expect(orders().map(([, , status]) => status)).toEqual(['CANCELED', 'CANCELED']);
    expect(await h!.store.get(stop.id)).toBeUndefined();
  });

  it("the entry's cancel failing before it reached the book: both stay, and the leg is no longer marked as cancelled by the bot", async () => {
    const { stop } = await otoPlan({ kind: 'fractal', interval: '1h' });
    const entryOrder = h!.sim.control.orders('BTCUSDT').find((o) => o.clientOrderId === `bco-${stop.id}`)!;
    h!.sim.control.faults.inject({ method: 'DELETE', path: '/api/v3/order', action: 'error-500-before' });
    await expect(h!.service.cancelOrder({ symbol: 'BTCUSDT', orderId: entryOrder.orderId }, TRADER)).rejects.toMatchObject({ code: expect.stringMatching(/^EXCHANGE_/) });
    expect(orders().map(([, , status]) => status)).toEqual(['NEW', 'PENDING_NEW']);
    expect((await h!.store.get(stop.id))?.awaitsEntry).toBe(`bco-${stop.id}`);
    expect(await h!.records.isCancelling('BTCUSDT', stop.orderId!)).toBe(false);
  });

  it('the entry is cancelled unfilled: its pending stop goes with it, and the stop is forgotten without an alarm', async () => {
    const { stop } = await otoPlan({ kind: 'fractal', interval: '1h' });
    const id = stop.id;
    await h!.exchange.cancelOrder({ symbol: 'BTCUSDT', origClientOrderId: `bco-${id}` });
    await h!.manager.checkStops();
    expect(await h!.store.get(id)).toBeUndefined();
    expect(orders().map(([, , status]) => status)).toEqual(['CANCELED', 'CANCELED']);
    expect((await h!.stopAlerts()).filter((a) => a.key.startsWith(`stop-outside-${id}`))).toEqual([]);
  });
});
