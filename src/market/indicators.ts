/**
 * The indicator summary behind /ta (DESIGN.md §2), computed with the technicalindicators
 * package on CLOSED candles only: GET /api/v3/klines returns the candle still forming as its
 * last row (BINANCE.md "Market data"), and an RSI or a MACD cross read from it can vanish before
 * the candle closes. "Closed" is the one definition of ./fractals.ts (`closedCandleCount`:
 * closeTime before now), so /ta and the fractal stop agree on which candles exist.
 *
 * Indicator math is float math: it is display-only. The one number a trader might send to the
 * exchange, the ATR stop suggestion, is brought back to an exact decimal on the tick grid with
 * src/decimal.ts and rounded DOWN (a sell stop one tick lower is the safe side).
 *
 * Periods are the conventional ones; the library's defaults are not: its MACD uses simple moving
 * averages unless told otherwise, so both switches are set for the standard (EMA) MACD.
 */
import { ATR, EMA, MACD, RSI } from 'technicalindicators';
import type { Kline } from '../binance/types.js';
import { floorToStep, fromNumber, isPositive, round, sub } from '../decimal.js';
import { closedCandleCount } from './fractals.js';

export const TA_PERIODS = {
  rsi: 14,
  macdFast: 12,
  macdSlow: 26,
  macdSignal: 9,
  emaFast: 20,
  emaSlow: 50,
  atr: 14,
  /** The stop suggestion is last close − this many ATRs. */
  atrStopMultiple: 2,
} as const;

/** Closed candles to ask for: EMA(50) and Wilder's RSI/ATR settle only after a few times their period. */
export const TA_CANDLES = 300;

export type CrossDirection = 'bullish' | 'bearish';

export interface MacdReading {
  macd: number;
  signal: number;
  histogram: number;
  /** The newest MACD/signal cross, if one happened within the data. */
  cross: { direction: CrossDirection; candlesAgo: number } | undefined;
}

export interface IndicatorSummary {
  /** Closed candles used. */
  candles: number;
  /** The last closed candle (undefined when there is none). */
  last: Pick<Kline, 'openTime' | 'closeTime' | 'close'> | undefined;
  /** RSI(14), Wilder smoothing, two decimals as the library rounds it. */
  rsi: number | undefined;
  macd: MacdReading | undefined;
  emaFast: number | undefined;
  emaSlow: number | undefined;
  /** EMA(20) above EMA(50): up; below: down. */
  trend: 'up' | 'down' | undefined;
  atr: number | undefined;
  /** last close − 2·ATR, rounded down to the tick; undefined when not positive or without ATR. */
  atrStop: string | undefined;
}

export interface IndicatorOptions {
  /** Epoch ms: candles whose closeTime is not before this are still forming and left out. */
  now: number;
  /** The symbol's PRICE_FILTER tickSize, for the stop suggestion ("0": filter disabled). */
  tickSize: string;
}

/** The closed candles of a kline list (ascending), the forming one dropped. */
export function closedKlines(klines: readonly Kline[], now: number): Kline[] {
  return klines.slice(0, closedCandleCount(klines, now));
}

const last = <T>(values: readonly T[]): T | undefined => values[values.length - 1];

export function summarizeIndicators(klines: readonly Kline[], options: IndicatorOptions): IndicatorSummary {
  const candles = closedKlines(klines, options.now);
  const closes = candles.map((k) => Number(k.close));
  const highs = candles.map((k) => Number(k.high));
  const lows = candles.map((k) => Number(k.low));

  const rsi = last(RSI.calculate({ period: TA_PERIODS.rsi, values: closes }));
  const emaFast = last(EMA.calculate({ period: TA_PERIODS.emaFast, values: closes }));
  const emaSlow = last(EMA.calculate({ period: TA_PERIODS.emaSlow, values: closes }));
  const atr = atrOf(highs, lows, closes);
  const macd = macdReading(closes);

  const lastCandle = last(candles);
  return {
    candles: candles.length,
    last: lastCandle && { openTime: lastCandle.openTime, closeTime: lastCandle.closeTime, close: lastCandle.close },
    rsi,
    macd,
    emaFast,
    emaSlow,
    trend: emaFast === undefined || emaSlow === undefined || emaFast === emaSlow ? undefined : emaFast > emaSlow ? 'up' : 'down',
    atr,
    atrStop: lastCandle && atr !== undefined ? atrStopPrice(lastCandle.close, atr, options.tickSize) : undefined,
  };
}

