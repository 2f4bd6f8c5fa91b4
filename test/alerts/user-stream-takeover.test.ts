/**
 * One listener per account across worker processes (DESIGN.md §1), with REAL processes: two
 * workers (test/support/processes/user-stream-worker.mjs, built code) share one Redis and one
 * simulator. Exactly one holds the stream; SIGKILL it and the other takes over, and every fill —
 * before, during and after the takeover — is alerted exactly once.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { createAlertsQueue, type AlertsQueue } from '../../src/alerts/alerts-queue.js';
import { takeoverBoundMs } from '../../src/alerts/stream-lease.js';
import { createLogger } from '../../src/logger.js';
import { createRedisConnection } from '../../src/redis.js';
import type { AlertJob } from '../../src/trading/types.js';
import { testRedisUrl, uniquePrefix } from '../support/redis.js';
import { simRequest, startTestSimulator, type TestSimulator } from '../support/simulator.js';
import { eventually, sleep } from '../support/wait.js';

const ROOT = resolve(import.meta.dirname, '../..');
const SCRIPT = join(ROOT, 'test/support/processes/user-stream-worker.mjs');
const LEASE = { ttlMs: 1_500, pollMs: 200 };
const TRADER = 1001;

/** dist/ is older than a source the worker script imports: rebuild (the `pretest` build, for a lone run). */
function ensureBuilt(): void {
  const stale = (dir: string): boolean =>
    readdirSync(join(ROOT, 'src', dir), { withFileTypes: true }).some((entry) => {
      if (!entry.isFile() || !entry.name.endsWith('.ts')) return false;
      const built = join(ROOT, 'dist', dir, entry.name.replace(/\.ts$/, '.js'));
      return !existsSync(built) || statSync(built).mtimeMs < statSync(join(ROOT, 'src', dir, entry.name)).mtimeMs;
    });
  if (['', 'alerts', 'binance', 'trading'].some(stale)) {
    // Other files may be mid-edit: tsc still emits, and the files this script needs are checked below.
    spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'ignore', timeout: 180_000 });
  }
  expect(existsSync(join(ROOT, 'dist/alerts/user-stream-service.js'))).toBe(true);
}

interface Worker {
  id: string;
  child: ChildProcess;
  last?: { t: number; holding: boolean; state: string; caughtUp: boolean };
}

let sim: TestSimulator;
let redis: Redis;
let queue: AlertsQueue;
let prefix: string;
const workers: Worker[] = [];

function startWorker(id: string): Worker {
  const child = spawn(process.execPath, [SCRIPT], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      STREAM_REDIS_URL: testRedisUrl(),
      STREAM_PREFIX: prefix,
      STREAM_WS_API_URL: sim.wsApiUrl,
      STREAM_REST_URL: sim.restUrl,
      STREAM_API_KEY: sim.apiKey,
      STREAM_API_SECRET: sim.apiSecret!,
      STREAM_ALLOWED: String(TRADER),
      STREAM_HOLDER: id,
      STREAM_LEASE_TTL_MS: String(LEASE.ttlMs),
      STREAM_LEASE_POLL_MS: String(LEASE.pollMs),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const worker: Worker = { id, child };
  createInterface({ input: child.stdout! }).on('line', (line) => {
    try {
      worker.last = JSON.parse(line) as Worker['last'];
    } catch {
      // not a status line
    }
  });
  workers.push(worker);
  return worker;
}

const live = (w: Worker) => w.child.exitCode === null && w.child.signalCode === null;
const listening = (w: Worker) => live(w) && w.last?.holding === true && w.last.state === 'subscribed' && w.last.caughtUp;

async function alerts(): Promise<AlertJob[]> {
  return (await queue.queue.getJobs(['waiting', 'delayed', 'active', 'completed', 'failed', 'prioritized'])).map((j) => j.data);
}

async function buyLimit(price: string): Promise<number> {
  const res = await simRequest<{ orderId: number }>(sim, 'POST', '/api/v3/order', { symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', timeInForce: 'GTC', price, quantity: '0.001' });
  expect(res.status).toBe(200);
  return res.body.orderId;
}

beforeAll(async () => {
  ensureBuilt();
  sim = await startTestSimulator({ balances: { USDT: '100000' }, prices: { BTCUSDT: '65000', ETHUSDT: '3500' } });
  redis = createRedisConnection(testRedisUrl(), 'producer', createLogger({ level: 'silent' }));
  prefix = uniquePrefix('takeover');
  queue = createAlertsQueue({ connection: redis, prefix });
}, 240_000);

afterAll(async () => {
  for (const w of workers) if (live(w)) w.child.kill('SIGTERM');
  await Promise.all(workers.map((w) => (live(w) ? new Promise((r) => w.child.once('exit', r)) : undefined)));
  await queue.close();
  redis.disconnect();
  await sim.close();
});

describe('user stream lease across two worker processes', () => {
  it('exactly one process listens; after SIGKILL the other takes over and no fill is missed or doubled', async () => {
    const pair = [startWorker('w1'), startWorker('w2')];
    const holder = await eventually(() => pair.every((w) => w.last) && pair.find(listening), 'both workers up, one holding the stream', 20_000);
    const other = pair.find((w) => w !== holder)!;

    // Over many renewal rounds, never two listeners.
    for (let i = 0; i < 10; i++) {
      await sleep(100);
      expect(pair.filter((w) => w.last?.holding)).toEqual([holder]);
      expect(other.last?.state).toBe('none');
    }
    expect(await redis.get(`${prefix}:user-stream:lease:main`)).toBe(holder.id);

    const orders = [await buyLimit('64900'), await buyLimit('64800'), await buyLimit('64700')];
    await expect.poll(async () => (await redis.hlen(`${prefix}:ua:open`)) === 3, { message: 'the holder to track the three orders' }).toBeTruthy();

    sim.feed.setPrice('BTCUSDT', '64890');
    await expect.poll(async () => (await alerts()).length === 1, { message: 'the first fill alert' }).toBeTruthy();

    const killedAt = Date.now();
    holder.child.kill('SIGKILL');
    // This fill lands while nobody listens: the new holder must find it over REST.
    sim.feed.setPrice('BTCUSDT', '64790');
    await expect.poll(() => listening(other), { message: 'the other worker to take over', timeout: 20_000 }).toBeTruthy();
    const takeoverMs = Date.now() - killedAt;
    console.log(`user stream takeover after SIGKILL: ${takeoverMs} ms (lease bound ttl + poll = ${takeoverBoundMs(LEASE)} ms, plus connect and reconcile)`);

    sim.feed.setPrice('BTCUSDT', '64690');
    await expect.poll(async () => (await alerts()).length >= 3, { message: 'three fill alerts' }).toBeTruthy();
    await sleep(800);
    const all = await alerts();
    expect(all).toHaveLength(3);
    for (const orderId of orders) expect(all.filter((a) => a.key.includes(`-${orderId}-`))).toHaveLength(1);
    expect(all.every((a) => a.chatId === TRADER && a.category === 'fill')).toBe(true);
    expect(await redis.get(`${prefix}:user-stream:lease:main`)).toBe(other.id);
  });
});
