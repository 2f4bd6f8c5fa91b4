import { describe, expect, it } from 'vitest';
import type { Kline } from '../../src/binance/types.js';
import { compare } from '../../src/decimal.js';
import { comparePrice } from '../../src/market/compare-price.js';
import {
  closedCandleCount,
  findFractals,
  latestBearishFractal,
  latestBullishFractal,
  type Fractal,
  type FractalCandle,
} from '../../src/market/fractals.js';
import { afterLastClose, fixtureCandles, type KlineFixture } from '../support/klines.js';

/**
 * The definition written out as plainly as possible (DESIGN.md §5): candle i is a bullish
 * fractal when its low is strictly lower than the low of every candle j in i-2..i+2, j ≠ i, all
 * of them closed. Exact decimal comparison from src/decimal.ts, no shortcut.
 */
function referenceFractals(candles: readonly Kline[], closedCount: number): { bullish: Fractal[]; bearish: Fractal[] } {
  const bullish: Fractal[] = [];
  const bearish: Fractal[] = [];
  for (let i = 0; i < closedCount; i++) {
    if (i - 2 < 0 || i + 2 > closedCount - 1) continue;
    let lowest = true;
    let highest = true;
    for (let j = i - 2; j <= i + 2; j++) {
      if (j === i) continue;
      if (compare(candles[i]!.low, candles[j]!.low) >= 0) lowest = false;
      if (compare(candles[i]!.high, candles[j]!.high) <= 0) highest = false;
    }
    const base = { index: i, openTime: candles[i]!.openTime, closeTime: candles[i]!.closeTime, confirmedAt: candles[i + 2]!.closeTime };
    if (lowest) bullish.push({ ...base, price: candles[i]!.low });
    if (highest) bearish.push({ ...base, price: candles[i]!.high });
  }
  return { bullish, bearish };
}

/** Candles from a list of lows (highs mirror them), one minute each: for the hand-made edge cases. */
function candlesFromLows(lows: string[]): FractalCandle[] {
  return lows.map((low, i) => ({ openTime: i * 60_000, closeTime: i * 60_000 + 59_999, low, high: low }));
}

const CAPTURES: KlineFixture[] = ['raw15m', 'raw5m', 'raw1d', 'objects1h', 'objects4h', 'objects1d'];

describe('findFractals on real candles', () => {
  it.each(CAPTURES)('%s: matches the reference computation', (name) => {
    const candles = fixtureCandles(name);
    const found = findFractals(candles, { now: afterLastClose(candles) });
    const expected = referenceFractals(candles, candles.length);
    expect(found).toEqual(expected);
    // Real candles pivot both ways every few dozen bars; an empty list would pass vacuously.
    expect(found.bullish.length).toBeGreaterThan(candles.length / 30);
    expect(found.bearish.length).toBeGreaterThan(candles.length / 30);
    for (const f of [...found.bullish, ...found.bearish]) expect(f.confirmedAt).toBe(candles[f.index + 2]!.closeTime);
  });

  it.each(CAPTURES)('%s: never uses the forming candle', (name) => {
    const candles = fixtureCandles(name);
    const last = candles[candles.length - 1]!;
    // Halfway through the last candle: it is still forming.
    const now = last.openTime + Math.floor((last.closeTime - last.openTime) / 2);
    const found = findFractals(candles, { now });
    expect(found).toEqual(referenceFractals(candles, candles.length - 1));
    for (const f of [...found.bullish, ...found.bearish]) {
      expect(f.index + 2).toBeLessThanOrEqual(candles.length - 2);
      expect(f.confirmedAt).toBeLessThan(now);
    }
    // The same candle flagged as not closed (the kline stream's `x: false`), whatever the clock says.
    const flagged: FractalCandle[] = [...candles.slice(0, -1), { ...last, closed: false }];
    expect(findFractals(flagged, { now: afterLastClose(candles) + 86_400_000 })).toEqual(found);
  });

  it('reports a fractal only once its second right-hand candle has closed', () => {
    const candles = fixtureCandles('objects4h');
    const all = findFractals(candles, { now: afterLastClose(candles) }).bullish;
    const pivot = all[Math.floor(all.length / 2)]!;
    const upToConfirmation = candles.slice(0, pivot.index + 3);
    const confirming = upToConfirmation[upToConfirmation.length - 1]!;

    // At the last millisecond of the second right-hand candle it is still open: no fractal yet.
    const before = findFractals(upToConfirmation, { now: confirming.closeTime });
    expect(before.bullish.map((f) => f.index)).not.toContain(pivot.index);
    expect(latestBullishFractal(upToConfirmation, { now: confirming.closeTime })?.index).not.toBe(pivot.index);

    const after = findFractals(upToConfirmation, { now: confirming.closeTime + 1 });
    expect(after.bullish[after.bullish.length - 1]).toEqual(pivot);
    expect(latestBullishFractal(upToConfirmation, { now: confirming.closeTime + 1 })).toEqual(pivot);
  });

  it('uses only the closed prefix when an open candle sits in the middle', () => {
    const candles = fixtureCandles('raw15m').slice(0, 60);
    const withGap: FractalCandle[] = candles.map((c, i) => (i === 30 ? { ...c, closed: false } : c));
    expect(closedCandleCount(withGap, afterLastClose(candles))).toBe(30);
    expect(findFractals(withGap, { now: afterLastClose(candles) })).toEqual(referenceFractals(candles, 30));
  });
});

