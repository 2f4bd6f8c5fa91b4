/**
 * ccxt (public market data and, with keys and without the /sapi reads, spot orders) against the
 * simulator: every request it makes must pass the strict parameter check (-1104) and read
 * Binance-shaped answers: OHLCV at its default 1m interval dated now, the order book, tickers.
 */
import ccxt from 'ccxt';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { createReplayFeed } from '../../src/sim/feeds/replay-feed.js';
import type { ReplayFeed } from '../../src/sim/types.js';
import { fixtureRows } from '../support/klines.js';
import { startTestSimulator, type TestSimulator } from '../support/simulator.js';

describe('ccxt on a replayed market', () => {
  let sim: TestSimulator<ReplayFeed>;
  let exchange: InstanceType<typeof ccxt.binance>;
  beforeAll(async () => {
    const logger = createLogger({ level: 'silent' });
    const feed = createReplayFeed({ series: { BTCUSDT: fixtureRows('objects1h') }, speed: 1, logger, startIndex: 100, restampTo: Date.now() });
    sim = await startTestSimulator({ feed, logger, balances: { USDT: '10000' } });
    exchange = new ccxt.binance({
      apiKey: sim.apiKey,
      secret: sim.apiSecret,
      // Spot only here: the /sapi reads ccxt makes with keys are covered by third-party-client.test.ts.
      options: { fetchMarkets: { types: ['spot'] }, fetchMargins: false, fetchCurrencies: false },
    });
    const api = exchange.urls.api as Record<string, string>;
    for (const key of ['public', 'private', 'v1', 'v3']) if (key in api) api[key] = `${sim.restUrl}/api/${key === 'v1' ? 'v1' : 'v3'}`;
  });
  afterAll(() => sim.close());

  test('OHLCV (1m, derived), order book, ticker: no -1104, dated now', async () => {
    await exchange.loadMarkets();
    const since = Date.now() - 3_600_000;
    const candles = await exchange.fetchOHLCV('BTC/USDT', '1m', since);
    expect(candles.length).toBeGreaterThanOrEqual(59);
    expect(candles[0]![0]).toBeGreaterThanOrEqual(since);
    const book = await exchange.fetchOrderBook('BTC/USDT', 5);
    expect(book.bids[0]![0]).toBeLessThan(book.asks[0]![0]!);
    const ticker = await exchange.fetchTicker('BTC/USDT');
    expect(Math.abs((ticker.timestamp ?? 0) - Date.now())).toBeLessThan(5_000);
    expect(ticker.bid).toBe(book.bids[0]![0]);
  });

  test('a market order with the default options passes the strict parameter check', async () => {
    const order = await exchange.createOrder('BTC/USDT', 'market', 'buy', 0.001);
    expect(order.status).toBe('closed');
    expect(order.filled).toBe(0.001);
  });
});
