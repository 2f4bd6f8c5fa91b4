/**
 * The shared all-symbols ticker, counted where it matters: at a real HTTP server (the Binance
 * stub on loopback) reached by the real REST client. 100 concurrent /top renders must cost the
 * exchange one weight-80 request; a refresh happens at most once per 30 s, failed ones included;
 * a failed refresh serves the last snapshot, marked stale, for at most 5 minutes.
 *
 * The clock the cache reads is a variable the test moves (the TTL is what is under test, not the
 * passage of time); the HTTP traffic is real.
 */
import { Registry, type Counter } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createExchangeInfoCache } from '../../src/binance/exchange-info-cache.js';
import { createRestClient, type RestClient } from '../../src/binance/rest-client.js';
import type { Ticker24h } from '../../src/binance/types.js';
import { renderTop, type TopRequest } from '../../src/bot/features/top.js';
import { ExchangeError, isAppError } from '../../src/errors.js';
import { createLogger } from '../../src/logger.js';
import { createTickerCache } from '../../src/market/ticker-cache.js';
import { startBinanceStub, type BinanceStub } from '../support/binance-stub-server.js';
import { EXCHANGE_INFO_FIXTURES, fixture, TICKER_FIXTURE } from '../support/fixtures.js';

const TICKER_ROUTE = 'GET /api/v3/ticker/24hr';
const EXCHANGE_INFO_ROUTE = 'GET /api/v3/exchangeInfo';
const tickers = fixture<Ticker24h[]>(TICKER_FIXTURE);
const logger = createLogger({ level: 'silent' });

let stub: BinanceStub;
let client: RestClient;
let clock: number;
const now = () => clock;

beforeEach(async () => {
  stub = await startBinanceStub({ apiKey: 'unused-public-endpoints-only', apiSecret: 'unused-public-endpoints-only' });
  // The real mainnet payloads; the ticker answer takes 100 ms so that concurrent callers overlap it.
  stub.route(TICKER_ROUTE, { body: tickers, delayMs: 100 });
  stub.route(EXCHANGE_INFO_ROUTE, { body: fixture(EXCHANGE_INFO_FIXTURES.mainnet2023SymbolsOnly) });
  client = createRestClient({ baseUrl: stub.url, logger, clockRefreshMs: 0, readRetries: 0 });
  clock = Date.UTC(2024, 2, 10, 2, 48);
});

afterEach(async () => {
  await client.close();
  await stub.close();
});

const tickerRequests = () => stub.requestsTo(TICKER_ROUTE).length;

async function outcomes(registry: Registry): Promise<Record<string, number>> {
  const metric = registry.getSingleMetric('binance_chatops_ticker_cache_requests_total') as Counter<'outcome'>;
  const { values } = await metric.get();
  return Object.fromEntries(values.map((v) => [String(v.labels.outcome), v.value]));
}