describe('latestBullishFractal', () => {
  const candles = fixtureCandles('objects4h');
  const now = afterLastClose(candles);
  const all = findFractals(candles, { now }).bullish;

  it('is the newest bullish fractal', () => {
    expect(latestBullishFractal(candles, { now })).toEqual(all[all.length - 1]);
    expect(latestBearishFractal(candles, { now })).toEqual(findFractals(candles, { now }).bearish.at(-1));
  });

  it('filters by formation time and price exactly like filtering the full list', () => {
    for (const pick of [0.2, 0.5, 0.8, 0.97]) {
      const after = candles[Math.floor(candles.length * pick)]!.openTime;
      const expectedAfter = all.filter((f) => f.openTime >= after);
      expect(latestBullishFractal(candles, { now, after })).toEqual(expectedAfter[expectedAfter.length - 1]);

      const below = candles[Math.floor(candles.length * pick)]!.close;
      const expectedBelow = all.filter((f) => compare(f.price, below) < 0);
      expect(latestBullishFractal(candles, { now, below })).toEqual(expectedBelow[expectedBelow.length - 1]);

      const both = all.filter((f) => f.openTime >= after && compare(f.price, below) < 0);
      expect(latestBullishFractal(candles, { now, after, below })).toEqual(both[both.length - 1]);
    }
  });

  it('counts a fractal whose candle opened exactly at `after`, not one that opened before', () => {
    const pivot = all[all.length - 2]!;
    const onlyPivotOrLater = latestBullishFractal(candles.slice(0, pivot.index + 3), { now, after: pivot.openTime });
    expect(onlyPivotOrLater).toEqual(pivot);
    expect(latestBullishFractal(candles.slice(0, pivot.index + 3), { now, after: pivot.openTime + 1 })).toBeUndefined();
  });

  it('finds nothing in fewer than five closed candles', () => {
    expect(latestBullishFractal(candles.slice(0, 4), { now })).toBeUndefined();
    expect(findFractals(candles.slice(0, 4), { now })).toEqual({ bullish: [], bearish: [] });
    expect(findFractals([], { now })).toEqual({ bullish: [], bearish: [] });
  });
});

describe('equal lows and highs (strict inequalities)', () => {
  const now = 1_000 * 60_000;

  it('a single lowest low is a fractal', () => {
    const found = findFractals(candlesFromLows(['10', '9', '8', '9', '10']), { now });
    expect(found.bullish.map((f) => [f.index, f.price])).toEqual([[2, '8']]);
  });

  it('two neighbouring equal lows give no fractal at all', () => {
    expect(findFractals(candlesFromLows(['10', '9', '8', '8', '9', '10']), { now }).bullish).toEqual([]);
  });

  it('a run of three equal lows gives no fractal', () => {
    expect(findFractals(candlesFromLows(['10', '9', '8', '8', '8', '9', '10']), { now }).bullish).toEqual([]);
  });

  it('equal lows two candles apart cancel each other', () => {
    expect(findFractals(candlesFromLows(['10', '9', '7', '9', '7', '9', '10']), { now }).bullish).toEqual([]);
  });

  it('equal lows written differently are still equal ("8.10000000" and "8.1")', () => {
    expect(findFractals(candlesFromLows(['10', '9', '8.10000000', '8.1', '9', '10']), { now }).bullish).toEqual([]);
  });

  it('equal highs: the mirror, no bearish fractal', () => {
    // candlesFromLows sets high = low, so the same lists exercise the highs.
    expect(findFractals(candlesFromLows(['1', '2', '3', '3', '2', '1']), { now }).bearish).toEqual([]);
    expect(findFractals(candlesFromLows(['1', '2', '3', '2', '1']), { now }).bearish.map((f) => f.index)).toEqual([2]);
  });

  it('a difference a float cannot see still counts', () => {
    // As JS numbers both are 0.1; as decimals the middle low is strictly lower.
    const lows = ['0.10000000000000000002', '0.10000000000000000001', '0.1', '0.10000000000000000001', '0.10000000000000000002'];
    expect(Number(lows[1]) === Number(lows[2])).toBe(true);
    expect(findFractals(candlesFromLows(lows), { now }).bullish.map((f) => f.index)).toEqual([2]);
  });

  it('compares across a change in the number of integer digits', () => {
    const found = findFractals(candlesFromLows(['100000.00', '100001.00', '99999.99', '100000.01', '100002.00']), { now });
    expect(found.bullish.map((f) => f.price)).toEqual(['99999.99']);
  });
});

describe('comparePrice', () => {
  it('agrees with decimal compare on every pair of neighbouring real prices', () => {
    const candles = fixtureCandles('raw1d');
    const prices = candles.flatMap((c) => [c.open, c.high, c.low, c.close]);
    for (let i = 1; i < prices.length; i++) expect(comparePrice(prices[i - 1]!, prices[i]!)).toBe(compare(prices[i - 1]!, prices[i]!));
  });

  it('agrees with decimal compare on awkward shapes', () => {
    const pairs: Array<[string, string]> = [
      ['9999.99', '10000.00'],
      ['0.10', '0.1'],
      ['0.09', '0.10'],
      ['010', '9'],
      ['5', '5.00000000'],
      ['-1.5', '-1.4'],
      ['-2', '1'],
      ['123.45', '123.45'],
    ];
    for (const [a, b] of pairs) {
      expect(comparePrice(a, b)).toBe(compare(a, b));
      expect(comparePrice(b, a)).toBe(compare(b, a));
    }
  });
});
