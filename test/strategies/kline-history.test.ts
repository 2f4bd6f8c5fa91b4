/**
 * Backtest history (src/strategies/kline-history.ts) over the real HTTP path: the paper exchange
 * replays the real BTCUSDT 1d 2017–2020 candles at their recorded dates, the REST client reads
 * them, real Redis caches them. Pages sit on a fixed 1,000-candle grid; every finished page is
 * read once and then served from Redis, the newest page always afresh; only closed candles come
 * back; an EXCHANGE_BUSY refusal (the view share of the weight is spent) is waited out.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { createRestClient, type RestClient } from '../../src/binance/rest-client.js';
import { DAY } from '../../src/binance/kline-intervals.js';
import { ExchangeError } from '../../src/errors.js';
import { createLogger } from '../../src/logger.js';
import { createRedisConnection } from '../../src/redis.js';
import { createReplayFeed } from '../../src/sim/feeds/replay-feed.js';
import type { ReplayFeed } from '../../src/sim/types.js';
import { createKlineHistory, KLINES_PAGE } from '../../src/strategies/kline-history.js';
import { fixtureCandles, fixtureRows } from '../support/klines.js';
import { testRedisUrl, uniquePrefix } from '../support/redis.js';
import { startTestSimulator, type TestSimulator } from '../support/simulator.js';

const logger = createLogger({ level: 'silent' });
const rows = fixtureRows('raw1d');
const candles = fixtureCandles('raw1d').slice(0, -1);
const lastCloseTime = candles.at(-1)!.closeTime;
let sim: TestSimulator<ReplayFeed>;
let client: RestClient;
const redis = createRedisConnection(testRedisUrl(), 'producer');

beforeAll(async () => {
  const feed = createReplayFeed({ series: { BTCUSDT: rows }, speed: 1, logger, startIndex: rows.length - 1, autoAdvance: false });
  sim = await startTestSimulator({ feed });
  client = createRestClient({ baseUrl: sim.restUrl, apiKey: sim.apiKey, signer: sim.signer, logger, registry: new Registry(), timeoutMs: 2_000, recvWindowMs: 1_000, clockRefreshMs: 0 });
});
afterAll(async () => {
  await client?.close();
  await sim?.close();
  redis.disconnect();
});

const klineRequests = () => sim.control.requests().filter((r) => r.path === '/api/v3/klines');

describe('kline history', () => {
  it('pages on a fixed grid, returns exactly the closed candles asked for, and serves finished pages from Redis', async () => {
    const history = createKlineHistory({ exchange: client.withPriority('view'), redis, prefix: uniquePrefix('hist'), marketKey: 'sim' });
    const count = 1_050;
    const pageSpan = KLINES_PAGE * DAY;
    const pages = Math.floor(candles.at(-1)!.openTime / pageSpan) - Math.floor(candles.at(-count)!.openTime / pageSpan) + 1;
    expect(pages).toBe(2);

    const before = klineRequests().length;
    const first = await history.load({ symbol: 'BTCUSDT', interval: '1d', count, lastCloseTime });
    expect(first).toMatchObject({ requests: pages, cachedPages: 0 });
    expect(klineRequests().length - before).toBe(pages);
    const strip = (k: { openTime: number; closeTime: number; open: string; high: string; low: string; close: string }) => [k.openTime, k.closeTime, k.open, k.high, k.low, k.close];
    expect(first.candles.map(strip)).toEqual(candles.slice(-count).map(strip));

    const second = await history.load({ symbol: 'BTCUSDT', interval: '1d', count, lastCloseTime });
    expect(second).toMatchObject({ requests: 1, cachedPages: 1 });
    expect(second.candles.map(strip)).toEqual(first.candles.map(strip));

    // A span ending earlier never reaches past its own last close.
    const earlier = await history.load({ symbol: 'BTCUSDT', interval: '1d', count: 10, lastCloseTime: candles.at(-100)!.closeTime });
    expect(earlier.candles.map(strip)).toEqual(candles.slice(-109, -99).map(strip));
  });

  it('waits out the exchange’s request budget (EXCHANGE_BUSY) and says so in the progress', async () => {
    const waits: number[] = [];
    const notes: string[] = [];
    let calls = 0;
    const view = client.withPriority('view');
    const busyOnce = {
      klines: (...args: Parameters<RestClient['klines']>) => {
        if (calls++ === 0) {
          return Promise.reject(new ExchangeError('EXCHANGE_BUSY', { kind: 'rate-limited', method: 'GET', path: '/api/v3/klines', retryAfterMs: 4_000 }));
        }
        return view.klines(...args);
      },
    };
    const history = createKlineHistory({ exchange: busyOnce, redis, prefix: uniquePrefix('hist'), marketKey: 'sim', sleep: async (ms) => void waits.push(ms) });
    const loaded = await history.load({ symbol: 'BTCUSDT', interval: '1d', count: 20, lastCloseTime, onPage: (_done, _pages, note) => void (note && notes.push(note)) });
    expect(waits).toEqual([4_000]);
    expect(notes).toEqual(['waiting 4 s for the exchange\'s request budget']);
    expect(loaded.candles).toHaveLength(20);
  });
});
