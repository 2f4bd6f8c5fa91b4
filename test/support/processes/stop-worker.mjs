/**
 * A real stop-manager process for the stop-kill chaos suite (test/chaos/stop-kill.test.ts), built
 * from the BUILT product in dist/ with the worker role's own pieces — loadConfig, connectExchange,
 * createTradingStack and buildStopManager, started as src/app/roles.ts starts it (reconcile with
 * the exchange, then follow the pairs in use) — against the test's simulator and Redis, plus kill
 * points: the process SIGKILLs itself, once, at the point the test planned for a stop's move.
 *
 * Kill plans live in Redis under `<prefix>:chaos-kill:<stopId>`; the first cancelReplace this
 * process sends for the stop takes the plan (GETDEL), so a restarted process moves it clean:
 *   before-send        the move's "send attempted" mark is set for `bst-<stop>-<n>`; nothing sent
 *   in-flight          the cancelReplace has left; killed `in-flight:<ms>` later or when its answer arrives
 *   after-accept       the exchange answered 200 (old stop cancelled, new one resting); nothing recorded
 *   after-adopt        the stop store holds the new order; what follows it (audit, alert) not done
 *   after-409          the exchange answered 409: old stop cancelled, new one refused; nothing done yet
 *   re-place-accepted  after a 409, the old stop was placed again and accepted; nothing recorded
 *   re-place-recorded  after a 409, the stop store holds the old stop placed again; what follows it not done
 * A stop held as an OCO list with a target (src/trading/stops/stop-list-mover.ts) takes its plan at
 * the move's DELETE /api/v3/orderList, and dies at:
 *   after-cancel       the old list is cancelled; the new list's send mark not yet set
 *   before-send        the new list's send mark is set (`bkl-<stop>-m<n>`); nothing sent
 *   in-flight          POST orderList/oco has left; killed `in-flight:<ms>` later or when its answer arrives
 *   after-accept       the exchange answered with the new list; nothing recorded
 *   after-adopt        the stop store holds the new list; what follows it (audit) not done
 *
 * Env: the product's own (TRADING_MODE, BINANCE_BASE_URL, BINANCE_STREAM_URL, BINANCE_API_KEY,
 * BINANCE_API_SECRET, BINANCE_TIMEOUT_MS, BINANCE_RECV_WINDOW_MS, REDIS_URL, TELEGRAM_BOT_TOKEN,
 * PAPER_MARKET, LOG_LEVEL), CHAOS_PREFIX (the test's key prefix) and the test's time knobs:
 * CHAOS_LEASE_MS (stop lease), CHAOS_LOCK_MS / CHAOS_STALLED_MS (BullMQ lock and stalled check of
 * the `stops` worker), CHAOS_SYNC_MS (pairs re-read and sweep). Prints `CHAOS-READY` once the
 * start-up reconciliation is done and `CHAOS-KILL <point> <stopId>` before dying.
 */
import process from 'node:process';
import { setTimeout } from 'node:timers';
import { Registry } from 'prom-client';
import { buildStopManager } from '../../../dist/app/components.js';
import { connectExchange } from '../../../dist/app/exchange-connection.js';
import { createTradingStack } from '../../../dist/app/trading-stack.js';
import { loadConfig } from '../../../dist/config.js';
import { createLogger } from '../../../dist/logger.js';
import { createStopStore } from '../../../dist/trading/stops/stop-store.js';

const config = loadConfig('worker', process.env);
const prefix = process.env.CHAOS_PREFIX;
const knob = (name, fallback) => Number(process.env[name] ?? fallback);
const logger = createLogger({ level: config.logLevel, name: 'chaos-stop-worker' });
const registry = new Registry();
const exchange = await connectExchange('worker', config, logger, registry);
const stack = createTradingStack({ config, redisUrl: config.redis.url, exchange, logger, registry, prefix });

/** stopId → { point, arg, newId, replacedId } for this process's run of the stop's planned move. */
const plans = new Map();
const die = (point, stopId) => {
  process.stdout.write(`CHAOS-KILL ${point} ${stopId}\n`);
  process.kill(process.pid, 'SIGKILL');
};
const stopIdOf = (clientOrderId) => /^bst-(.+)-\d+$/.exec(clientOrderId ?? '')?.[1];
const takePlan = async (stopId, newId) => {
  if (!plans.has(stopId)) {
    const raw = (await stack.producer.getdel(`${prefix}:chaos-kill:${stopId}`)) ?? 'none';
    const [point, arg] = raw.split(':');
    plans.set(stopId, { point, arg, newId });
  }
  return plans.get(stopId);
};
const planned = (stopId, point) => plans.get(stopId)?.point === point;
/** The cancelReplace answer of a 409: the cancel went through, the new order did not. */
const is409 = (error) => {
  const data = error?.details?.cancelReplace;
  return data !== undefined && data.cancelResult === 'SUCCESS' && data.newOrderResult !== 'SUCCESS';
};

