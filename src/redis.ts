/**
 * Redis connections. One factory, because BullMQ wants different options by use
 * (docs.bullmq.io "Going to production" → "maxRetriesPerRequest", "enableOfflineQueue"):
 *
 * - `producer` (Queue.add from the bot, our own reads/writes): fail fast. When Redis is down a
 *   Confirm must answer "try again" in seconds rather than hang the chat.
 * - `worker` (BullMQ Worker, QueueEvents, blocking commands): `maxRetriesPerRequest: null`, as
 *   BullMQ requires; it reconnects for ever with a capped backoff.
 */
import { Redis, type RedisOptions } from 'ioredis';
import { backoffDelayMs } from './backoff.js';
import type { Config } from './config.js';
import type { Logger } from './logger.js';
import { REDIS_INSTALL_HINT, hasRedisServer, startRedisServer } from './redis-server.js';
import { AppError } from './errors.js';

/** The prefix of every Redis key and BullMQ queue this product writes, unless a test isolates its own. */
export const KEY_PREFIX = 'chatops';

export type RedisUse = 'producer' | 'worker';

/**
 * Reconnect delay (ioredis counts attempts from 1): 200 ms doubling to a 5 s cap, jittered, so
 * never a tight loop against a dead server, and the processes it dropped together do not all
 * come back in the same instant.
 */
export function reconnectDelay(attempt: number): number {
  return backoffDelayMs(attempt - 1, { initialMs: 200, maxMs: 5_000 });
}

export function redisOptions(use: RedisUse): RedisOptions {
  const common: RedisOptions = {
    retryStrategy: reconnectDelay,
    connectTimeout: 5_000,
    // Keeps a dead peer from holding a socket open for minutes.
    keepAlive: 10_000,
    lazyConnect: false,
  };
  return use === 'worker'
    ? { ...common, maxRetriesPerRequest: null, enableReadyCheck: true }
    : { ...common, maxRetriesPerRequest: 2, enableOfflineQueue: true, commandTimeout: 5_000 };
}

export function createRedisConnection(url: string, use: RedisUse, logger?: Logger, name?: string): Redis {
  const connection = new Redis(url, { ...redisOptions(use), connectionName: name });
  if (logger) {
    let reported = false;
    connection.on('error', (error: Error) => {
      // ioredis emits an error per failed reconnect; one line per outage is enough.
      if (!reported) logger.warn({ err: error.message, use, name }, 'redis connection error');
      reported = true;
    });
    connection.on('ready', () => {
      if (reported) logger.info({ use, name }, 'redis connection restored');
      reported = false;
    });
  }
  return connection;
}

export interface RedisEndpoint {
  url: string;
  /** True when we started a private redis-server for this process. */
  private: boolean;
  close(): Promise<void>;
}

/**
 * REDIS_URL when set; otherwise a private `redis-server` child with AOF persistence under
 * REDIS_DATA_DIR (so paper orders and pending jobs survive a restart), stopped with the process.
 */
export async function resolveRedis(config: Config, logger: Logger): Promise<RedisEndpoint> {
  if (config.redis.url) return { url: config.redis.url, private: false, close: async () => {} };
  if (!hasRedisServer()) throw new AppError('REDIS_NOT_INSTALLED', REDIS_INSTALL_HINT);
  const server = await startRedisServer({ appendOnly: true, dir: config.redis.dataDir });
  logger.info({ port: server.port, dir: config.redis.dataDir }, 'started a private redis-server (REDIS_URL is unset)');
  return { url: server.url, private: true, close: () => server.stop() };
}
