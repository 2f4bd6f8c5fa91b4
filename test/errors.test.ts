import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { AppError, asAppError, ERROR_CODES, isRedisOutage, userMessageOf } from '../src/errors.js';
import { freePort } from '../src/redis-server.js';
import { redisOptions } from '../src/redis.js';
import { testRedisUrl } from './support/redis.js';

describe('asAppError', () => {
  it('keeps an AppError as it is', () => {
    const error = new AppError('ORDER_FILTER_LOT_SIZE');
    expect(asAppError(error)).toBe(error);
  });

  it('turns what a producer connection throws at a dead Redis into REDIS_UNAVAILABLE', async () => {
    // A real ioredis client with the product's producer options against a port nobody listens on.
    const client = new Redis(`redis://127.0.0.1:${await freePort()}`, { ...redisOptions('producer'), retryStrategy: () => 50 });
    client.on('error', () => undefined);
    const thrown = await client.get('k').then(() => undefined, (error: unknown) => error);
    client.disconnect();
    expect(isRedisOutage(thrown)).toBe(true);
    expect(asAppError(thrown).code).toBe('REDIS_UNAVAILABLE');
    expect(userMessageOf(thrown)).toBe(ERROR_CODES.REDIS_UNAVAILABLE);
  });

  it('keeps a Redis reply error (Redis answered) and anything else as INTERNAL', async () => {
    const client = new Redis(testRedisUrl(), redisOptions('producer'));
    const thrown = await client.call('NOSUCHCOMMAND').then(() => undefined, (error: unknown) => error);
    client.disconnect();
    expect(isRedisOutage(thrown)).toBe(false);
    expect(asAppError(thrown).code).toBe('INTERNAL');
    expect(asAppError(new TypeError('x is undefined')).code).toBe('INTERNAL');
    expect(userMessageOf('a string')).toBe(ERROR_CODES.INTERNAL);
  });
});
