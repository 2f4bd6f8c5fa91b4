/**
 * A real order-worker process for the worker-kill chaos suite (test/chaos/worker-kill.test.ts),
 * wired from the BUILT code in dist/ exactly as the worker role wires it (src/app/roles.ts),
 * against the test's simulator and Redis, plus kill points: the worker SIGKILLs itself at the
 * point the test planned for an order, once.
 *
 * Kill plans live in Redis under `<prefix>:chaos-kill:<clientOrderId>`; the first job run that
 * touches the order takes the plan (GETDEL), so a restarted worker runs the order clean:
 *   dequeued     the job's first exchange call (the reconcile-first look-up): nothing sent yet
 *   before-send  the "send attempted" mark is set, the request has not left
 *   in-flight    the request has left; killed `CHAOS_INFLIGHT_MS`-ish later (random per plan)
 *   after-accept the exchange answered with the order; nothing recorded yet
 *   before-card  the order record and the audit line are written; the card edit is not queued
 *
 * Env: CHAOS_REDIS_URL, CHAOS_PREFIX, CHAOS_REST_URL, CHAOS_API_KEY, CHAOS_API_SECRET,
 * CHAOS_TIMEOUT_MS (default 1000), LOG_LEVEL. Prints `CHAOS-ACTIVE <jobId>` when a job starts.
 */
import process from 'node:process';
import { setTimeout } from 'node:timers';
import { Registry } from 'prom-client';
import { createAlertsQueue } from '../../../dist/alerts/alerts-queue.js';
import { createExchangeInfoCache } from '../../../dist/binance/exchange-info-cache.js';
import { createRestClient } from '../../../dist/binance/rest-client.js';
import { createSigner } from '../../../dist/binance/signing.js';
import { createLogger } from '../../../dist/logger.js';
import { createRedisConnection } from '../../../dist/redis.js';
import { createAuditLog } from '../../../dist/trading/audit-log.js';
import { createIntentStore } from '../../../dist/trading/intent-store.js';
import { createOrderRecords } from '../../../dist/trading/order-records.js';
import { createOrderWorker } from '../../../dist/trading/order-worker.js';

const env = process.env;
const prefix = env.CHAOS_PREFIX;
const timeoutMs = Number(env.CHAOS_TIMEOUT_MS ?? 1000);
const logger = createLogger({ level: env.LOG_LEVEL ?? 'info', name: 'chaos-worker' });

const producer = createRedisConnection(env.CHAOS_REDIS_URL, 'producer', logger, 'chaos-worker-producer');
const connection = createRedisConnection(env.CHAOS_REDIS_URL, 'worker', logger, 'chaos-worker-blocking');
const client = createRestClient({
  baseUrl: env.CHAOS_REST_URL,
  apiKey: env.CHAOS_API_KEY,
  signer: createSigner({ apiSecret: env.CHAOS_API_SECRET }),
  logger: logger.child({ module: 'rest-client' }),
  registry: new Registry(),
  timeoutMs,
  recvWindowMs: 1000,
  clockRefreshMs: 0,
});

/** clientOrderId → the kill point planned for this run of its job. */
const plans = new Map();
const die = (point, clientOrderId) => {
  process.stdout.write(`CHAOS-KILL ${point} ${clientOrderId}\n`);
  process.kill(process.pid, 'SIGKILL');
};
const planOf = async (clientOrderId) => {
  if (!plans.has(clientOrderId)) plans.set(clientOrderId, (await producer.getdel(`${prefix}:chaos-kill:${clientOrderId}`)) ?? 'none');
  return plans.get(clientOrderId);
};
const planned = async (point, clientOrderId) => (await planOf(clientOrderId)).split(':')[0] === point;

const exchange = new Proxy(client, {
  get(target, property, receiver) {
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
          const afterMs = Number((await planOf(id)).split(':')[1] ?? 0);
          setTimeout(() => die('in-flight', id), afterMs);
        }
        const order = await target.newOrder(params);
        if (await planned('after-accept', id)) die('after-accept', id);
        return order;
      };
    }
    return Reflect.get(target, property, receiver);
  },
});

const alertsQueue = createAlertsQueue({ connection: producer, prefix });
const alerts = {
  async enqueue(alert) {
    const match = /^card-(.{16})-/.exec(alert.key);
    if (match && !alert.key.endsWith('-queued') && (await planned('before-card', `bco-${match[1]}`))) die('before-card', `bco-${match[1]}`);
    return alertsQueue.enqueue(alert);
  },
};

const exchangeInfo = createExchangeInfoCache({ load: () => client.exchangeInfo(), logger });
const worker = createOrderWorker({
  connection,
  redis: producer,
  prefix,
  exchange,
  symbols: exchangeInfo,
  alerts,
  intents: createIntentStore({ redis: producer, prefix, ttlS: 300 }),
  records: createOrderRecords({ redis: producer, prefix }),
  audit: createAuditLog({ redis: producer, prefix, logger }),
  logger,
  registry: new Registry(),
  mode: 'paper',
  concurrency: 1,
  reconcile: { recvWindowMs: 1000, inFlightBoundMs: 2 * timeoutMs, engineMarginMs: 300, firstDelayMs: 50, maxDelayMs: 250 },
  lockDurationMs: 2000,
  stalledIntervalMs: 500,
});
worker.worker.on('active', (job) => process.stdout.write(`CHAOS-ACTIVE ${job.id}\n`));
worker.worker.on('ready', () => process.stdout.write('CHAOS-READY\n'));

process.once('SIGTERM', () => {
  void (async () => {
    await worker.close();
    await alertsQueue.close();
    exchangeInfo.close();
    await client.close();
    producer.disconnect();
    connection.disconnect();
    process.exit(0);
  })();
});
