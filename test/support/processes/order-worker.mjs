/**
 * A real order-worker process for the worker-kill chaos suite (test/chaos/worker-kill.test.ts),
 * built from the BUILT product in dist/ with the worker role's own pieces — loadConfig,
 * connectExchange, createTradingStack and buildOrderWorker (src/app/components.ts) — against the
 * test's simulator and Redis, plus kill points: the worker SIGKILLs itself, once, at the point the
 * test planned for an order.
 *
 * Kill plans live in Redis under `<prefix>:chaos-kill:<clientOrderId>`; the first job run that
 * touches the order takes its plan (GETDEL), so a restarted worker runs the order clean:
 *   dequeued     the job's first exchange call (the reconcile-first look-up): nothing sent yet
 *   before-send  the "send attempted" mark is set, the request has not left
 *   in-flight    the request has left; killed `in-flight:<ms>` later or when its answer arrives
 *   after-accept the exchange answered with the order; nothing recorded yet
 *   before-card  the order record and the audit line are written; the card edit is not queued
 * The same points apply to a plan's order list under `<prefix>:chaos-kill:<listClientOrderId>`
 * (dequeued: its GET /api/v3/orderList look-up; the others around POST orderList/oco|oto|otoco).
 *   lock-lost    not a kill (test/chaos/worker-lock-lost.test.ts): the job's re-validation account
 *                read stalls, alive, printing `CHAOS-STALL <jobId> <lock token>`, until the job's
 *                lock no longer holds this worker's token (the test deletes it, as a failover
 *                would); `lock-lost:<ms>` then waits <ms> more, `lock-lost:<ms>:takeover` <ms>
 *                after another worker has started the job, prints `CHAOS-RESUME <jobId> <phase>` and
 *                carries on as the product would
 *
 * Env: the product's own (TRADING_MODE, BINANCE_BASE_URL, BINANCE_API_KEY, BINANCE_API_SECRET,
 * BINANCE_TIMEOUT_MS, BINANCE_RECV_WINDOW_MS, REDIS_URL, TELEGRAM_BOT_TOKEN, LOG_LEVEL) and
 * CHAOS_PREFIX, the test's key prefix. Prints `CHAOS-ACTIVE <jobId>` when a job starts.
 */
import process from 'node:process';
import { setTimeout } from 'node:timers';
import { Registry } from 'prom-client';
import { buildOrderWorker } from '../../../dist/app/components.js';
import { connectExchange } from '../../../dist/app/exchange-connection.js';
import { createTradingStack } from '../../../dist/app/trading-stack.js';
import { loadConfig } from '../../../dist/config.js';
import { createLogger } from '../../../dist/logger.js';

const config = loadConfig('worker', process.env);
const prefix = process.env.CHAOS_PREFIX;
const logger = createLogger({ level: config.logLevel, name: 'chaos-worker' });
const registry = new Registry();
const exchange = await connectExchange('worker', config, logger, registry);
const stack = createTradingStack({ config, redisUrl: config.redis.url, exchange, logger, registry, prefix });

/** clientOrderId → the kill point planned for this process's run of its job (a promise of it). */
const plans = new Map();
const die = (point, clientOrderId) => {
  process.stdout.write(`CHAOS-KILL ${point} ${clientOrderId}\n`);
  process.kill(process.pid, 'SIGKILL');
};
// The plan's promise is kept, not its value: two first touches at once (the re-validation's account
// read beside the reconcile look-up) must share one GETDEL, or the later one reads 'none'.
const planOf = (clientOrderId) => {
  if (!plans.has(clientOrderId)) plans.set(clientOrderId, stack.producer.getdel(`${prefix}:chaos-kill:${clientOrderId}`).then((plan) => plan ?? 'none'));
  return plans.get(clientOrderId);
};
const planned = async (point, clientOrderId) => (await planOf(clientOrderId)).split(':')[0] === point;

