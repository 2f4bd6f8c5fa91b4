import { afterEach, describe, expect, it } from 'vitest';
import { Counter, Registry } from 'prom-client';
import { startHealthServer, type HealthServer } from '../../src/http/health-server.js';
import { createLogger } from '../../src/logger.js';

let server: HealthServer | undefined;
afterEach(async () => server?.close());

describe('health server', () => {
  it('serves /healthz from the checks and /metrics from the registry', async () => {
    const registry = new Registry();
    new Counter({ name: 'binance_chatops_test_total', help: 'test', registers: [registry] }).inc(3);
    let redisUp = true;
    server = await startHealthServer({
      port: 0,
      host: '127.0.0.1',
      registry,
      logger: createLogger({ level: 'silent' }),
      checks: [{ name: 'redis', check: async () => redisUp }, { name: 'exchange', check: async () => true }],
    });
    const base = `http://127.0.0.1:${server.port}`;
    let res = await fetch(`${base}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok', checks: { redis: true, exchange: true } });

    redisUp = false;
    res = await fetch(`${base}/healthz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ status: 'unhealthy', checks: { redis: false } });

    res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('binance_chatops_test_total 3');

    expect((await fetch(`${base}/nope`)).status).toBe(404);
  });

  it('counts a check that throws as unhealthy', async () => {
    server = await startHealthServer({
      port: 0,
      host: '127.0.0.1',
      registry: new Registry(),
      logger: createLogger({ level: 'silent' }),
      checks: [{ name: 'broken', check: async () => { throw new Error('down'); } }],
    });
    const res = await fetch(`http://127.0.0.1:${server.port}/healthz`);
    expect(res.status).toBe(503);
  });
});
