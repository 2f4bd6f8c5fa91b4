/**
 * Interruptions of a stop move at the points where a dying worker can leave it (stop-kill.test.ts
 * kills real processes at random; these recreate each point): a stop move interrupted by a dying worker must still be told to the trader, exactly once, and the stop must
 * know the fractal it moved to. Each test recreates one interruption exactly, in-process: the
 * worker "dies" (an error thrown at that point, which ends the move as a death would) and the
 * retried close job or the start-up reconciliation finishes what it left.
 *
 * 1. The cancelReplace executed, its answer never recorded: the order was adopted (settle) but no
 *    "moved" alert was queued, and the stop recorded the previous fractal as the one it sat on.
 * 2. The move recorded in the stop store, the "moved" alert not yet queued: nothing was owed any
 *    more after the restart, so the move was never told.
 * 3. After a 409 the old stop was placed again and accepted, nothing recorded: the order was
 *    adopted, but the trader never heard that the stop could not move.
 * 4. After a 409 the old stop could not be placed again either, and the worker died as it
 *    recorded the position as unprotected: the trader never heard that nothing protects it.
 * 5. A worker died with the old stop cancelled by a 409 and nothing placed: the restarted worker's
 *    start-up reconciliation waited for the stop's lease, which the dead worker held longer than
 *    that wait, gave up, and nothing tried again: the position stayed unprotected until the next
 *    start (the sweep only looks at stops whose order record says the order ended, which needs
 *    the user data stream).
 * 6. A worker died with the move marked (the old order's record naming it) and nothing sent; when
 *    the trader later cancelled the old order, the bot took that for its own interrupted move and
 *    placed the stop again instead of telling the trader and letting it go.
 * 7. A stop whose order was cancelled outside the bot was forgotten before the trader was told: a
 *    worker dying in between left nobody owing the alert.
 * (The old stop placed again and recorded, the alert not yet queued, is a kill point of the
 * stop-kill suite: re-place-recorded.)
 */
