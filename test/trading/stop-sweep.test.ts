/**
 * At start the stop manager reconciles managed stops with the exchange's open orders: a stop whose
 * order was cancelled outside the bot is reported and forgotten, one that filled is forgotten
 * quietly (the fill is the user data stream's to report), a move whose answer was lost in a crash
 * is adopted, and a move interrupted after its cancel is repaired by placing the stop again.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { normalize } from '../../src/decimal.js';
import type { ProgrammaticFeed } from '../../src/sim/types.js';
import { stopLimitPrice } from '../../src/trading/stops/stop-pricing.js';
import { stopOrderClientId } from '../../src/trading/stops/stop-types.js';
import { simRequest } from '../support/simulator.js';
import { startStopHarness, type StopHarness } from './stop-harness.js';
import { at, loadHistory } from './stop-scenario.js';

describe('stop reconciliation at start', () => {
  let h: StopHarness<ProgrammaticFeed> | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  async function armedWhileManagerDown() {
    h = await startStopHarness<ProgrammaticFeed>({ sim: { balances: { BTC: '1', USDT: '1000' } }, startManager: false });
    const { price } = loadHistory(h.sim.feed, 200);
    const stop = await h.arm({ kind: 'fractal', symbol: 'BTCUSDT', interval: '1h', amount: { kind: 'base', quantity: '0.1' } });
    return { stop, price };
  }

  it('a stop cancelled outside the bot is reported and forgotten', async () => {
    const { stop } = await armedWhileManagerDown();
    const cancelled = await simRequest(h!.sim, 'DELETE', '/api/v3/order', { symbol: 'BTCUSDT', orderId: stop.orderId! });
    expect(cancelled.status).toBe(200);

    await h!.manager.start();
    expect(await h!.store.get(stop.id)).toBeUndefined();
    const outside = (await h!.stopAlerts()).filter((a) => a.key === `stop-outside-${stop.id}-${stop.orderId}`);
    expect(outside).toHaveLength(1);
    expect(outside[0]!.text).toContain('Stop cancelled outside the bot');
    expect(outside[0]!.text).toContain('is canceled on the exchange');
    expect(h!.requests('GET', '/api/v3/openOrders')).toBe(1);
  });

  it('a stop that filled while the worker was down is forgotten without a stop alert', async () => {
    const { stop, price } = await armedWhileManagerDown();
    h!.sim.feed.setPrice('BTCUSDT', at(price, '0.95'));
    expect(h!.sim.control.orders('BTCUSDT').find((o) => o.orderId === stop.orderId)?.status).toBe('FILLED');

    await h!.manager.start();
    expect(await h!.store.get(stop.id)).toBeUndefined();
    expect((await h!.stopAlerts()).map((a) => a.key.replace(stop.id, 'ID'))).toEqual(['stop-armed-ID']);
  });

  it('between starts, a fixed stop whose record says its order ended is swept: filled quietly, cancelled outside with an alert', async () => {
    h = await startStopHarness<ProgrammaticFeed>({ sim: { balances: { BTC: '1', USDT: '1000' } }, startManager: false });
    const { price } = loadHistory(h.sim.feed, 200);
    const cancelledOutside = await h.arm({ kind: 'fixed', symbol: 'BTCUSDT', stopPrice: at(price, '0.9'), amount: { kind: 'base', quantity: '0.1' } });
    const filled = await h.arm({ kind: 'fixed', symbol: 'BTCUSDT', stopPrice: at(price, '0.98'), amount: { kind: 'base', quantity: '0.1' } });
    expect(await h.manager.sweep.sweep()).toMatchObject({ stops: 2, intact: 2 });
    expect(h.requests('GET', '/api/v3/order')).toBe(2); // the two placements' reconcile-first look-ups only

    // What the user data stream (src/alerts) writes on the records when the orders end.
    await simRequest(h.sim, 'DELETE', '/api/v3/order', { symbol: 'BTCUSDT', orderId: cancelledOutside.orderId! });
    h.sim.feed.setPrice('BTCUSDT', at(price, '0.97'));
    for (const [stop, status] of [[cancelledOutside, 'CANCELED'], [filled, 'FILLED']] as const) {
      const record = (await h.records.get(stop.clientOrderId!))!;
      await h.records.save({ ...record, status });
    }

    expect(await h.manager.sweep.sweep()).toMatchObject({ stops: 2, retired: 2 });
    expect(await h.store.all()).toEqual([]);
    const keys = (await h.stopAlerts()).map((a) => a.key);
    expect(keys.filter((k) => k.startsWith('stop-outside-'))).toEqual([`stop-outside-${cancelledOutside.id}-${cancelledOutside.orderId}`]);
  });

  it('a move whose answer was lost in a crash is adopted, not sent again', async () => {
    const { stop, price } = await armedWhileManagerDown();
    // What a worker that died right after sending the move left behind: the send mark, and the
    // exchange's new order under the move's deterministic client order id.
    const newId = stopOrderClientId(stop.id, 2);
    const newStop = at(price, '0.995');
    await h!.records.markSendAttempted(newId, Date.now());
    await h!.exchange.cancelReplace({
      symbol: 'BTCUSDT', side: 'SELL', type: 'STOP_LOSS_LIMIT', timeInForce: 'GTC', quantity: stop.quantity,
      stopPrice: newStop, price: stopLimitPrice(newStop, '0.5', '0.01'),
      cancelReplaceMode: 'STOP_ON_FAILURE', cancelOrderId: stop.orderId!, newClientOrderId: newId,
    });

    const report = await h!.manager.checkStops();
    expect(report).toMatchObject({ stops: 1, repaired: 1, retired: 0 });
    const after = (await h!.store.get(stop.id))!;
    expect(after).toMatchObject({ status: 'active', stopPrice: newStop, clientOrderId: newId, orders: 2 });
    expect(h!.requests('POST', '/api/v3/order/cancelReplace')).toBe(1);
    expect(await h!.records.get(newId)).toMatchObject({ stopId: stop.id, status: 'NEW' });
    expect(await h!.records.get(`bco-${stop.id}`)).toMatchObject({ status: 'CANCELED' });
    expect(await h!.records.sendAttemptedAt(newId)).toBeUndefined();
  });

  it('a move interrupted after its cancel went through is repaired: the stop is placed again, and the trader told', async () => {
    const { stop } = await armedWhileManagerDown();
    // The record says a replacement was under way; the exchange has the old order cancelled and no new one.
    const record = (await h!.records.get(`bco-${stop.id}`))!;
    await h!.records.save({ ...record, replacedBy: stopOrderClientId(stop.id, 2) });
    await simRequest(h!.sim, 'DELETE', '/api/v3/order', { symbol: 'BTCUSDT', orderId: stop.orderId! });

    const report = await h!.manager.checkStops();
    expect(report).toMatchObject({ stops: 1, repaired: 1, retired: 0 });
    const after = (await h!.store.get(stop.id))!;
    expect(after).toMatchObject({ status: 'active', stopPrice: stop.stopPrice, clientOrderId: stopOrderClientId(stop.id, 3) });
    const open = h!.sim.control.orders('BTCUSDT').filter((o) => o.status === 'NEW');
    expect(open.map((o) => normalize(o.stopPrice!))).toEqual([stop.stopPrice]);
    const alerts = await h!.stopAlerts();
    expect(alerts.some((a) => a.key === `stop-replaced-${stop.id}-3`)).toBe(true);
    expect(alerts.some((a) => a.key.startsWith(`stop-outside-${stop.id}`))).toBe(false);
  });
});
