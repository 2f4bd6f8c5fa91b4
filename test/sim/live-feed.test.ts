import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { KlineRow, Ticker24h } from '../../src/binance/types.js';
import { createLiveFeed, type LiveFeed, type LiveFeedOptions } from '../../src/sim/feeds/live-feed.js';
import type { CandleClose, PriceTick } from '../../src/sim/types.js';
import { KLINE_FIXTURES, TICKER_FIXTURE, fixture } from '../support/fixtures.js';

const logger = pino({ level: 'silent' });
const fiveMinute = fixture<KlineRow[]>(KLINE_FIXTURES.raw5m);
const tickers = fixture<Ticker24h[]>(TICKER_FIXTURE);
const lastPrice = (symbol: string) => tickers.find((t) => t.symbol === symbol)!.lastPrice;

/**
 * A stand-in for data-api.binance.vision serving the real captures: klines up to the test's
 * clock (the capture's later candles are "the future"), prices the test sets (from the real
 * 24hr ticker capture at first), and whatever failure the test asks for.
 */
function fakeMarketData(clock: { now: number }) {
  const state = {
    prices: new Map([['BTCUSDT', lastPrice('BTCUSDT')], ['ETHUSDT', lastPrice('ETHUSDT')]]),
    requests: [] as string[],
    /** Answers for the next ticker requests, in order: a status, or 'hang'. */
    tickerFaults: [] as Array<number | 'hang' | { status: number; retryAfter: string }>,
  };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://x');
    state.requests.push(url.pathname + url.search);
    const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
      res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
    if (url.pathname === '/api/v3/ticker/price') {
      const fault = state.tickerFaults.shift();
      if (fault === 'hang') return;
      if (typeof fault === 'number') return json(fault, { code: -1000, msg: 'An unknown error occurred while processing the request.' });
      if (fault) return json(fault.status, { code: -1003, msg: 'Too much request weight used.' }, { 'retry-after': fault.retryAfter });
      const symbols = JSON.parse(url.searchParams.get('symbols') ?? '[]') as string[];
      if (symbols.some((s) => !state.prices.has(s))) return json(400, { code: -1121, msg: 'Invalid symbol.' });
      return json(200, symbols.map((symbol) => ({ symbol, price: state.prices.get(symbol) })));
    }
    if (url.pathname === '/api/v3/klines' && url.searchParams.get('symbol') === 'BTCUSDT' && url.searchParams.get('interval') === '5m') {
      const limit = Number(url.searchParams.get('limit') ?? '500');
      const startTime = url.searchParams.get('startTime');
      const known = fiveMinute.filter((r) => r[0] <= clock.now);
      const rows = startTime === null ? known.slice(-limit) : known.filter((r) => r[0] >= Number(startTime)).slice(0, limit);
      return json(200, rows);
    }
    return json(400, { code: -1121, msg: 'Invalid symbol.' });
  });
  return { state, server };
}

let server: Server | undefined;
let feed: LiveFeed | undefined;