/** The job this process runs now (concurrency 1), with its lock token. */
let current;
/** Jobs whose account read this process has stalled once already (a job taken back runs clean). */
const stalled = new Set();
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const client = new Proxy(exchange.client, {
  get(target, property, receiver) {
    if (property === 'account') {
      return async () => {
        const job = current;
        if (job && !stalled.has(job.id) && (await planned('lock-lost', `bco-${job.id}`))) {
          stalled.add(job.id);
          const [, extra, from] = (await planOf(`bco-${job.id}`)).split(':');
          const lockKey = `${prefix}:orders:${job.id}:lock`;
          // On a line of its own even if a log line's write was split around it.
          process.stdout.write(`\nCHAOS-STALL ${job.id} ${job.token}\n`);
          while ((await stack.producer.get(lockKey)) === job.token) await sleep(20);
          if (from === 'takeover') {
            // Wake just after another worker started the job: inside its reconcile-first window.
            const startedAt = String(job.processedOn);
            const giveUpAt = Date.now() + 20_000;
            while ((await stack.producer.hget(`${prefix}:orders:${job.id}`, 'processedOn')) === startedAt && Date.now() < giveUpAt) await sleep(5);
          }
          await sleep(Number(extra ?? 0));
          // Where the new owner is as this worker wakes: not started, working, or finished.
          const [processedOn, finishedOn] = await stack.producer.hmget(`${prefix}:orders:${job.id}`, 'processedOn', 'finishedOn');
          const phase = processedOn === String(job.processedOn) ? 'before-takeover' : finishedOn ? 'after-takeover-finished' : 'during-takeover';
          process.stdout.write(`\nCHAOS-RESUME ${job.id} ${phase}\n`);
        }
        return target.account();
      };
    }
    if (property === 'getOrder') {
      return async (ref) => {
        if (ref.origClientOrderId && (await planned('dequeued', ref.origClientOrderId))) die('dequeued', ref.origClientOrderId);
        return target.getOrder(ref);
      };
    }
    if (property === 'newOrder') {
      return async (params) => {
        const id = params.newClientOrderId;
        if (await planned('before-send', id)) die('before-send', id);
        if (await planned('in-flight', id)) {
          // Killed while the request is on the wire, or as its answer arrives, whichever comes first:
          // never later, so the kill cannot land in the next job.
          const request = target.newOrder(params);
          request.catch(() => undefined);
          const afterMs = Number((await planOf(id)).split(':')[1] ?? 0);
          await Promise.race([request, new Promise((resolve) => setTimeout(resolve, afterMs))]).catch(() => undefined);
          die('in-flight', id);
        }
        const order = await target.newOrder(params);
        if (await planned('after-accept', id)) die('after-accept', id);
        return order;
      };
    }
    if (property === 'getOrderList') {
      return async (ref) => {
        if (ref.origClientOrderId && (await planned('dequeued', ref.origClientOrderId))) die('dequeued', ref.origClientOrderId);
        return target.getOrderList(ref);
      };
    }
    if (property === 'newOco' || property === 'newOto') {
      // A plan's list (src/trading/brackets/), keyed by its listClientOrderId: the same points as an order's.
      return async (params, options) => {
        const id = params.listClientOrderId;
        if (await planned('before-send', id)) die('before-send', id);
        if (await planned('in-flight', id)) {
          const request = target[property](params, options);
          request.catch(() => undefined);
          const afterMs = Number((await planOf(id)).split(':')[1] ?? 0);
          await Promise.race([request, new Promise((resolve) => setTimeout(resolve, afterMs))]).catch(() => undefined);
          die('in-flight', id);
        }
        const list = await target[property](params, options);
        if (await planned('after-accept', id)) die('after-accept', id);
        return list;
      };
    }
    return Reflect.get(target, property, receiver);
  },
});
const alerts = {
  async enqueue(alert) {
    const card = /^card-(.{16})-/.exec(alert.key);
    if (card && (await planned('before-card', `bco-${card[1]}`))) die('before-card', `bco-${card[1]}`);
    return stack.alertsQueue.enqueue(alert);
  },
};

const worker = buildOrderWorker(
  { config, exchange, stack, logger, registry },
  {
    exchange: client,
    alerts,
    concurrency: 1,
    lockDurationMs: 2000,
    stalledIntervalMs: 500,
    reconcile: { recvWindowMs: config.binance.recvWindowMs, inFlightBoundMs: 2 * config.binance.timeoutMs, engineMarginMs: 300, firstDelayMs: 50, maxDelayMs: 250 },
  },
);
worker.worker.on('active', (job) => {
  current = { id: job.id, token: job.token, processedOn: job.processedOn };
  process.stdout.write(`CHAOS-ACTIVE ${job.id}\n`);
});

process.once('SIGTERM', () => {
  void (async () => {
    await worker.close();
    await stack.close();
    await exchange.close();
    process.exit(0);
  })();
});
