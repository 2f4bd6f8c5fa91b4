/**
 * Redis for tests: the run's private server (global-setup.ts), with a unique key prefix per
 * test so files running in parallel never see each other's keys.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { inject } from 'vitest';

export { startRedisServer, type RedisServerHandle } from '../../src/redis-server.js';

export function testRedisUrl(): string {
  return inject('redisUrl');
}

/** A short unique prefix, e.g. for BullMQ's `prefix` option or our own keys. */
export function uniquePrefix(label = 't'): string {
  return `${label}-${randomBytes(4).toString('hex')}`;
}

/** A plain client for assertions; close it in afterAll/afterEach. */
export function testRedisClient(url = testRedisUrl()): Redis {
  return new Redis(url, { maxRetriesPerRequest: 1, lazyConnect: false });
}
