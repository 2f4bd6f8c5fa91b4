/**
 * Candle boundaries for trailing stops (DESIGN.md §5): which intervals a fractal stop may follow,
 * when their candles close, and the cron pattern that fires a few seconds after each close.
 *
 * Binance draws every interval up to 1d on the Unix epoch in UTC, weeks from Monday 00:00 UTC and
 * months from the 1st (rest-api.md "Kline/Candlestick data"). 3d candles start from an origin
 * Binance does not document, so a stop cannot be scheduled on them and they are not offered; 1s
 * candles close faster than a stop could be moved.
 */
import type { KlineInterval } from '../../binance/types.js';
import { candleOpenTime } from '../../binance/kline-intervals.js';

/** Intervals a fractal stop may follow, shortest first. */
export const STOP_INTERVALS = ['1m', '3m', '5m', '15m', '30m', '1h', '2h', '4h', '6h', '8h', '12h', '1d', '1w', '1M'] as const satisfies readonly KlineInterval[];
export type StopInterval = (typeof STOP_INTERVALS)[number];

export function isStopInterval(value: string): value is StopInterval {
  return (STOP_INTERVALS as readonly string[]).includes(value);
}

/** Open time of the candle of `interval` that contains `time` (epoch ms, exchange clock). */
export function candleOpenAt(interval: StopInterval, time: number): number {
  return candleOpenTime(interval, time);
}

/**
 * Close time (Binance's last millisecond of the candle) of the newest candle fully closed at
 * `time`: the candle before the one that contains `time`.
 */
export function lastClosedCloseTime(interval: StopInterval, time: number): number {
  return candleOpenAt(interval, time) - 1;
}

/**
 * A BullMQ cron pattern (seconds first, evaluated in UTC) that fires `delaySeconds` after every
 * close of `interval`: the "plus a few seconds" lets the exchange publish the closed candle.
 */
export function closeCronPattern(interval: StopInterval, delaySeconds: number): string {
  const s = String(Math.max(0, Math.min(59, Math.floor(delaySeconds))));
  switch (interval) {
    case '1m':
      return `${s} * * * * *`;
    case '3m':
    case '5m':
    case '15m':
    case '30m':
      return `${s} */${interval.slice(0, -1)} * * * *`;
    case '1h':
      return `${s} 0 * * * *`;
    case '2h':
    case '4h':
    case '6h':
    case '8h':
    case '12h':
      return `${s} 0 */${interval.slice(0, -1)} * * *`;
    case '1d':
      return `${s} 0 0 * * *`;
    case '1w':
      return `${s} 0 0 * * 1`;
    case '1M':
      return `${s} 0 0 1 * *`;
  }
}
