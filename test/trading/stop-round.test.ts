/**
 * Sharing: 1,000 fractal stops over 200 (symbol, interval) pairs — 50 USDT pairs of the
 * simulator's exchangeInfo × 4 intervals × 5 stops — make exactly 200 klines requests in one
 * evaluation round, counted at the simulator. Prices are the symbols' last prices in the real
 * 2024-03-10 ticker capture; the candles are the real BTCUSDT captures (rescaled per symbol would
 * change nothing the test checks). The round's duration is printed, not asserted (bench/ times it).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import type { Ticker24h } from '../../src/binance/types.js';
import { floorToStep, mul, normalize } from '../../src/decimal.js';
import { bundledExchangeInfo } from '../../src/sim/engine/symbol-catalog.js';
import type { ProgrammaticFeed } from '../../src/sim/types.js';
import type { StopInterval } from '../../src/trading/stops/stop-intervals.js';
import { fixture, TICKER_FIXTURE } from '../support/fixtures.js';
import { startStopHarness, TRADER, type StopHarness } from './stop-harness.js';
import { capturedRows } from './stop-scenario.js';

const INTERVALS: StopInterval[] = ['15m', '1h', '4h', '1d'];
const STOPS_PER_PAIR = 5;

describe('one evaluation round', () => {
  let h: StopHarness<ProgrammaticFeed> | undefined;
  afterAll(() => h?.close());

  it('makes one klines request per (symbol, interval): 200 for 1,000 stops', async () => {
    const last = new Map(fixture<Ticker24h[]>(TICKER_FIXTURE).map((t) => [t.symbol, t.lastPrice]));
    const symbols = bundledExchangeInfo()
      .symbols.filter((s) => s.quoteAsset === 'USDT' && s.orderTypes.includes('STOP_LOSS_LIMIT') && Number(last.get(s.symbol) ?? 0) > 0)
      .slice(0, 50);
    expect(symbols).toHaveLength(50);
    const prices = Object.fromEntries(symbols.map((s) => [s.symbol, normalize(last.get(s.symbol)!)]));
    h = await startStopHarness<ProgrammaticFeed>({ sim: { prices, symbols: Object.keys(prices), balances: { USDT: '1000' } }, startManager: false });
    for (const s of symbols) {
      for (const interval of INTERVALS) h.sim.feed.loadKlines(s.symbol, interval, capturedRows(interval as '15m' | '1h' | '4h' | '1d'));
      h.sim.feed.setPrice(s.symbol, prices[s.symbol]!);
    }

    let n = 0;
    for (const s of symbols) {
      const tick = s.filters.find((f) => f.filterType === 'PRICE_FILTER')!.tickSize;
      for (const interval of INTERVALS) {
        for (let k = 0; k < STOPS_PER_PAIR; k++) {
          const stopPrice = normalize(floorToStep(mul(prices[s.symbol]!, '0.9'), tick));
          await h.store.create({
            id: randomBytes(12).toString('base64url'),
            kind: 'fractal',
            symbol: s.symbol,
            interval,
            userId: TRADER.userId,
            chatId: TRADER.chatId,
            quantity: '1',
            entryPrice: prices[s.symbol]!,
            entrySource: 'price',
            // Armed after the captured candles: no fractal formed since, so every stop holds and the
            // round is the reads and the rule, as at most closes.
            armedAt: Date.now(),
            createdAt: Date.now(),
            status: 'active',
            stopPrice,
            limitPrice: stopPrice,
            orderId: ++n,
            clientOrderId: `bst-bench${n}`,
            orders: 1,
          });
        }
      }
    }
    expect(await h.store.pairs()).toHaveLength(200);

    const klines = () => h!.requests('GET', '/api/v3/klines');
    const before = klines();
    const round = await h.manager.evaluateAll();
    expect(klines() - before).toBe(200);
    expect(round).toMatchObject({ pairs: 200, stops: 1000, moved: 0 });
    expect(round.evaluations.every((e) => e.stops === STOPS_PER_PAIR && e.failed === 0 && e.skipped === undefined)).toBe(true);
    expect(h.requests('POST', '/api/v3/order/cancelReplace') + h.requests('POST', '/api/v3/order')).toBe(0);

    // The next close of every pair, with connections and caches warm: what a worker does at each close.
    for (const s of symbols) for (const interval of INTERVALS) h.sim.feed.closeCandle(s.symbol, interval);
    const cpu = process.cpuUsage();
    const next = await h.manager.evaluateAll();
    const cpuMs = (({ user, system }) => (user + system) / 1000)(process.cpuUsage(cpu));
    expect(klines() - before).toBe(400);
    expect(next).toMatchObject({ pairs: 200, stops: 1000, moved: 0 });
    expect(next.evaluations.reduce((n, e) => n + e.held, 0)).toBe(1000);
    console.log(`evaluation round, 1,000 stops over 200 pairs, 200 klines requests: cold ${round.durationMs.toFixed(0)} ms, warm ${next.durationMs.toFixed(0)} ms (${cpuMs.toFixed(0)} ms CPU in this process, the simulator serving the klines included)`);
  });
});
