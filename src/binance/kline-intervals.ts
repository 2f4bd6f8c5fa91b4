/**
 * Candle boundaries as Binance draws them (rest-api.md "Kline/Candlestick data"): every interval
 * up to 1d is aligned to the Unix epoch in UTC, weeks start on Monday 00:00 UTC, months on the
 * first day of the month. 3d candles are aligned to a listing-dependent origin Binance does not
 * document, so the simulator never derives them (it serves them only when a feed stores them).
 */
import type { KlineInterval } from './types.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
const WEEK = 7 * DAY;
/** 1970-01-01 was a Thursday; the first Monday is four days later. */
const WEEK_ORIGIN = 4 * DAY;

/** Fixed lengths; `1M` has none (calendar months) and is handled apart. */
const FIXED_MS: Partial<Record<KlineInterval, number>> = {
  '1s': 1000,
  '1m': MINUTE,
  '3m': 3 * MINUTE,
  '5m': 5 * MINUTE,
  '15m': 15 * MINUTE,
  '30m': 30 * MINUTE,
  '1h': HOUR,
  '2h': 2 * HOUR,
  '4h': 4 * HOUR,
  '6h': 6 * HOUR,
  '8h': 8 * HOUR,
  '12h': 12 * HOUR,
  '1d': DAY,
  '3d': 3 * DAY,
  '1w': WEEK,
};

/** Every interval Binance knows, smallest first. */
export const KLINE_INTERVALS: readonly KlineInterval[] = [
  '1s', '1m', '3m', '5m', '15m', '30m', '1h', '2h', '4h', '6h', '8h', '12h', '1d', '3d', '1w', '1M',
];

export function isKlineInterval(value: string): value is KlineInterval {
  return (KLINE_INTERVALS as readonly string[]).includes(value);
}

/** Nominal length in ms (a month counts as 31 days: use it for sizing, never for boundaries). */
export function intervalMs(interval: KlineInterval): number {
  return FIXED_MS[interval] ?? 31 * DAY;
}

/** Open time of the candle of `interval` that contains `time`. */
export function candleOpenTime(interval: KlineInterval, time: number): number {
  if (interval === '1M') {
    const d = new Date(time);
    return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  }
  if (interval === '1w') return Math.floor((time - WEEK_ORIGIN) / WEEK) * WEEK + WEEK_ORIGIN;
  const ms = FIXED_MS[interval]!;
  return Math.floor(time / ms) * ms;
}

/** Close time (last ms, as Binance's closeTime) of the candle of `interval` that opens at `openTime`. */
export function candleCloseTime(interval: KlineInterval, openTime: number): number {
  if (interval === '1M') {
    const d = new Date(openTime);
    return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) - 1;
  }
  return openTime + FIXED_MS[interval]! - 1;
}

/**
 * Whether candles of `target` are exact unions of candles of `source` (so `target` can be
 * aggregated from `source`): a fixed multiple on the epoch grid, or a week or month built from
 * an interval that divides a day.
 */
export function canAggregate(source: KlineInterval, target: KlineInterval): boolean {
  if (source === target || source === '3d' || target === '3d' || source === '1M' || source === '1w') return false;
  const sourceMs = FIXED_MS[source]!;
  if (target === '1M' || target === '1w') return DAY % sourceMs === 0;
  const targetMs = FIXED_MS[target]!;
  return targetMs > sourceMs && targetMs % sourceMs === 0;
}

/** The interval a series of rows is at, from the first row's open and close times. */
export function intervalOfRows(rows: ReadonlyArray<readonly [number, ...unknown[]]>): KlineInterval | undefined {
  const first = rows[0];
  if (!first) return undefined;
  const closeTime = first[6];
  if (typeof closeTime !== 'number') return undefined;
  const length = closeTime - first[0] + 1;
  const fixed = KLINE_INTERVALS.find((i) => FIXED_MS[i] === length);
  if (fixed) return fixed;
  return candleCloseTime('1M', first[0]) === closeTime && candleOpenTime('1M', first[0]) === first[0] ? '1M' : undefined;
}