import type { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import type { KlineRow } from '../../src/binance/types.js';
import type { ExchangeClient } from '../../src/binance/exchange-client.js';
import { floorToStep, normalize } from '../../src/decimal.js';
import { ExchangeError } from '../../src/errors.js';
import { formatAmount, formatUtc } from '../../src/format.js';
import { createLogger } from '../../src/logger.js';
import { createRedisConnection } from '../../src/redis.js';
import type { ProgrammaticFeed } from '../../src/sim/types.js';
import { createStopManager, type StopManager } from '../../src/trading/stops/stop-manager.js';
import type { StopStore } from '../../src/trading/stops/stop-store.js';
import { stopOrderClientId, type ManagedStop } from '../../src/trading/stops/stop-types.js';
import { simRequest } from '../support/simulator.js';
import { testRedisUrl } from '../support/redis.js';
import { eventually } from '../support/wait.js';
import { startStopHarness, type StopHarness } from '../trading/stop-harness.js';
import { at, formFractalAbove, loadHistory } from '../trading/stop-scenario.js';

const logger = createLogger({ level: 'silent' });
const died = () => new Error('the worker died here');

describe('stop moves interrupted by a dying worker', () => {
  let h: StopHarness<ProgrammaticFeed> | undefined;
  let manager: StopManager | undefined;
  let connection: Redis | undefined;
  afterEach(async () => {
    await manager?.close();
    connection?.disconnect();
    await h?.close();
    h = manager = connection = undefined;
  });

  /** An armed fractal stop, and a stop manager of our own whose exchange or store can "die" at a point. */
  async function armed(overrides: { exchange?: (real: ExchangeClient) => ExchangeClient; store?: (real: StopStore) => StopStore }) {
    h = await startStopHarness<ProgrammaticFeed>({ sim: { balances: { BTC: '1', USDT: '1000' } }, startManager: false, manager: { work: false } });
    const { price } = loadHistory(h.sim.feed, 200);
    const stop = await h.arm({ kind: 'fractal', symbol: 'BTCUSDT', interval: '1h', amount: { kind: 'base', quantity: '0.1' } });
    connection = createRedisConnection(testRedisUrl(), 'worker');
    manager = createStopManager({
      redis: h.producer,
      connection,
      prefix: h.prefix,
      exchange: overrides.exchange ? overrides.exchange(h.exchange) : h.exchange,
      symbols: h.cache,
      records: h.records,
      alerts: h.alertsQueue,
      logger,
      ordersQueue: h.ordersQueue,
      settings: { limitOffsetPct: '0.5', minMovePct: '0' },
      streamUrl: h.sim.streamUrl,
      schedule: false,
      reconcile: { recvWindowMs: 1_000, inFlightBoundMs: 4_000, engineMarginMs: 300, firstDelayMs: 50, maxDelayMs: 200 },
      store: overrides.store ? overrides.store(h.store) : h.store,
      syncEveryMs: 500,
    });
    await manager.start();
    const m = manager;
    await expect.poll(() => m.status().stream?.connected && m.status().stream?.pending === 0, { message: 'the kline stream to follow the pair' }).toBeTruthy();
    return { stop, price };
  }
  const evaluated = (row: KlineRow) => h!.closeEvaluated('BTCUSDT', '1h', row[6]);
  const alertsOf = async (prefix: string) => (await h!.stopAlerts()).filter((a) => a.key.startsWith(prefix));

  it('a move whose answer was lost is adopted and told once, with the fractal it moved to', async () => {
    let deaths = 0;
    const { stop, price } = await armed({
      exchange: (real) =>
        new Proxy(real, {
          get(target, property, receiver) {
            if (property !== 'cancelReplace') return Reflect.get(target, property, receiver);
            return async (params: Parameters<ExchangeClient['cancelReplace']>[0]) => {
              const result = await target.cancelReplace(params);
              if (deaths++ === 0) throw died(); // executed on the exchange; the answer never recorded
              return result;
            };
          },
        }),
    });
    const { fractal } = await formFractalAbove(h!.sim.feed, price, evaluated);
    const newStop = normalize(floorToStep(fractal[3], '0.01'));

    expect(h!.requests('POST', '/api/v3/order/cancelReplace')).toBe(1);
    const after = (await h!.store.get(stop.id))!;
    expect(after).toMatchObject({ status: 'active', stopPrice: newStop, clientOrderId: stopOrderClientId(stop.id, 2), orders: 2 });
    expect(after.basis).toEqual({ kind: 'fractal', price: normalize(fractal[3]), openTime: fractal[0] });
    expect(after.lastMove).toMatchObject({ from: stop.stopPrice, to: newStop, basis: { kind: 'fractal', openTime: fractal[0] } });
    const moved = await alertsOf(`stop-moved-${stop.id}-`);
    expect(moved.map((a) => a.key)).toEqual([`stop-moved-${stop.id}-2`]);
    expect(moved[0]!.text).toContain(`of the ${formatUtc(fractal[0])} candle`);
  });

  it('a move recorded by a worker that died before telling it is still told, once', async () => {
    let dead = false;
    const { stop, price } = await armed({
      store: (real) => ({
        ...real,
        async save(next: ManagedStop) {
          const saved = await real.save(next);
          if (!dead && saved?.clientOrderId === stopOrderClientId(next.id, 2)) {
            dead = true;
            throw died(); // the stop store holds the move; nothing after it ran
          }
          return saved;
        },
      }),
    });
    const { fractal } = await formFractalAbove(h!.sim.feed, price, evaluated);

    expect(dead).toBe(true);
    expect(h!.requests('POST', '/api/v3/order/cancelReplace')).toBe(1);
    expect(await h!.store.get(stop.id)).toMatchObject({ stopPrice: normalize(floorToStep(fractal[3], '0.01')), clientOrderId: stopOrderClientId(stop.id, 2) });
    expect((await alertsOf(`stop-moved-${stop.id}-`)).map((a) => a.key)).toEqual([`stop-moved-${stop.id}-2`]);
  });

  it('an old stop placed again after a 409 by a worker that died before telling it is told, once', async () => {
    const { stop, price } = await armed({});
    await manager!.close();
    manager = undefined;
    // What a worker left when it died right after placing the old stop again: the move it was
    // making (saved before sending), the old order cancelled by the exchange's 409 and marked so,
    // and the re-placed order resting under the next client order id, its send mark still set.
    const target = { clientOrderId: stopOrderClientId(stop.id, 2), stopPrice: at(price, '1.02'), basis: { kind: 'fractal' as const, price: at(price, '1.02'), openTime: 0 }, closeTime: 0 };
    await h!.store.save({ ...(await h!.store.get(stop.id))!, moving: target });
    const record = (await h!.records.get(`bco-${stop.id}`))!;
    await h!.records.save({ ...record, status: 'CANCELED', replacedBy: target.clientOrderId });
    expect((await simRequest(h!.sim, 'DELETE', '/api/v3/order', { symbol: 'BTCUSDT', orderId: stop.orderId! })).status).toBe(200);
    const replacedId = stopOrderClientId(stop.id, 3);
    await h!.records.markSendAttempted(replacedId, Date.now());
    await h!.exchange.newOrder({
      symbol: 'BTCUSDT', side: 'SELL', type: 'STOP_LOSS_LIMIT', timeInForce: 'GTC', quantity: stop.quantity,
      stopPrice: stop.stopPrice!, price: stop.limitPrice!, newClientOrderId: replacedId,
    });

    // The restarted worker reconciles at start.
    const report = await h!.manager.checkStops();
    expect(report).toMatchObject({ stops: 1, repaired: 1, retired: 0 });
    expect(await h!.store.get(stop.id)).toMatchObject({ status: 'active', stopPrice: stop.stopPrice, clientOrderId: replacedId, orders: 3 });
    const replaced = await alertsOf(`stop-replaced-${stop.id}-`);
    expect(replaced.map((a) => a.key)).toEqual([`stop-replaced-${stop.id}-3`]);
    expect(replaced[0]!.text).toContain('The old stop was placed again at');
    // Where the move was going comes from the move saved before it was sent.
    expect(replaced[0]!.text).toContain(`to ${formatAmount(target.stopPrice, 2)}`);
    expect(await alertsOf(`stop-moved-${stop.id}-`)).toEqual([]);
    expect(h!.sim.control.orders('BTCUSDT').filter((o) => o.status === 'NEW').map((o) => o.clientOrderId)).toEqual([replacedId]);
  });

  it('a position left unprotected after a 409 is told even when the worker dies as it records it', async () => {
    let dead = false;
    const { stop, price } = await armed({
      // The exchange refuses the old stop placed again (as it would a stop the market has fallen
      // through): the simulator's market moves continuously, so it cannot produce that refusal.
      exchange: (real) =>
        new Proxy(real, {
          get(target, property, receiver) {
            if (property !== 'newOrder') return Reflect.get(target, property, receiver);
            return async (params: Parameters<ExchangeClient['newOrder']>[0]) => {
              if (!params.newClientOrderId?.startsWith('bst-')) return target.newOrder(params);
              throw new ExchangeError('EXCHANGE_WOULD_TRIGGER', { kind: 'rejected', method: 'POST', path: '/api/v3/order', httpStatus: 400, binanceCode: -2010, binanceMessage: 'Order would trigger immediately.' });
            };
          },
        }),
      store: (real) => ({
        ...real,
        async save(next: ManagedStop) {
          const saved = await real.save(next);
          if (!dead && saved?.status === 'waiting') {
            dead = true;
            throw died(); // the stop store says "no order"; nothing after it ran
          }
          return saved;
        },
      }),
    });
    const CANCEL_REPLACE = '/api/v3/order/cancelReplace';
    await formFractalAbove(h!.sim.feed, price, evaluated, () => {
      // As in stop-mover.test.ts: the market falls under the new stop (not the old one) while the
      // move waits at the exchange, so the exchange cancels the old stop and refuses the new one.
      h!.sim.control.faults.inject({ method: 'POST', path: CANCEL_REPLACE, action: 'delay', delayMs: 600 });
      void eventually(() => (h!.sim.control.faults.pending().length === 0 ? true : undefined), 'the cancelReplace to reach the exchange').then(() =>
        h!.sim.feed.setPrice('BTCUSDT', at(price, '1.015')),
      );
    });

    expect(dead).toBe(true);
    expect(h!.sim.control.requests().filter((r) => r.path === CANCEL_REPLACE).map((r) => r.status)).toEqual([409]);
    const unprotected = await alertsOf(`stop-unprotected-${stop.id}-`);
    expect(unprotected.map((a) => a.key)).toEqual([`stop-unprotected-${stop.id}-3`]);
    expect(unprotected[0]!.text).toContain('Position unprotected');
  });

  it('a stop the start-up reconciliation could not check, its lease held by the dead worker, is repaired once the lease is free', async () => {
    h = await startStopHarness<ProgrammaticFeed>({ sim: { balances: { BTC: '1', USDT: '1000' } }, startManager: false, manager: { work: false } });
    loadHistory(h.sim.feed, 200);
    const stop = await h.arm({ kind: 'fractal', symbol: 'BTCUSDT', interval: '1h', amount: { kind: 'base', quantity: '0.1' } });
    // What the worker left when it died right after the 409: the old order cancelled by the
    // exchange, its record naming the move, the move's send mark, and the stop's lease.
    const moveId = stopOrderClientId(stop.id, 2);
    const record = (await h.records.get(`bco-${stop.id}`))!;
    await h.records.save({ ...record, replacedBy: moveId });
    await h.records.markSendAttempted(moveId, Date.now());
    expect((await simRequest(h.sim, 'DELETE', '/api/v3/order', { symbol: 'BTCUSDT', orderId: stop.orderId! })).status).toBe(200);
    const lease = `${h.prefix}:stop-lock:${stop.id}`;
    await h.producer.set(lease, 'the-dead-worker', 'PX', 60_000);

    // The restarted worker: its reconciliation waits for the lease, then gives up on the stop.
    await h.manager.start();
    expect(await h.store.get(stop.id)).toMatchObject({ clientOrderId: `bco-${stop.id}`, orderId: stop.orderId });
    expect(h.sim.control.orders('BTCUSDT').filter((o) => o.status === 'NEW')).toEqual([]);

    await h.producer.del(lease); // as its TTL would
    const repaired = await eventually(async () => {
      const now = await h!.store.get(stop.id);
      return now?.clientOrderId === stopOrderClientId(stop.id, 3) ? now : undefined;
    }, 'the stop to be placed again by a sweep', 10_000);
    expect(repaired).toMatchObject({ status: 'active', stopPrice: stop.stopPrice });
    const open = h.sim.control.orders('BTCUSDT').filter((o) => o.status === 'NEW');
    expect(open.map((o) => o.clientOrderId)).toEqual([stopOrderClientId(stop.id, 3)]);
    expect((await alertsOf(`stop-replaced-${stop.id}-`)).map((a) => a.key)).toEqual([`stop-replaced-${stop.id}-3`]);
  }, 40_000);

  it('a stop cancelled outside the bot is told even when the worker dies as it forgets the stop', async () => {
    let dead = false;
    const { stop } = await armed({
      store: (real) => ({
        ...real,
        async remove(id: string) {
          const removed = await real.remove(id);
          if (!dead) {
            dead = true;
            throw died(); // the stop is forgotten; nothing after that ran
          }
          return removed;
        },
      }),
    });
    expect((await simRequest(h!.sim, 'DELETE', '/api/v3/order', { symbol: 'BTCUSDT', orderId: stop.orderId! })).status).toBe(200);
    await manager!.sweep.checkStops();
    expect(dead).toBe(true);
    expect(await h!.store.get(stop.id)).toBeUndefined();
    expect((await alertsOf(`stop-outside-${stop.id}-`)).map((a) => a.key)).toEqual([`stop-outside-${stop.id}-${stop.orderId}`]);
  });

  it('a move that died before it was sent leaves no claim on the old order: the trader cancelling it later is told, not overruled', async () => {
    h = await startStopHarness<ProgrammaticFeed>({ sim: { balances: { BTC: '1', USDT: '1000' } }, startManager: false, manager: { work: false } });
    loadHistory(h.sim.feed, 200);
    const stop = await h.arm({ kind: 'fractal', symbol: 'BTCUSDT', interval: '1h', amount: { kind: 'base', quantity: '0.1' } });
    // What a worker left when it died with the move marked and nothing sent: the old order's
    // record naming the move, and the move's send mark; the old order still open.
    const moveId = stopOrderClientId(stop.id, 2);
    const record = (await h.records.get(`bco-${stop.id}`))!;
    await h.records.save({ ...record, replacedBy: moveId });
    await h.records.markSendAttempted(moveId, Date.now());

    // The restarted worker settles the move: nothing was placed and the old stop is still open.
    await h.manager.start();
    await expect.poll(async () => (await h!.records.sendAttemptedAt(moveId)) === undefined, { message: 'the move settled', timeout: 15_000 }).toBeTruthy();
    expect(await h.store.get(stop.id)).toMatchObject({ orderId: stop.orderId, status: 'active' });

    // Later the trader cancels the stop's order outside the bot.
    expect((await simRequest(h.sim, 'DELETE', '/api/v3/order', { symbol: 'BTCUSDT', orderId: stop.orderId! })).status).toBe(200);
    await h.manager.sweep.checkStops();
    expect(await h.store.get(stop.id)).toBeUndefined();
    expect(h.sim.control.orders('BTCUSDT').filter((o) => o.status === 'NEW')).toEqual([]);
    expect((await alertsOf(`stop-outside-${stop.id}-`)).map((a) => a.key)).toEqual([`stop-outside-${stop.id}-${stop.orderId}`]);
    expect(await alertsOf(`stop-replaced-${stop.id}-`)).toEqual([]);
  }, 40_000);
});
