/**
 * The net value history (DESIGN.md §10): one sample per slot however many workers race for it,
 * 400 days kept, values as the paper exchange's balances and prices make them, and a sample that
 * gives way to trading when the minute's weight runs short.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { createRestClient, type RestClient } from '../../src/binance/rest-client.js';
import { add } from '../../src/decimal.js';
import { createLogger } from '../../src/logger.js';
import { createRedisConnection } from '../../src/redis.js';
import { createEquitySampler, EQUITY_SCHEDULER_ID, slotOf, type EquitySampler } from '../../src/ledger/equity-sampler.js';
import { createEquityStore, EQUITY_RETENTION_MS, equitySamplesKey } from '../../src/ledger/equity-store.js';
import { createNetValueReader, netValueOf, priceMapOf, type NetValueReader } from '../../src/ledger/equity-valuation.js';
import { eventually } from '../support/app-harness.js';
import { testRedisUrl, uniquePrefix } from '../support/redis.js';
import { startTestSimulator, type TestSimulator } from '../support/simulator.js';

const logger = createLogger({ level: 'silent' });
const DAY = 86_400_000;

let sim: TestSimulator;
let client: RestClient;
let redis: Redis;
const closers: Array<() => Promise<unknown> | void> = [];

beforeAll(async () => {
  sim = await startTestSimulator({ balances: { USDT: '10000', BTC: '0.5', ETH: '2' }, prices: { BTCUSDT: '65000', ETHUSDT: '3500' } });
  client = createRestClient({ baseUrl: sim.restUrl, apiKey: sim.apiKey, signer: sim.signer, logger, registry: new Registry(), clockRefreshMs: 0 });
  redis = createRedisConnection(testRedisUrl(), 'producer');
});
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});
afterAll(async () => {
  await client.close();
  await sim.close();
  redis.disconnect();
});

/** A worker process's part: its own blocking connection and sampler. */
function startWorker(prefix: string, netValue: NetValueReader, sampleMinutes = 15): EquitySampler {
  const connection = createRedisConnection(testRedisUrl(), 'worker');
  const sampler = createEquitySampler({ connection, redis, prefix, store: createEquityStore({ redis, prefix }), netValue, sampleMinutes, logger, lockDurationMs: 2_000, stalledIntervalMs: 500 });
  closers.push(async () => {
    await sampler.close();
    connection.disconnect();
  });
  return sampler;
}

/** The same account read, with `delta` added: two workers whose values differ show a duplicate slot. */
function offsetReader(inner: NetValueReader, delta: string): NetValueReader {
  return { read: async () => ({ ...(await inner.read()), value: add((await inner.read()).value, delta) }) };
}

describe('net value', () => {
  it('is every balance at the last prices, free and locked, in the valuation asset', async () => {
    const net = await createNetValueReader({ exchange: client.withPriority('view'), valuationAsset: 'USDT' }).read();
    // 10,000 USDT + 0.5 × 65,000 + 2 × 3,500
    expect(net.value).toBe('49500');
    expect(net.unpriced).toEqual([]);
  });

  it('converts through the inverse pair or a bridge asset, and names what has no price', () => {
    const prices = priceMapOf([
      { symbol: 'BTCUSDT', price: '65000' },
      { symbol: 'XYZBTC', price: '0.0001' },
      { symbol: 'USDTTRY', price: '40' },
    ]);
    const net = netValueOf(
      [
        { asset: 'USDT', free: '100', locked: '0' },
        { asset: 'XYZ', free: '10', locked: '5' },
        { asset: 'TRY', free: '400', locked: '0' },
        { asset: 'NOPE', free: '1', locked: '0' },
      ],
      prices,
      'USDT',
    );
    // 100 + 15 × 0.0001 × 65,000 + 400 ÷ 40
    expect(net.value).toBe('207.5');
    expect(net.unpriced).toEqual(['NOPE']);
  });
});

