/**
 * Bill Williams fractals over closed candles (DESIGN.md §5).
 *
 * - A **bullish** fractal (the "down" fractal, drawn below the bar) is a candle whose low is
 *   strictly lower than the lows of the two candles before it and the two after it.
 * - A **bearish** fractal is the mirror on highs: a high strictly higher than the two highs on
 *   each side.
 * - A fractal exists only once both right-hand candles have closed. The candle still forming is
 *   never used: its low can still fall, which would unmake a fractal reported a moment earlier
 *   and move a real stop to a price that was never a pivot.
 *
 * **Equal lows.** The inequalities are strict on both sides, so two neighbouring candles that
 * share the lowest low both fail (neither is strictly lower than the other) and that dip gives
 * no fractal at all; the same holds for a run of three or more equal lows, and for equal highs.
 * Some charting packages accept equal values on one side and would mark one of the two; we do
 * not, because DESIGN.md says strictly lower, and a stop that waits for a clean pivot errs on
 * the side of not moving.
 *
 * A candle is closed when `now` is past its `closeTime` (Binance's closeTime is the last
 * millisecond of the candle, e.g. 11:59:59.999, so the candle is still open at that instant),
 * and it is not flagged `closed: false` (the kline stream's `x`). Only the closed prefix of the
 * array is used: everything from the first open candle on is ignored.
 *
 * Prices are compared exactly on their decimal strings (./compare-price.ts), never as floats.
 * Candles must be in ascending time order, as GET /api/v3/klines returns them.
 */
import type { Kline } from '../binance/types.js';
import { comparePrice } from './compare-price.js';

/** What the scan reads from a candle; `closed: false` marks a forming candle from a stream. */
export type FractalCandle = Pick<Kline, 'openTime' | 'closeTime' | 'high' | 'low'> & { closed?: boolean };

export interface Fractal {
  /** Position of the fractal candle in the input array. */
  index: number;
  /** Open and close time of the fractal candle. */
  openTime: number;
  closeTime: number;
  /** Close time of the second candle after it: the moment the fractal became known. */
  confirmedAt: number;
  /** The fractal candle's low (bullish) or high (bearish), exactly as the exchange sent it. */
  price: string;
}

export interface Fractals {
  /** Oldest first. */
  bullish: Fractal[];
  bearish: Fractal[];
}

export interface FractalScanOptions {
  /** Epoch ms: candles whose closeTime is not before this are still forming. */
  now: number;
}

export interface LatestFractalOptions extends FractalScanOptions {
  /**
   * Only fractals formed at or after this epoch ms: the fractal candle opened at or after it, so
   * its whole range (and thus its low) postdates the moment. A candle that straddles the moment
   * may have made its low before it and does not count.
   */
  after?: number;
  /** Only fractals whose price is strictly below this price. */
  below?: string;
}

/** Number of leading candles that are closed at `now`: the only ones a fractal may use. */
export function closedCandleCount(candles: readonly FractalCandle[], now: number): number {
  let count = 0;
  while (count < candles.length) {
    const candle = candles[count]!;
    if (candle.closed === false || candle.closeTime >= now) break;
    count++;
  }
  return count;
}

/**
 * The moment a GET /api/v3/klines response is judged at: the clock, but never past the close of
 * its last row. Without an endTime, Binance always returns the candle still forming as the last
 * row; the stop engine never uses that row (stop-pricing.ts), and the views must not either, or a
 * replayed market whose candles carry recorded dates, or a skewed clock, counts it as closed.
 */
export function klinesJudgedAt(candles: readonly FractalCandle[], now: number): number {
  const last = candles[candles.length - 1];
  return last === undefined ? now : Math.min(now, last.closeTime);
}

/** Every confirmed bullish and bearish fractal among the closed candles, oldest first. */
export function findFractals(candles: readonly FractalCandle[], options: FractalScanOptions): Fractals {
  const closed = closedCandleCount(candles, options.now);
  const bullish: Fractal[] = [];
  const bearish: Fractal[] = [];
  for (let i = 2; i + 2 < closed; i++) {
    if (isBullishAt(candles, i)) bullish.push(fractalAt(candles, i, candles[i]!.low));
    if (isBearishAt(candles, i)) bearish.push(fractalAt(candles, i, candles[i]!.high));
  }
  return { bullish, bearish };
}

/**
 * The newest confirmed bullish fractal matching the filters, or undefined. Scans backwards from
 * the newest confirmable candle and stops at the first match (or at `after`).
 */
export function latestBullishFractal(candles: readonly FractalCandle[], options: LatestFractalOptions): Fractal | undefined {
  const closed = closedCandleCount(candles, options.now);
  for (let i = closed - 3; i >= 2; i--) {
    const candle = candles[i]!;
    if (options.after !== undefined && candle.openTime < options.after) return undefined;
    if (options.below !== undefined && comparePrice(candle.low, options.below) >= 0) continue;
    if (isBullishAt(candles, i)) return fractalAt(candles, i, candle.low);
  }
  return undefined;
}

/** The newest confirmed bearish fractal, or undefined. */
export function latestBearishFractal(candles: readonly FractalCandle[], options: FractalScanOptions): Fractal | undefined {
  const closed = closedCandleCount(candles, options.now);
  for (let i = closed - 3; i >= 2; i--) {
    if (isBearishAt(candles, i)) return fractalAt(candles, i, candles[i]!.high);
  }
  return undefined;
}

// The nearest neighbours are compared first: they reject most candidates on the first test.
function isBullishAt(candles: readonly FractalCandle[], i: number): boolean {
  const low = candles[i]!.low;
  return (
    comparePrice(low, candles[i - 1]!.low) < 0 &&
    comparePrice(low, candles[i + 1]!.low) < 0 &&
    comparePrice(low, candles[i - 2]!.low) < 0 &&
    comparePrice(low, candles[i + 2]!.low) < 0
  );
}

function isBearishAt(candles: readonly FractalCandle[], i: number): boolean {
  const high = candles[i]!.high;
  return (
    comparePrice(high, candles[i - 1]!.high) > 0 &&
    comparePrice(high, candles[i + 1]!.high) > 0 &&
    comparePrice(high, candles[i - 2]!.high) > 0 &&
    comparePrice(high, candles[i + 2]!.high) > 0
  );
}

function fractalAt(candles: readonly FractalCandle[], i: number, price: string): Fractal {
  const candle = candles[i]!;
  return { index: i, openTime: candle.openTime, closeTime: candle.closeTime, confirmedAt: candles[i + 2]!.closeTime, price };
}
