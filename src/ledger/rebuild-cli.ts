/**
 * `npm run ledger:rebuild`: asks the running workers to rebuild the P&L ledger from the exchange
 * (the same `rebuild` job as /pnl rebuild; ledger-jobs.ts). It needs the deployment's Redis
 * (REDIS_URL); the rebuild itself runs in a worker, one job at a time with every other sync.
 */
import { loadConfig, readEnv } from '../config.js';
import { createLogger } from '../logger.js';
import { createRedisConnection } from '../redis.js';
import { createLedgerJobs } from './ledger-jobs.js';

async function main(): Promise<void> {
  // The 'sim' role's checks: this only needs Redis, not the bot's token nor the exchange's keys.
  const config = loadConfig('sim', readEnv());
  const logger = createLogger({ level: 'warn' });
  if (!config.redis.url) {
    process.stderr.write('REDIS_URL is not set: the rebuild is asked of the workers through the deployment\'s Redis.\n');
    process.exit(2);
  }
  const redis = createRedisConnection(config.redis.url, 'producer', logger, 'chatops-ledger-rebuild');
  const jobs = createLedgerJobs({ redis, logger });
  await jobs.requestRebuild(0);
  await jobs.close();
  redis.disconnect();
  process.stdout.write('Ledger rebuild queued: a worker forgets every fill and reads them again from myTrades.\n');
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