/** ATR(14) (Wilder) of the last of these candles; undefined with fewer than 15. */
function atrOf(highs: number[], lows: number[], closes: number[]): number | undefined {
  return last(ATR.calculate({ period: TA_PERIODS.atr, high: highs, low: lows, close: closes }));
}

/**
 * ATR(14) of the last CLOSED candle of `klines` (the forming one dropped, as /ta does): what /ta
 * shows, and what a chandelier stop (trail-rule.ts) hangs under its high.
 */
export function latestAtr(klines: readonly Kline[], now: number): number | undefined {
  const candles = closedKlines(klines, now);
  return atrOf(
    candles.map((k) => Number(k.high)),
    candles.map((k) => Number(k.low)),
    candles.map((k) => Number(k.close)),
  );
}

/**
 * price − multiple·ATR on the tick grid, rounded down; undefined when that is not above zero.
 * `fromNumber` turns the float into the shortest decimal that round-trips; from there it is
 * exact.
 */
export function atrStopPrice(price: string, atr: number, tickSize: string, multiple: number = TA_PERIODS.atrStopMultiple): string | undefined {
  if (!Number.isFinite(atr) || atr < 0) return undefined;
  const raw = sub(price, fromNumber(multiple * atr));
  // A zero tick means PRICE_FILTER is disabled (filters.md): 8 decimals is every symbol's precision.
  const stop = isPositive(tickSize) ? floorToStep(raw, tickSize) : round(raw, 8, 'floor');
  return isPositive(stop) ? stop : undefined;
}

/** MACD(12,26,9) of one close: the line, its signal and their difference. */
export interface MacdPoint {
  macd: number;
  signal: number;
  histogram: number;
}

/**
 * MACD(12,26,9) per close, aligned with `closes` (undefined until the signal line exists): the one
 * computation /ta, the strategies and the indicator alerts read. The EMA form (technicalindicators
 * with both SMA flags off); the library's EMA is causal, so index i reads closes 0..i only.
 */
export function macdSeries(closes: readonly number[]): Array<MacdPoint | undefined> {
  const rows = MACD.calculate({
    values: closes as number[],
    fastPeriod: TA_PERIODS.macdFast,
    slowPeriod: TA_PERIODS.macdSlow,
    signalPeriod: TA_PERIODS.macdSignal,
    SimpleMAOscillator: false,
    SimpleMASignal: false,
  });
  // Row j belongs to close j + (slow − 1), the first close with a slow EMA.
  const offset = closes.length - rows.length;
  return closes.map((_, i) => {
    const row = i >= offset ? rows[i - offset] : undefined;
    return row && row.MACD !== undefined && row.signal !== undefined && row.histogram !== undefined
      ? { macd: row.MACD, signal: row.signal, histogram: row.histogram }
      : undefined;
  });
}

function macdReading(closes: readonly number[]): MacdReading | undefined {
  const points = macdSeries(closes).filter((p): p is MacdPoint => p !== undefined);
  const latest = points.at(-1);
  if (!latest) return undefined;
  return { ...latest, cross: lastCross(points.map((p) => p.histogram)) };
}

/**
 * The newest sign change of MACD − signal. A histogram of exactly zero is a touch, not a side:
 * the side before it carries on. `candlesAgo` 0 means the last closed candle crossed.
 */
export function lastCross(histograms: readonly number[]): MacdReading['cross'] {
  let side = 0;
  let crossedAt = -1;
  let direction: CrossDirection | undefined;
  for (let i = 0; i < histograms.length; i++) {
    const h = histograms[i]!;
    const now = h > 0 ? 1 : h < 0 ? -1 : 0;
    if (now === 0) continue;
    if (side !== 0 && now !== side) {
      crossedAt = i;
      direction = now > 0 ? 'bullish' : 'bearish';
    }
    side = now;
  }
  return direction === undefined ? undefined : { direction, candlesAgo: histograms.length - 1 - crossedAt };
}