const client = new Proxy(exchange.client, {
  get(target, property, receiver) {
    if (property === 'cancelReplace') {
      return async (params) => {
        const stopId = stopIdOf(params.newClientOrderId);
        if (stopId === undefined) return target.cancelReplace(params);
        const plan = await takePlan(stopId, params.newClientOrderId);
        if (plan.point === 'before-send') die('before-send', stopId);
        if (plan.point === 'in-flight') {
          // Killed while the request is on the wire, or as its answer arrives, whichever comes first.
          const request = target.cancelReplace(params);
          request.catch(() => undefined);
          await Promise.race([request, new Promise((resolve) => setTimeout(resolve, Number(plan.arg ?? 0)))]).catch(() => undefined);
          die('in-flight', stopId);
        }
        try {
          const result = await target.cancelReplace(params);
          if (plan.point === 'after-accept') die('after-accept', stopId);
          return result;
        } catch (error) {
          if (plan.point === 'after-409' && is409(error)) die('after-409', stopId);
          throw error;
        }
      };
    }
    if (property === 'cancelOrderList') {
      return async (ref, options) => {
        const stop = (await store.all()).find((s) => s.target?.orderListId === ref.orderListId);
        const plan = stop ? await takePlan(stop.id, undefined) : undefined;
        const result = await target.cancelOrderList(ref, options);
        if (plan?.point === 'after-cancel') die('after-cancel', stop.id);
        return result;
      };
    }
    if (property === 'newOco') {
      return async (params, options) => {
        const stopId = /^bkl-(.+)-m\d+$/.exec(params.listClientOrderId ?? '')?.[1];
        if (stopId === undefined) return target.newOco(params, options);
        const plan = await takePlan(stopId, undefined);
        // The new list's stop leg: what the store names once it adopted the list (after-adopt).
        plan.newId = params.below.clientOrderId;
        if (plan.point === 'before-send') die('before-send', stopId);
        if (plan.point === 'in-flight') {
          const request = target.newOco(params, options);
          request.catch(() => undefined);
          await Promise.race([request, new Promise((resolve) => setTimeout(resolve, Number(plan.arg ?? 0)))]).catch(() => undefined);
          die('in-flight', stopId);
        }
        const list = await target.newOco(params, options);
        if (plan.point === 'after-accept') die('after-accept', stopId);
        return list;
      };
    }
    if (property === 'newOrder') {
      return async (params) => {
        const order = await target.newOrder(params);
        const stopId = stopIdOf(params.newClientOrderId);
        if (stopId !== undefined && planned(stopId, 're-place-accepted')) die('re-place-accepted', stopId);
        if (stopId !== undefined && planned(stopId, 're-place-recorded')) plans.get(stopId).replacedId = params.newClientOrderId;
        return order;
      };
    }
    return Reflect.get(target, property, receiver);
  },
});

const store = createStopStore({ redis: stack.producer, prefix, lockTtlMs: knob('CHAOS_LEASE_MS', 30_000) });
const watchedStore = {
  ...store,
  async save(stop) {
    const saved = await store.save(stop);
    const plan = plans.get(stop.id);
    if (saved && plan?.point === 'after-adopt' && saved.clientOrderId === plan.newId) die('after-adopt', stop.id);
    if (saved && plan?.point === 're-place-recorded' && saved.clientOrderId === plan.replacedId) die('re-place-recorded', stop.id);
    return saved;
  },
};

const manager = buildStopManager(
  { config, exchange, stack, logger, registry },
  {
    exchange: client,
    store: watchedStore,
    // The REST client's horizon (order-lookup.ts) with the test's short time-outs.
    reconcile: { recvWindowMs: config.binance.recvWindowMs, inFlightBoundMs: 2 * config.binance.timeoutMs, engineMarginMs: 300, firstDelayMs: 50, maxDelayMs: 250 },
    lockDurationMs: knob('CHAOS_LOCK_MS', 30_000),
    stalledIntervalMs: knob('CHAOS_STALLED_MS', 30_000),
    syncEveryMs: knob('CHAOS_SYNC_MS', 15_000),
  },
);
await manager.start();
process.stdout.write('CHAOS-READY\n');

process.once('SIGTERM', () => {
  void (async () => {
    await manager.close();
    await stack.close();
    await exchange.close();
    process.exit(0);
  })();
});
