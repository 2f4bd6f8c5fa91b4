import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { createLogger } from '../../src/logger.js';
import { createRedisConnection } from '../../src/redis.js';
import { createStreamLease, takeoverBoundMs, type LeaseLossReason, type StreamLease } from '../../src/alerts/stream-lease.js';
import { startRedisServer, testRedisUrl, uniquePrefix } from '../support/redis.js';
import { eventually } from '../support/wait.js';

const logger = createLogger({ level: 'silent' });
const leases: StreamLease[] = [];
let redis: Redis;

interface Probe {
  lease: StreamLease;
  acquired: number;
  lost: LeaseLossReason[];
  listening: () => boolean;
}

function startLease(key: string, holderId: string, connection: Redis = redis, timing = { ttlMs: 600, pollMs: 50 }): Probe {
  let listening = false;
  const probe: Probe = {
    acquired: 0,
    lost: [],
    listening: () => listening,
    lease: createStreamLease({
      redis: connection,
      key,
      holderId,
      ...timing,
      logger,
      onAcquired: () => {
        probe.acquired += 1;
        listening = true;
      },
      onLost: (reason) => {
        probe.lost.push(reason);
        listening = false;
      },
    }),
  };
  leases.push(probe.lease);
  probe.lease.start();
  return probe;
}

beforeAll(() => {
  redis = createRedisConnection(testRedisUrl(), 'producer');
});

afterEach(async () => {
  await Promise.all(leases.splice(0).map((l) => l.close()));
});

afterAll(() => {
  redis.disconnect();
});

describe('stream lease', () => {
  it('gives the stream to exactly one of several workers, and to another when the holder leaves', async () => {
    const key = `${uniquePrefix('lease')}:user-stream:lease:main`;
    const probes = ['w1', 'w2', 'w3'].map((id) => startLease(key, id));
    await expect.poll(() => probes.some((p) => p.listening()), { message: 'a holder' }).toBeTruthy();
    // Several renewal and poll rounds later, still exactly one.
    await new Promise((r) => setTimeout(r, 700));
    expect(probes.filter((p) => p.listening())).toHaveLength(1);
    const holder = probes.find((p) => p.listening())!;
    expect(await redis.get(key)).toBe(holder.lease.holderId);

    await holder.lease.close();
    expect(holder.lost).toEqual(['released']);
    const next = await eventually(() => probes.find((p) => p !== holder && p.listening()), 'another holder');
    expect(probes.filter((p) => p.listening())).toEqual([next]);
    expect(await redis.get(key)).toBe(next.lease.holderId);
  });

  it('stops listening as soon as a renewal finds the lease in other hands', async () => {
    const key = `${uniquePrefix('lease')}:lease`;
    const probe = startLease(key, 'w1');
    await expect.poll(() => probe.listening(), { message: 'the lease' }).toBeTruthy();
    await redis.set(key, 'intruder', 'PX', 60_000);
    await expect.poll(() => !probe.listening(), { message: 'the listener to stop' }).toBeTruthy();
    expect(probe.lost).toEqual(['taken']);
    expect(await redis.get(key)).toBe('intruder');
  });

  it('never deletes a lease that is no longer its own', async () => {
    const key = `${uniquePrefix('lease')}:lease`;
    const probe = startLease(key, 'w1');
    await expect.poll(() => probe.listening(), { message: 'the lease' }).toBeTruthy();
    await redis.set(key, 'w2', 'PX', 60_000);
    await probe.lease.close();
    expect(await redis.get(key)).toBe('w2');
  });

  it('stops listening before the lease can expire when Redis cannot be reached, and takes it back after', async () => {
    const server = await startRedisServer();
    const connection = createRedisConnection(server.url, 'producer', logger);
    try {
      const key = `${uniquePrefix('lease')}:lease`;
      const probe = startLease(key, 'w1', connection);
      await expect.poll(() => probe.listening(), { message: 'the lease' }).toBeTruthy();
      await server.kill();
      await expect.poll(() => !probe.listening(), { message: 'the listener to stop without Redis', timeout: 5_000 }).toBeTruthy();
      expect(probe.lost).toEqual(['expired']);
      await server.restart();
      await expect.poll(() => probe.listening(), { message: 'the lease again after Redis is back', timeout: 15_000 }).toBeTruthy();
      // Taken back (a machine stalled past the renewal margin may give it up and take it once more: never two holders).
      expect(probe.acquired).toBeGreaterThanOrEqual(2);
      expect(probe.lost[0]).toBe('expired');
    } finally {
      await Promise.all(leases.splice(0).map((l) => l.close()));
      connection.disconnect();
      await server.stop();
    }
  });

  it('documents its takeover bound: ttl + poll interval', () => {
    expect(takeoverBoundMs()).toBe(12_000);
    expect(takeoverBoundMs({ ttlMs: 1_500, pollMs: 200 })).toBe(1_700);
  });
});
