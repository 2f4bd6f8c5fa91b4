/**
 * The market a client sees on a replay of real candles (fixtures/klines, BTCUSDT 1h 2025-09..11):
 * re-stamped to the present, every kline interval, a modelled book with a spread and depth
 * (GET /api/v3/depth, /ticker/bookTicker, /ticker/24hr agree), MARKET orders that walk it and
 * slip with size, the rolling-window ticker, and a triggered stop-limit that takes the book as a
 * taker. Over HTTP and the WebSocket API's user data stream.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { add, div, gt, lt } from '../../src/decimal.js';
import { createLogger } from '../../src/logger.js';
import { createReplayFeed } from '../../src/sim/feeds/replay-feed.js';
import type { ReplayFeed } from '../../src/sim/types.js';
import { fixtureRows } from '../support/klines.js';
import { simRequest, startTestSimulator, type TestSimulator } from '../support/simulator.js';
import { subscribeUserStream } from './user-stream-helper.js';
import { connectClient } from './ws-test-client.js';

type Depth = { lastUpdateId: number; bids: [string, string][]; asks: [string, string][] };
type Fill = { price: string; qty: string };

describe('a replayed market', () => {
  let sim: TestSimulator<ReplayFeed>;
  beforeAll(async () => {
    const logger = createLogger({ level: 'silent' });
    // Speed 1 and re-stamped: feed time is the wall clock, the replay's candle 100 is the hour open now.
    const feed = createReplayFeed({ series: { BTCUSDT: fixtureRows('objects1h') }, speed: 1, logger, startIndex: 100, restampTo: Date.now() });
    sim = await startTestSimulator({ feed, logger, balances: { USDT: '1000000', BTC: '10' } });
  });
  afterAll(() => sim.close());

  test('re-stamped to the present: /time agrees with the candles, the last hour has 1m candles', async () => {
    const time = (await simRequest<{ serverTime: number }>(sim, 'GET', '/api/v3/time')).body.serverTime;
    expect(Math.abs(time - Date.now())).toBeLessThan(2000);
    const startTime = time - 3_600_000;
    const minutes = (await simRequest<Array<[number, ...unknown[]]>>(sim, 'GET', '/api/v3/klines', { symbol: 'BTCUSDT', interval: '1m', startTime, limit: 1000 })).body;
    expect(minutes.length).toBeGreaterThanOrEqual(59);
    expect(minutes[0]![0]).toBeGreaterThanOrEqual(startTime);
    expect(minutes.at(-1)![0]).toBeLessThanOrEqual(time);
    const [hour] = (await simRequest<Array<[number, string, string, string, string, string, number]>>(sim, 'GET', '/api/v3/klines', { symbol: 'BTCUSDT', interval: '1h', limit: 1 })).body;
    expect(hour![0]).toBeLessThanOrEqual(time);
    expect(hour![6]).toBeGreaterThanOrEqual(time);
    const ticker = (await simRequest<{ closeTime: number }>(sim, 'GET', '/api/v3/ticker/24hr', { symbol: 'BTCUSDT' })).body;
    expect(Math.abs(ticker.closeTime - time)).toBeLessThan(2000);
  });

  test('every interval is served, finer ones derived from the hours', async () => {
    for (const interval of ['1s', '1m', '3m', '5m', '15m', '30m', '1h', '2h', '4h', '6h', '8h', '12h', '1d', '1w', '1M']) {
      const rows = (await simRequest<unknown[]>(sim, 'GET', '/api/v3/klines', { symbol: 'BTCUSDT', interval, limit: 3 })).body;
      expect(rows.length, interval).toBeGreaterThan(0);
    }
  });

  test('the book: bid < ask with depth, /depth limits and weights as Binance, bookTicker and 24hr agree', async () => {
    const res = await simRequest<Depth>(sim, 'GET', '/api/v3/depth', { symbol: 'BTCUSDT' });
    expect(res.status).toBe(200);
    const { bids, asks } = res.body;
    expect(bids).toHaveLength(100);
    expect(asks).toHaveLength(100);
    expect(lt(bids[0]![0], asks[0]![0])).toBe(true);
    for (let i = 1; i < 100; i++) {
      expect(gt(bids[i - 1]![0], bids[i]![0])).toBe(true);
      expect(lt(asks[i - 1]![0], asks[i]![0])).toBe(true);
    }
    expect(bids.every(([, q]) => gt(q, '0'))).toBe(true);
    const weight = (r: { headers: Headers }) => Number(r.headers.get('x-mbx-used-weight-1m'));
    const w0 = weight(res);
    const r500 = await simRequest<Depth>(sim, 'GET', '/api/v3/depth', { symbol: 'BTCUSDT', limit: 500 });
    expect(r500.body.bids).toHaveLength(500);
    expect(weight(r500) - w0).toBe(25);
    const r6000 = await simRequest<Depth>(sim, 'GET', '/api/v3/depth', { symbol: 'BTCUSDT', limit: 6000 });
    expect(r6000.body.asks).toHaveLength(5000);
    expect(weight(r6000) - weight(r500)).toBe(250);

    const top = (await simRequest<Record<string, string>>(sim, 'GET', '/api/v3/ticker/bookTicker', { symbol: 'BTCUSDT' })).body;
    expect(top).toEqual({ symbol: 'BTCUSDT', bidPrice: bids[0]![0], bidQty: bids[0]![1], askPrice: asks[0]![0], askQty: asks[0]![1] });
    const t24 = (await simRequest<Record<string, string>>(sim, 'GET', '/api/v3/ticker/24hr', { symbol: 'BTCUSDT' })).body;
    expect([t24.bidPrice, t24.askPrice]).toEqual([top.bidPrice, top.askPrice]);
  });

  test('a MARKET BUY walks the asks: a larger one slips further, every fill at a level of the book', async () => {
    const asks = (await simRequest<Depth>(sim, 'GET', '/api/v3/depth', { symbol: 'BTCUSDT', limit: 1000 })).body.asks;
    const small = (await simRequest<{ fills: Fill[] }>(sim, 'POST', '/api/v3/order', { symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: '0.001' })).body;
    expect(small.fills.map((f) => f.price)).toEqual([asks[0]![0]]);
    const big = (await simRequest<{ fills: Fill[]; status: string; cummulativeQuoteQty: string; executedQty: string }>(sim, 'POST', '/api/v3/order', {
      symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: '5',
    })).body;
    expect(big.status).toBe('FILLED');
    expect(big.fills.length).toBeGreaterThan(1);
    const levels = new Map(asks.map(([p, q]) => [p, q]));
    for (const f of big.fills) expect(levels.has(f.price), f.price).toBe(true);
    expect(big.fills.map((f) => f.price)).toEqual([...big.fills.map((f) => f.price)].sort((a, b) => (lt(a, b) ? -1 : 1)));
    const average = div(big.cummulativeQuoteQty, big.executedQty, 8);
    expect(gt(average, small.fills[0]!.price)).toBe(true);
    expect(big.fills.reduce((n, f) => add(n, f.qty), '0')).toBe('5');
  });

  test('symbolStatus on depth and tickers: -1220 for one symbol that does not match, a list filtered, -1122 for junk', async () => {
    expect((await simRequest<Depth>(sim, 'GET', '/api/v3/depth', { symbol: 'BTCUSDT', limit: 5, symbolStatus: 'TRADING' })).body.bids).toHaveLength(5);
    for (const path of ['/api/v3/depth', '/api/v3/ticker/24hr', '/api/v3/ticker/price', '/api/v3/ticker/bookTicker', '/api/v3/ticker']) {
      const res = await simRequest(sim, 'GET', path, { symbol: 'BTCUSDT', symbolStatus: 'HALT' });
      expect({ path, status: res.status, body: res.body }).toEqual({
        path, status: 400, body: { code: -1220, msg: "The symbol's status does not match the requested symbolStatus." },
      });
    }
    expect((await simRequest(sim, 'GET', '/api/v3/ticker/price', { symbolStatus: 'BREAK' })).body).toEqual([]);
    expect((await simRequest<unknown[]>(sim, 'GET', '/api/v3/ticker/24hr', { symbolStatus: 'TRADING' })).body).toHaveLength(1);
    expect((await simRequest(sim, 'GET', '/api/v3/ticker/bookTicker', { symbolStatus: 'OPEN' })).body).toEqual({ code: -1122, msg: 'Invalid symbolStatus.' });
  });

  test('GET /api/v3/ticker: the rolling window, FULL and MINI, windowSize checked', async () => {
    const now = Date.now();
    const mini = (await simRequest<Record<string, unknown>>(sim, 'GET', '/api/v3/ticker', { symbol: 'BTCUSDT', windowSize: '1h', type: 'MINI' })).body;
    expect(Object.keys(mini)).toEqual(['symbol', 'openPrice', 'highPrice', 'lowPrice', 'lastPrice', 'volume', 'quoteVolume', 'openTime', 'closeTime', 'firstId', 'lastId', 'count']);
    expect(mini.openTime).toBe((mini.closeTime as number) - ((mini.closeTime as number) % 60_000) - 3_600_000);
    expect(Math.abs((mini.closeTime as number) - now)).toBeLessThan(2000);
    const full = (await simRequest<Array<Record<string, unknown>>>(sim, 'GET', '/api/v3/ticker', { symbols: '["BTCUSDT"]', windowSize: '7d' }));
    expect(full.body[0]).toHaveProperty('priceChangePercent');
    expect(full.headers.get('x-mbx-used-weight-1m')).toBeTruthy();
    for (const bad of ['1d2h', '60m', '8d', '0m']) {
      expect((await simRequest(sim, 'GET', '/api/v3/ticker', { symbol: 'BTCUSDT', windowSize: bad })).body).toMatchObject({ code: -1100 });
    }
  });
});

describe('a triggered STOP_LOSS_LIMIT takes the book', () => {
  let sim: TestSimulator;
  beforeAll(async () => {
    sim = await startTestSimulator({ balances: { USDT: '10000', BTC: '1' } });
  });
  afterAll(() => sim.close());

  test('taker fill at the bid where the price crossed the stop: m false, commission on the quote', async () => {
    const stream = await subscribeUserStream(sim);
    const placed = (await simRequest<{ orderId: number }>(sim, 'POST', '/api/v3/order', {
      symbol: 'BTCUSDT', side: 'SELL', type: 'STOP_LOSS_LIMIT', timeInForce: 'GTC', quantity: '0.1', price: '64900', stopPrice: '65000',
    })).body;
    sim.feed.setPrice('BTCUSDT', '64000');
    const trade = await stream.reportWhere((e) => e.i === placed.orderId && e.x === 'TRADE');
    // No candles here: a one-tick spread with the bid at the last price, i.e. at the stop.
    expect(trade).toMatchObject({ o: 'STOP_LOSS_LIMIT', X: 'FILLED', m: false, L: '65000.00000000', l: '0.10000000', N: 'USDT', n: '6.50000000' });
    stream.close();
  });

  test('a resting LIMIT that the price reaches fills at its limit as a maker (m true)', async () => {
    const stream = await subscribeUserStream(sim);
    const placed = (await simRequest<{ orderId: number; status: string }>(sim, 'POST', '/api/v3/order', {
      symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', timeInForce: 'GTC', quantity: '0.01', price: '63000',
    })).body;
    expect(placed.status).toBe('NEW');
    sim.feed.setPrice('BTCUSDT', '62990');
    expect(await stream.reportWhere((e) => e.i === placed.orderId && e.x === 'TRADE')).toMatchObject({ m: true, L: '63000.00000000' });
    stream.close();
  });
});

describe('market streams on a re-stamped replay', () => {
  test('<symbol>@kline_1m (derived from the hours) is dated now, not in 2025; derived intervals close', async () => {
    const logger = createLogger({ level: 'silent' });
    const feed = createReplayFeed({
      series: { BTCUSDT: fixtureRows('objects1h') }, speed: 1, logger, startIndex: 100, restampTo: Date.now(), autoAdvance: false,
    });
    const sim = await startTestSimulator({ feed, logger });
    try {
      const client = await connectClient(`${sim.streamUrl}/ws/btcusdt@kline_1m`);
      feed.step(); // the hour open now, walked
      const event = await client.next();
      const k = event.k as { t: number; T: number; i: string; s: string };
      expect(k).toMatchObject({ i: '1m', s: 'BTCUSDT' });
      expect(k.T - k.t).toBe(59_999);
      expect(Math.abs(k.t - Date.now())).toBeLessThan(2 * 3_600_000);
      client.ws.close();

      // A derived interval also closes: its candles are announced (k.x true) when the hour that holds them closes.
      const quarter = await connectClient(`${sim.streamUrl}/ws/btcusdt@kline_15m`);
      feed.step();
      const closed: Array<{ t: number; x: boolean }> = [];
      while (closed.length < 4) {
        const q = (await quarter.next()).k as { t: number; x: boolean };
        if (q.x) closed.push(q);
      }
      expect(closed.map((q) => q.t - closed[0]!.t)).toEqual([0, 900_000, 1_800_000, 2_700_000]);
      quarter.ws.close();
    } finally {
      await sim.close();
    }
  });
});
