/**
 * A real worker process running only the P&L ledger's queue (src/ledger/ledger-service.ts), from
 * the BUILT code in dist/, against the test's simulator and Redis: for the ledger chaos test
 * (test/chaos/ledger-kill.test.ts). Each page a sync stores is counted in Redis across the fleet;
 * when the count reaches one of CHAOS_KILL_AT (comma-separated) at the step CHAOS_KILL_STEP
 * (`stored`: the page's fills written, the cursor not yet moved; `advanced`: after the cursor),
 * the process reports `CHAOS-KILL <step> <count>` and SIGKILLs itself.
 *
 * Env: LEDGER_REDIS_URL, LEDGER_PREFIX, LEDGER_REST_URL, LEDGER_API_KEY, LEDGER_API_SECRET,
 * LEDGER_PAGE_LIMIT, LEDGER_LOCK_MS, LEDGER_STALLED_MS, CHAOS_KILL_AT, CHAOS_KILL_STEP, LOG_LEVEL.
 */
/* global process */
import { Registry } from 'prom-client';
import { createExchangeInfoCache } from '../../../dist/binance/exchange-info-cache.js';
import { createRestClient } from '../../../dist/binance/rest-client.js';
import { createSigner } from '../../../dist/binance/signing.js';
import { createLedgerService } from '../../../dist/ledger/ledger-service.js';
import { createLogger } from '../../../dist/logger.js';
import { createRedisConnection } from '../../../dist/redis.js';

const env = process.env;
const prefix = env.LEDGER_PREFIX;
const logger = createLogger({ level: env.LOG_LEVEL ?? 'silent', name: 'ledger-worker' });
const redis = createRedisConnection(env.LEDGER_REDIS_URL, 'producer', logger, 'ledger-worker');
const connection = createRedisConnection(env.LEDGER_REDIS_URL, 'worker', logger, 'ledger-worker-blocking');
const exchange = createRestClient({
  baseUrl: env.LEDGER_REST_URL,
  apiKey: env.LEDGER_API_KEY,
  signer: createSigner({ apiSecret: env.LEDGER_API_SECRET }),
  logger,
  registry: new Registry(),
  timeoutMs: 2000,
  clockRefreshMs: 0,
});
const exchangeInfo = createExchangeInfoCache({ load: () => exchange.exchangeInfo(), logger });
const killAt = new Set((env.CHAOS_KILL_AT ?? '').split(',').filter(Boolean).map(Number));

const ledger = createLedgerService({
  redis,
  prefix,
  exchange: exchange.withPriority('view'),
  symbols: exchangeInfo,
  valuationAsset: 'USDT',
  logger,
  worker: { connection },
  jobs: { syncEveryMs: 0, backoffMs: 100, lockDurationMs: Number(env.LEDGER_LOCK_MS ?? 1000), stalledIntervalMs: Number(env.LEDGER_STALLED_MS ?? 500) },
  sync: {
    pageLimit: Number(env.LEDGER_PAGE_LIMIT ?? 10),
    async onPage(step) {
      if (step !== (env.CHAOS_KILL_STEP ?? 'stored')) return;
      const count = await redis.incr(`${prefix}:chaos:ledger-pages`);
      if (killAt.has(count)) {
        process.stdout.write(`CHAOS-KILL ${step} ${count}\n`);
        process.kill(process.pid, 'SIGKILL');
        await new Promise(() => undefined);
      }
    },
  },
});
await ledger.start();
process.stdout.write('CHAOS-READY\n');

process.once('SIGTERM', () => {
  void (async () => {
    await ledger.close();
    exchangeInfo.close();
    await exchange.close();
    redis.disconnect();
    connection.disconnect();
    process.exit(0);
  })();
});
