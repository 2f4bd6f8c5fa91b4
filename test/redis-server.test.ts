import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { startRedisServer } from '../src/redis-server.js';

describe('private redis-server', () => {
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