async function setup(overrides: Partial<LiveFeedOptions> = {}) {
  const clock = { now: fiveMinute[1500]![0] + 60_000 };
  const market = fakeMarketData(clock);
  server = market.server;
  await new Promise<void>((resolve) => market.server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(market.server.address() as AddressInfo).port}`;
  feed = createLiveFeed({
    symbols: ['BTCUSDT'],
    intervals: ['5m'],
    baseUrl,
    logger,
    now: () => clock.now,
    pollMs: 3_600_000,
    confirmDelayMs: 0,
    backoffMs: 1,
    ...overrides,
  });
  return { clock, market: market.state, feed };
}

afterEach(async () => {
  await feed?.close();
  server?.closeAllConnections();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  feed = undefined;
  server = undefined;
});

describe('live feed', () => {
  it('seeds candles and the price at start, with one ticker request for all symbols', async () => {
    const { market, feed } = await setup();
    await feed.start();

    expect(feed.price('BTCUSDT')).toBe('69010.01');
    const rows = feed.klines('BTCUSDT', '5m', { limit: 1000 });
    expect(rows).toHaveLength(1000);
    expect(rows.slice(0, -1)).toEqual(fiveMinute.slice(501, 1500));
    // The last seeded row was forming: it now follows the polled price, volume as the exchange counted it.
    const forming = rows[999]!;
    expect(forming[0]).toBe(fiveMinute[1500]![0]);
    expect(forming[4]).toBe('69010.01000000');
    expect(forming[3]).toBe('69010.01000000');
    expect(forming[5]).toBe(fiveMinute[1500]![5]);
    // 15m and 1h are aggregated from 5m.
    expect(feed.klines('BTCUSDT', '1h', { limit: 1 })[0]?.[0]).toBe(Math.floor(fiveMinute[1500]![0] / 3_600_000) * 3_600_000);
    expect(market.requests.filter((r) => r.startsWith('/api/v3/ticker/price'))).toHaveLength(1);
  });

  it('asks for every symbol in one ticker request', async () => {
    const { market, feed } = await setup({ symbols: ['BTCUSDT', 'ETHUSDT'], intervals: [] });
    await feed.start();
    expect(market.requests).toEqual([`/api/v3/ticker/price?symbols=${encodeURIComponent('["BTCUSDT","ETHUSDT"]')}`]);
    expect(feed.price('ETHUSDT')).toBe(lastPrice('ETHUSDT').replace(/\.?0+$/, ''));
  });

  it('ticks on a price change and announces a closed candle with the exchange candle', async () => {
    const { clock, market, feed } = await setup();
    await feed.start();
    const ticks: PriceTick[] = [];
    const closes: CandleClose[] = [];
    feed.onTick((t) => ticks.push(t));
    feed.onCandleClose((c) => closes.push(c));

    expect(await feed.poll()).toBe(true);
    expect(ticks).toEqual([]);

    clock.now = fiveMinute[1501]![0] + 10_000;
    market.prices.set('BTCUSDT', '70000.5');
    expect(await feed.poll()).toBe(true);
    await feed.settled();

    expect(ticks).toEqual([{ symbol: 'BTCUSDT', price: '70000.5', time: clock.now }]);
    const fiveMinuteCloses = closes.filter((c) => c.interval === '5m');
    // Polling saw two prices in that candle; the exchange's candle has the real high, low and volume.
    expect(fiveMinuteCloses.map((c) => c.kline)).toEqual([fiveMinute[1500]]);
    expect(feed.klines('BTCUSDT', '5m', { limit: 2 })).toEqual([fiveMinute[1500], [fiveMinute[1501]![0], '70000.50000000', '70000.50000000', '70000.50000000', '70000.50000000', '0.00000000', fiveMinute[1501]![6], '0.00000000', 0, '0.00000000', '0.00000000', '0']]);
  });

  it('retries a failed poll a bounded number of times and keeps the last price when it gives up', async () => {
    const { market, feed } = await setup({ attempts: 3 });
    await feed.start();
    const before = market.requests.length;

    market.prices.set('BTCUSDT', '1.5');
    market.tickerFaults.push(500, 503);
    expect(await feed.poll()).toBe(true);
    expect(feed.price('BTCUSDT')).toBe('1.5');
    expect(market.requests.length - before).toBe(3);

    market.prices.set('BTCUSDT', '2');
    market.tickerFaults.push(500, 500, 500);
    expect(await feed.poll()).toBe(false);
    expect(feed.price('BTCUSDT')).toBe('1.5');
    expect(market.requests.length - before).toBe(6);
  });

  it('pauses polling until Retry-After after a 429', async () => {
    const { clock, market, feed } = await setup();
    await feed.start();
    market.tickerFaults.push({ status: 429, retryAfter: '30' });
    const before = market.requests.length;
    expect(await feed.poll()).toBe(false);
    expect(market.requests.length - before).toBe(1);

    expect(await feed.poll()).toBe(false);
    expect(market.requests.length - before).toBe(1);

    clock.now += 30_000;
    expect(await feed.poll()).toBe(true);
    expect(market.requests.length - before).toBe(2);
  });

  it('fails to start with a clear reason: timeouts, and an invalid symbol (not retried)', async () => {
    const hanging = await setup({ timeoutMs: 100, attempts: 2, intervals: [] });
    hanging.market.tickerFaults.push('hang', 'hang');
    await expect(hanging.feed.start()).rejects.toThrow(/could not load prices for BTCUSDT: \/api\/v3\/ticker\/price failed: timed out after 100 ms \(gave up after 2 attempts\)/);
    await feed!.close();
    server!.closeAllConnections();
    await new Promise((resolve) => server!.close(resolve));

    const invalid = await setup({ symbols: ['NOPEUSDT'], intervals: [] });
    await expect(invalid.feed.start()).rejects.toThrow('/api/v3/ticker/price answered 400: -1121 Invalid symbol.');
    expect(invalid.market.requests).toHaveLength(1);
  });
});
