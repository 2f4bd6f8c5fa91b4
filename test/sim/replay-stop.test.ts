/**
 * A STOP_LOSS_LIMIT sell on real recorded candles (fixtures/klines, BTCUSDT 1h, 2025-09..11):
 * it rests through every candle whose low stays above its stop and fills at its limit in the
 * first candle whose low reaches the stop, where it becomes a limit order that takes the modelled
 * book's bid around the stop (a taker fill near the stop, never below its limit).
 */
import { afterEach, describe, expect, test } from 'vitest';
import { div, floorToStep, gte, lte, mul, sub } from '../../src/decimal.js';
import { createLogger } from '../../src/logger.js';
import { createReplayFeed } from '../../src/sim/feeds/replay-feed.js';
import type { ReplayFeed } from '../../src/sim/types.js';
import { fixtureRows } from '../support/klines.js';
import { simRequest, startTestSimulator, type TestSimulator } from '../support/simulator.js';

const hourly = fixtureRows('objects1h');
const START = 100;

describe('a stop-limit on a replay', () => {
  let sim: TestSimulator<ReplayFeed> | undefined;
  afterEach(() => sim?.close());

  test('rests until the first candle whose low crosses the stop, then sells at the bid near the stop as a taker', async () => {
    const logger = createLogger({ level: 'silent' });
    // Real time (speed 1): the next recorded point is 20 minutes away, so only the test's steps move the replay.
    const feed = createReplayFeed({ series: { BTCUSDT: hourly }, speed: 1, logger, startIndex: START });
    sim = await startTestSimulator({ feed, logger, balances: { BTC: '1' } });

    // Stop 2 % under the last close before the replay, on the tick; limit 50 USDT under the stop.
    const stop = floorToStep(mul(hourly[START - 1]![4], '0.98'), '0.01');
    const limit = sub(stop, '50');
    const crossing = hourly.findIndex((row, i) => i >= START && lte(row[3], stop));
    expect(crossing).toBeGreaterThan(START); // the fixture holds a few quiet candles first

    const placed = await simRequest<{ orderId: number }>(sim, 'POST', '/api/v3/order', {
      symbol: 'BTCUSDT', side: 'SELL', type: 'STOP_LOSS_LIMIT', timeInForce: 'GTC',
      quantity: '0.01', stopPrice: stop, price: limit, newOrderRespType: 'RESULT',
    });
    expect(placed.status).toBe(200);
    const status = async () =>
      (await simRequest<{ status: string; executedQty: string; cummulativeQuoteQty: string }>(sim!, 'GET', '/api/v3/order', {
        symbol: 'BTCUSDT', orderId: placed.body.orderId,
      })).body;

    // Candle START's open was applied when the simulator started the feed; step the rest of it.
    expect(feed.step()).toBe(true);
    for (let i = START + 1; i < crossing; i++) {
      expect((await status()).status).toBe('NEW');
      expect(feed.step()).toBe(true);
    }
    expect(await status()).toMatchObject({ status: 'NEW', executedQty: '0.00000000' });
    expect(sim.control.balances().BTC).toEqual({ free: '0.99', locked: '0.01' });

    expect(feed.step()).toBe(true); // the crossing candle
    const filled = await status();
    expect(filled).toMatchObject({ status: 'FILLED', executedQty: '0.01000000' });
    const price = div(filled.cummulativeQuoteQty, '0.01', 8);
    // At or below the stop (the bid under it), above the limit, within 0.05 % of the stop.
    expect(lte(price, stop) && gte(price, limit) && gte(price, mul(stop, '0.9995'))).toBe(true);
    const fill = mul(price, '0.01');
    expect(sim.control.balances().USDT!.free).toBe(sub(fill, mul(fill, '0.001')));
    expect(sim.control.balances().BTC).toEqual({ free: '0.99', locked: '0' });
  });
});
