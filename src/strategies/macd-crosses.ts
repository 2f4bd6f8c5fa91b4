/**
 * MACD(12,26,9) crosses over a series of closes, as technicalindicators computes them (the EMA
 * form, as /ta sets it up: src/market/indicators.ts). Float math: indicators only decide *when*;
 * what is sent is priced exactly elsewhere.
 *
 * The library's EMA is causal (its value at i reads closes 0..i), so computing it once over the
 * whole series and reading index i is the same as computing it over the prefix: no look-ahead.
 * A cross is a change of side of MACD − signal; a histogram of exactly zero is a touch, and the
 * side before it carries on (the same rule as `lastCross` in indicators.ts).
 */
import { toApproxNumber } from '../decimal.js';
import { macdSeries } from '../market/indicators.js';
import type { StrategyCandle } from './strategy-types.js';

export type MacdCross = 'bullish' | 'bearish' | undefined;

/** Per candle: the cross that happened at its close, if any. */
export function macdCrossesOf(candles: readonly StrategyCandle[]): MacdCross[] {
  return macdCrosses(candles.map((c) => toApproxNumber(c.close)));
}

/** Per index of `closes`: the cross that happened at that close, if any. */
export function macdCrosses(closes: readonly number[]): MacdCross[] {
  const crosses: MacdCross[] = new Array<MacdCross>(closes.length).fill(undefined);
  const series = macdSeries(closes);
  let side = 0;
  for (let i = 0; i < series.length; i++) {
    const histogram = series[i]?.histogram;
    if (histogram === undefined || histogram === 0 || !Number.isFinite(histogram)) continue;
    const now = histogram > 0 ? 1 : -1;
    if (side !== 0 && now !== side) crosses[i] = now > 0 ? 'bullish' : 'bearish';
    side = now;
  }
  return crosses;
}
