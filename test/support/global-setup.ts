/**
 * One private redis-server for the whole run, so tests never touch (or depend on the state of)
 * a developer's Redis on 6379. Tests read its URL with `inject('redisUrl')` (see redis.ts).
 * Tests that need to crash or restart Redis start their own with startRedisServer().
 */
import type { TestProject } from 'vitest/node';
import { startRedisServer, type RedisServerHandle } from '../../src/redis-server.js';

let server: RedisServerHandle | undefined;

export async function setup(project: TestProject): Promise<void> {
  server = await startRedisServer();
  project.provide('redisUrl', server.url);
}

export async function teardown(): Promise<void> {
  await server?.stop();
}

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
  }
}
