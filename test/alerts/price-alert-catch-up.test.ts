/**
 * The 1s-candle check of a level alert that reached a live symbol's index after the updates the
 * watch keeps (price-alert-catch-up.ts `crossedSince`). The paper exchange cuts its 1s candles
 * out of coarser ones along a fixed path, so it cannot say when in a minute a price traded: the
 * exchange here answers given 1s candles, as Binance does.
 */
import { describe, expect, it } from 'vitest';
import { createPriceAlertCatchUp } from '../../src/alerts/price-alert-catch-up.js';
import { createPriceAlertIndex } from '../../src/alerts/price-alert-index.js';
import type { PriceAlert } from '../../src/alerts/price-alert-types.js';
import type { Kline } from '../../src/binance/types.js';

const T = 1_780_000_000_000;
const second = (at: number, high: string, low: string): Kline => ({ openTime: at, open: low, high, low, close: low, volume: '1', closeTime: at + 999, quoteVolume: '1', trades: 1 });
const alert = (condition: PriceAlert['condition']): PriceAlert => ({ id: '9', userId: 1, chatId: 1, symbol: 'BTCUSDT', condition, repeat: false, createdAt: T, gen: 0, armed: true, armedAt: T });

function catchUpAnswering(seconds: Kline[]) {
  const asked: Array<Record<string, unknown>> = [];
  const catchUp = createPriceAlertCatchUp({
    exchange: {
      klines: async (_symbol, interval, query) => {
        asked.push({ interval, ...query });
        return seconds;
      },
    },
    store: { readSeen: async () => new Map() },
    index: createPriceAlertIndex({ now: () => T }),
    handle: () => undefined,
    isWatched: () => true,
  });
  return { catchUp, asked };
}

describe('price alert catch-up: crossed since arming, by 1s candles', () => {
  it('finds the first second from the arming that reached the level, not one before it, and reads the whole span', async () => {
    const { catchUp, asked } = catchUpAnswering([
      second(T - 1_000, '101', '99'), // before the arming: does not count
      second(T, '99.9', '99'),
      second(T + 1_000, '100.4', '99.5'),
      second(T + 2_000, '100.9', '100'),
    ]);
    expect(await catchUp.crossedSince(alert({ kind: 'above', level: '100' }), T + 90_000)).toEqual({ price: '100.4', at: T + 1_000 });
    expect(asked).toEqual([{ interval: '1s', startTime: T, endTime: T + 90_000, limit: 91 }]);
    expect(await catchUp.crossedSince(alert({ kind: 'below', level: '98' }), T + 3_000)).toBeUndefined();
    expect(await catchUp.crossedSince(alert({ kind: 'above', level: '100' }), T + 5_000_000)).toBeDefined();
    expect(asked.at(-1)!.limit).toBe(1_000); // Binance's most per request
  });
});
