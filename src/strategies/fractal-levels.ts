/**
 * The fractal side of the strategies (DESIGN.md §11), on the one fractal definition of §5
 * (src/market/fractals.ts) and the one trailing-stop rule (src/market/stop-rule.ts): nothing
 * here re-implements either.
 *
 * - Breakout entry: the first close above the latest confirmed bearish fractal. A bearish
 *   fractal is confirmed by the close of the second candle after it (fractals.ts), so at close
 *   `i` only fractals at `k ≤ i − 2` exist. Each level triggers at most once: the first close
 *   above it; a trader stopped out above a broken level is not sent back in at every close.
 * - Stops: the protective stop at entry and each trailing move are stop-rule.ts's `initialStop`
 *   and `evaluateTrailingStop`, fed a window of the last STOP_LOOKBACK closed candles. The
 *   window bounds the work per close and makes the live evaluator (which reads up to 1,000
 *   candles) and the backtest (which reads the whole history) see the same candles.
 */
import { gt } from '../decimal.js';
import { findFractals, type Fractal } from '../market/fractals.js';
import { evaluateTrailingStop, initialStop } from '../market/stop-rule.js';
import type { StrategyCandle, StrategyPosition } from './strategy-types.js';

/** Closed candles the stop rule looks back over at one close. */
export const STOP_LOOKBACK = 300;

/** Per candle: the bearish fractal whose level its close breaks for the first time, if any. */
export function bearishBreakouts(candles: readonly StrategyCandle[]): Array<Fractal | undefined> {
  const breakouts = new Array<Fractal | undefined>(candles.length).fill(undefined);
  const last = candles[candles.length - 1];
  if (!last) return breakouts;
  const { bearish } = findFractals(candles, { now: last.closeTime + 1 });
  let next = 0;
  let level: Fractal | undefined;
  let broken = false;
  for (let i = 0; i < candles.length; i++) {
    // The newest fractal confirmed by this close replaces the level (fractal at k: known at k + 2).
    while (next < bearish.length && bearish[next]!.index + 2 <= i) {
      level = bearish[next++]!;
      broken = false;
    }
    if (level && !broken && gt(candles[i]!.close, level.price)) {
      breakouts[i] = level;
      broken = true;
    }
  }
  return breakouts;
}

function window(candles: readonly StrategyCandle[], index: number): readonly StrategyCandle[] {
  return candles.slice(Math.max(0, index + 1 - STOP_LOOKBACK), index + 1);
}

/** The protective stop a position entered at the close of `index` starts with (§5 arming), or undefined: it waits. */
export function protectiveStop(candles: readonly StrategyCandle[], index: number, tickSize: string): string | undefined {
  const candle = candles[index]!;
  return initialStop({ candles: window(candles, index), now: candle.closeTime + 1, price: candle.close, tickSize })?.stop;
}

/** Where the trailing stop of `position` sits after the close of `index`: a new price when it moved, else undefined. */
export function trailedStop(candles: readonly StrategyCandle[], index: number, position: StrategyPosition, tickSize: string): string | undefined {
  const candle = candles[index]!;
  const decision = evaluateTrailingStop(
    { entryPrice: position.entryPrice, ...(position.stop !== undefined ? { currentStop: position.stop } : {}), armedAt: position.entryTime, minMovePct: '0' },
    { candles: window(candles, index), now: candle.closeTime + 1, price: candle.close, tickSize },
  );
  return decision.move ? decision.newStop : undefined;
}