describe('one sample per slot', () => {
  it('keeps the first value when two workers measure the same slot at once', async () => {
    const prefix = uniquePrefix('eq');
    const reader = createNetValueReader({ exchange: client.withPriority('view'), valuationAsset: 'USDT' });
    const a = startWorker(prefix, reader);
    const b = startWorker(prefix, offsetReader(reader, '1'));
    const slot = slotOf(Date.now(), 15 * 60_000);
    const outcomes = await Promise.all([a.sampleSlot(slot), b.sampleSlot(slot), a.sampleSlot(slot), b.sampleSlot(slot)]);
    expect(outcomes.filter((o) => o === 'recorded')).toHaveLength(1);
    const members = await redis.zrange(equitySamplesKey(prefix), '0', '-1', 'WITHSCORES');
    expect(members).toHaveLength(2);
    expect(members[1]).toBe(String(slot));
    expect(['49500', '49501']).toContain(members[0]!.split(':')[1]);
  });

  it('two workers starting together share one scheduler and record the current slot once', async () => {
    const prefix = uniquePrefix('eq');
    const reader = createNetValueReader({ exchange: client.withPriority('view'), valuationAsset: 'USDT' });
    const a = startWorker(prefix, reader, 1);
    const b = startWorker(prefix, offsetReader(reader, '1'), 1);
    await Promise.all([a.start(), b.start()]);
    const store = createEquityStore({ redis, prefix });
    await eventually(async () => ((await store.count()) > 0 ? true : undefined), 'the first sample');
    // Let every job either worker was given finish: the scheduler's first run and both start-up jobs.
    await eventually(async () => {
      const counts = await a.queue.getJobCounts('active', 'wait');
      return (counts.active ?? 0) + (counts.wait ?? 0) === 0 ? true : undefined;
    }, 'the queue to drain');
    const schedulers = await a.queue.getJobSchedulers(0, -1);
    expect(schedulers.map((s) => s.key)).toEqual([EQUITY_SCHEDULER_ID]);
    const members = await redis.zrange(equitySamplesKey(prefix), '0', '-1', 'WITHSCORES');
    const scores = members.filter((_, i) => i % 2 === 1);
    // One member per slot (a minute, so a boundary crossed during the test may add a second slot, never a second member).
    expect(new Set(scores).size).toBe(scores.length);
    for (const score of scores) expect(Number(score) % 60_000).toBe(0);
  });

  it('leaves a slot empty rather than record a value read after it ended', async () => {
    const prefix = uniquePrefix('eq');
    const a = startWorker(prefix, createNetValueReader({ exchange: client.withPriority('view'), valuationAsset: 'USDT' }));
    const past = slotOf(Date.now(), 15 * 60_000) - 15 * 60_000;
    expect(await a.sampleSlot(past)).toBe('missed');
    expect(await createEquityStore({ redis, prefix }).count()).toBe(0);
  });
});

describe('retention and restarts', () => {
  it('trims samples older than 400 days as new ones arrive, and a new connection reads what was kept', async () => {
    const prefix = uniquePrefix('eq');
    const store = createEquityStore({ redis, prefix });
    const now = slotOf(Date.now(), 15 * 60_000);
    expect(await store.record({ time: now - 401 * DAY, value: '1' })).toBe(true);
    expect(await store.record({ time: now - 399 * DAY, value: '2' })).toBe(true);
    expect(await store.record({ time: now - EQUITY_RETENTION_MS, value: '3' })).toBe(true);
    expect(await store.count()).toBe(3);
    expect(await store.record({ time: now, value: '4' })).toBe(true);
    // A second write of a slot changes nothing.
    expect(await store.record({ time: now, value: '5' })).toBe(false);

    const other = createRedisConnection(testRedisUrl(), 'producer');
    try {
      const reopened = createEquityStore({ redis: other, prefix });
      expect(await reopened.samples(0, now + 1)).toEqual([
        { time: now - 399 * DAY, value: '2' },
        { time: now - EQUITY_RETENTION_MS, value: '3' },
        { time: now, value: '4' },
      ].sort((x, y) => x.time - y.time));
      expect(await reopened.latest(now - 1)).toEqual({ time: now - 399 * DAY, value: '2' });
      // The range's end is exclusive.
      expect(await reopened.samples(now - DAY, now)).toEqual([]);
    } finally {
      other.disconnect();
    }
  });
});

describe('the trading reserve', () => {
  it('a sample is refused before it is sent when the minute is past the view share; trading reads still go out', async () => {
    const limit = 1_000;
    const busySim = await startTestSimulator({ balances: { USDT: '10000' }, options: { weightPerMinute: limit } });
    const busy = createRestClient({
      baseUrl: busySim.restUrl,
      apiKey: busySim.apiKey,
      signer: busySim.signer,
      logger,
      registry: new Registry(),
      clockRefreshMs: 0,
      weightLimitPerMinute: limit,
      maxGateWaitMs: 0,
    });
    closers.push(async () => {
      await busy.close();
      await busySim.close();
    });
    // Leave room in the exchange's minute for the whole test.
    const left = 60_000 - (Date.now() % 60_000);
    if (left < 15_000) await new Promise((r) => setTimeout(r, left + 250));
    // Trading reads (20 each) up to 70 % of the minute.
    for (let i = 0; i < 35; i++) await busy.account();
    const prefix = uniquePrefix('eq');
    const sampler = startWorker(prefix, createNetValueReader({ exchange: busy.withPriority('view'), valuationAsset: 'USDT' }));
    const reads = () => busySim.control.requests().filter((r) => r.path === '/api/v3/account').length;
    const before = reads();
    await expect(sampler.sampleSlot(slotOf(Date.now(), 15 * 60_000))).rejects.toMatchObject({ code: 'EXCHANGE_BUSY' });
    expect(reads()).toBe(before);
    await expect(busy.account()).resolves.toBeDefined();
  });
});
