/**
 * A real worker process running only the user data stream service (src/alerts/user-stream-service.ts),
 * from the BUILT code in dist/, against the test's simulator and Redis: for the two-process
 * lease takeover test (test/alerts/user-stream-takeover.test.ts). Node 20 cannot run the .ts
 * sources directly; the test builds dist/ first when it is missing or older than the sources.
 *
 * Env: STREAM_REDIS_URL, STREAM_PREFIX, STREAM_WS_API_URL, STREAM_REST_URL, STREAM_API_KEY,
 * STREAM_API_SECRET, STREAM_ALLOWED (comma-separated user ids), STREAM_HOLDER, STREAM_LEASE_TTL_MS,
 * STREAM_LEASE_POLL_MS, LOG_LEVEL (default silent).
 *
 * Prints one JSON status line every 50 ms: {"t", "holder", "holding", "state", "caughtUp"}.
 * SIGTERM closes everything (releasing the lease) and exits 0.
 */
/* global process, setInterval, clearInterval */
import { Registry } from 'prom-client';
import { createAlertsQueue } from '../../../dist/alerts/alerts-queue.js';
import { createUserStreamService } from '../../../dist/alerts/user-stream-service.js';
import { createRestClient } from '../../../dist/binance/rest-client.js';
import { createSigner } from '../../../dist/binance/signing.js';
import { createLogger } from '../../../dist/logger.js';
import { createRedisConnection } from '../../../dist/redis.js';
import { createOrderRecords } from '../../../dist/trading/orders/order-records.js';

const env = process.env;
const prefix = env.STREAM_PREFIX;
const logger = createLogger({ level: env.LOG_LEVEL ?? 'silent', name: `stream-${env.STREAM_HOLDER}` });
const redis = createRedisConnection(env.STREAM_REDIS_URL, 'producer', logger, `stream-${env.STREAM_HOLDER}`);
const signer = createSigner({ apiSecret: env.STREAM_API_SECRET });
const exchange = createRestClient({
  baseUrl: env.STREAM_REST_URL,
  apiKey: env.STREAM_API_KEY,
  signer,
  logger,
  registry: new Registry(),
  timeoutMs: 2000,
  clockRefreshMs: 0,
});
const alertsQueue = createAlertsQueue({ connection: redis, prefix });

const service = createUserStreamService({
  redis,
  prefix,
  wsApiUrl: env.STREAM_WS_API_URL,
  apiKey: env.STREAM_API_KEY,
  signer,
  exchange,
  records: createOrderRecords({ redis, prefix }),
  alerts: alertsQueue,
  allowedUsers: (env.STREAM_ALLOWED ?? '').split(',').filter(Boolean).map(Number),
  logger,
  registry: new Registry(),
  lease: { holderId: env.STREAM_HOLDER, ttlMs: Number(env.STREAM_LEASE_TTL_MS ?? 1500), pollMs: Number(env.STREAM_LEASE_POLL_MS ?? 200) },
  stream: { backoff: { initialMs: 50, maxMs: 500 } },
  heartbeatMs: 200,
  reconcileRetryMs: 100,
});
service.start();

const report = setInterval(() => {
  const s = service.status();
  process.stdout.write(`${JSON.stringify({ t: Date.now(), holder: s.holder, holding: s.holding, state: s.stream?.state ?? 'none', caughtUp: s.caughtUp })}\n`);
}, 50);

process.once('SIGTERM', () => {
  void (async () => {
    clearInterval(report);
    await service.close();
    await alertsQueue.close();
    await exchange.close();
    redis.disconnect();
    process.exit(0);
  })();
});