describe('ticker cache', () => {
  it('answers 100 concurrent /top requests with one upstream ticker request', async () => {
    const registry = new Registry();
    const cache = createTickerCache({ exchange: client, now, logger, registry });
    const exchangeInfo = createExchangeInfoCache({ load: () => client.exchangeInfo(), logger, now });
    const market = { tickers: cache, exchangeInfo, minQuoteVolume: '100000' };
    const requests: TopRequest[] = Array.from({ length: 100 }, (_, i) => ({
      by: (['gainers', 'losers', 'volume'] as const)[i % 3]!,
      limit: 1 + (i % 50),
      quote: i % 10 === 0 ? 'BTC' : 'USDT',
    }));

    const pages = await Promise.all(requests.map((request) => renderTop(market, request)));

    expect(tickerRequests()).toBe(1);
    expect(stub.requestsTo(EXCHANGE_INFO_ROUTE)).toHaveLength(1);
    expect(pages[3]).toContain('<b>Top 4 gainers · USDT</b>');
    expect(pages[3]).toContain('1. <b>IQUSDT</b> +68.34% · 0.016541 · vol 89.4M');
    expect(pages[0]).toContain('1. <b>CTXCBTC</b> +34.19%');
    // Same request, same answer: everyone read the one snapshot.
    for (let i = 0; i < requests.length; i++) {
      for (let j = i + 1; j < requests.length; j++) {
        if (JSON.stringify(requests[i]) === JSON.stringify(requests[j])) expect(pages[j]).toBe(pages[i]);
      }
    }
    expect(await outcomes(registry)).toEqual({ fetched: 1, shared: 99 });

    // Later requests within the TTL are served from memory.
    await Promise.all(requests.slice(0, 20).map((request) => renderTop(market, request)));
    expect(tickerRequests()).toBe(1);
    expect((await outcomes(registry)).hit).toBe(20);
  });

  it('refreshes at most once per 30 s', async () => {
    const cache = createTickerCache({ exchange: client, now, logger });
    const first = await cache.get();
    expect(first).toMatchObject({ fetchedAt: clock, stale: false });
    expect(first.tickers).toHaveLength(2519);

    clock += 29_999;
    await Promise.all(Array.from({ length: 50 }, () => cache.get()));
    expect(tickerRequests()).toBe(1);

    clock += 1;
    const refreshed = await Promise.all(Array.from({ length: 50 }, () => cache.get()));
    expect(tickerRequests()).toBe(2);
    expect(new Set(refreshed.map((s) => s.fetchedAt))).toEqual(new Set([clock]));
  });

  it('serves the last snapshot, marked stale, while refreshes fail, and no longer than 5 minutes', async () => {
    const cache = createTickerCache({ exchange: client, now, logger });
    const start = clock;
    await cache.get();
    stub.route(TICKER_ROUTE, { status: 503, raw: '<html><body>503 Service Unavailable</body></html>' });

    clock = start + 30_000;
    const during = await Promise.all(Array.from({ length: 20 }, () => cache.get()));
    expect(tickerRequests()).toBe(2); // one failed attempt for all twenty
    for (const snapshot of during) expect(snapshot).toMatchObject({ stale: true, fetchedAt: start });
    expect(during[0]!.tickers).toHaveLength(2519);

    // Inside the same 30 s window no new attempt is made: the exchange is not hammered.
    clock = start + 59_999;
    expect(await cache.get()).toMatchObject({ stale: true, fetchedAt: start });
    expect(tickerRequests()).toBe(2);

    clock = start + 60_000;
    expect(await cache.get()).toMatchObject({ stale: true });
    expect(tickerRequests()).toBe(3);

    // Past 5 minutes the old ranking is not shown; the trader gets the exchange's sentence.
    clock = start + 300_001;
    const error = await cache.get().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(tickerRequests()).toBe(4);
    expect(error).toBeInstanceOf(ExchangeError);
    expect(isAppError(error) && error.code).toBe('EXCHANGE_UNAVAILABLE');

    // Within that window the failure is answered without a request; after it, recovery.
    await expect(cache.get()).rejects.toBeInstanceOf(ExchangeError);
    expect(tickerRequests()).toBe(4);
    stub.route(TICKER_ROUTE, { body: tickers });
    clock = start + 330_001;
    expect(await cache.get()).toMatchObject({ stale: false, fetchedAt: clock });
    expect(tickerRequests()).toBe(5);
    expect(cache.peek()).toMatchObject({ stale: false, fetchedAt: clock });
  });

  it('holds the next attempt until the Retry-After of a 429', async () => {
    const cache = createTickerCache({ exchange: client, now, logger });
    await cache.get();
    stub.route(TICKER_ROUTE, { status: 429, body: { code: -1003, msg: 'Too many requests.' }, headers: { 'Retry-After': '120' } });
    clock += 30_000;
    expect(await cache.get()).toMatchObject({ stale: true });
    expect(tickerRequests()).toBe(2);
    // 30 s later the TTL alone would allow a request; the exchange said 120 s.
    clock += 30_000;
    expect(await cache.get()).toMatchObject({ stale: true });
    clock += 60_000;
    expect(await cache.get()).toMatchObject({ stale: true });
    expect(tickerRequests()).toBe(2);
  });
});
