import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { describe, expect, it, vi } from 'vitest';
import { startRedisServer } from '../src/redis-server.js';

describe('private redis-server', () => {
  it('shuts down a server an earlier process left running on the same directory before opening its files, keeping its data', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'chatops-redis-'));
    // The first owner "dies" without stopping its server: the handle is simply dropped.
    const orphan = await startRedisServer({ appendOnly: true, dir });
    const writer = new Redis(orphan.url, { maxRetriesPerRequest: 1, retryStrategy: () => null });
    await writer.set('intent:left', 'pending');
    writer.disconnect();
    const orphanPid = orphan.pid!;
    const next = await startRedisServer({ appendOnly: true, dir });
    try {
      // Gone (once this process, its parent here, has reaped it).
      await vi.waitFor(() => expect(() => process.kill(orphanPid, 0)).toThrow(), { timeout: 5_000 });
      const client = new Redis(next.url, { maxRetriesPerRequest: 1 });
      expect(await client.get('intent:left')).toBe('pending');
      client.disconnect();
    } finally {
      await next.stop();
      await orphan.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps acknowledged writes across a crash when AOF is on', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'chatops-redis-'));
    const server = await startRedisServer({ appendOnly: true, dir });
    try {
      const client = new Redis(server.url, { maxRetriesPerRequest: null, retryStrategy: () => 50 });
      await client.set('intent:abc', 'pending');
      await server.kill();
      await server.restart();
      expect(await client.get('intent:abc')).toBe('pending');
      client.disconnect();
    } finally {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
