/**
 * A fleet of the product's worker processes (test/support/processes/<script>.mjs, built from
 * dist/) against a test's in-process stack: the simulator, the fake Bot API, the run's Redis and
 * the test's key prefix, given to each process as the variables an operator would set.
 */
import { resolve } from 'node:path';
import { testRedisUrl } from '../../support/redis.js';
import { startProcessFleet, type ProcessFleet, type ProcessFleetOptions } from './process-fleet.js';

export type WorkerScript = 'order-worker' | 'stop-worker' | 'alerts-worker';

/** What the processes connect to: the test's simulator, Telegram and key prefix. */
export interface FleetTarget {
  sim: { restUrl: string; streamUrl: string; apiKey: string; apiSecret?: string | undefined };
  telegram: { token: string; apiRoot: string };
  prefix: string;
}

export function startWorkerFleet(
  target: FleetTarget,
  options: Omit<ProcessFleetOptions, 'script' | 'env'> & { script: WorkerScript; env?: Record<string, string> },
): ProcessFleet {
  if (target.sim.apiSecret === undefined) throw new Error('worker processes sign with the simulator HMAC secret');
  return startProcessFleet({
    ...options,
    script: resolve(import.meta.dirname, `../../support/processes/${options.script}.mjs`),
    env: {
      TRADING_MODE: 'paper',
      BINANCE_BASE_URL: target.sim.restUrl,
      BINANCE_STREAM_URL: target.sim.streamUrl,
      BINANCE_API_KEY: target.sim.apiKey,
      BINANCE_API_SECRET: target.sim.apiSecret,
      BINANCE_TIMEOUT_MS: '1000',
      BINANCE_RECV_WINDOW_MS: '1000',
      REDIS_URL: testRedisUrl(),
      TELEGRAM_BOT_TOKEN: target.telegram.token,
      TELEGRAM_API_ROOT: target.telegram.apiRoot,
      LOG_LEVEL: 'info',
      CHAOS_PREFIX: target.prefix,
      ...options.env,
    },
  });
}
