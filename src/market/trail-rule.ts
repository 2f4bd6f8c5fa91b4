/**
 * The percentage and ATR (chandelier) trailing-stop rules of DESIGN.md §2 ("/stop SYMBOL N%",
 * "/stop SYMBOL atr[:MULT]"), as pure functions beside the fractal rule (stop-rule.ts): candles
 * and state in, a decision out.
 *
 * - Both hang under the HIGHEST HIGH since arming: the candles' highs, not their closes, because
 *   "the highest price seen" is what a trailing stop promises, and a chandelier exit is defined on
 *   highs. The high starts at the price at arming; each close raises it with the highs of the
 *   closed candles that opened at or after arming. The candle forming at arming counts by its
 *   close only: its high may have been made before arming, a level the trader never held through.
 *   The caller keeps the running high (`ManagedStop.high`), so a klines window shorter than the
 *   stop's life loses nothing.
 * - `percent`: the stop is N % under the high. `atr`: high − MULT × ATR(14) of the closed candles
 *   (indicators.ts `latestAtr`, `atrStopPrice`), so a widening ATR does not pull the stop down:
 *   the stop never moves down, whatever the ATR does.
 * - A move must be above the current stop, below the current price (a sell stop at or above the
 *   price would sell at once), and, with `minMovePct` above zero, rise by at least that share of
 *   the current stop. There is no "above the entry" test: a percentage trail protects from the
 *   start, unlike a fractal stop, which waits for structure above the entry.
 * - A stop with no order (left unprotected by a refused re-place) takes the level under the high
 *   if it is below the price, else the same distance under the price: protection first.
 * Prices are rounded DOWN to the tick, as every sell stop here (stop-rule.ts says why).
 */
import { decimalsOf, div, floorToStep, isPositive, mul, normalize, sub } from '../decimal.js';
import type { Kline } from '../binance/types.js';
import { comparePrice } from './compare-price.js';
import { atrStopPrice, closedKlines, latestAtr } from './indicators.js';

export type TrailSpec = { kind: 'percent'; percent: string } | { kind: 'atr'; multiple: string };

export interface TrailHighRef {
  price: string;
  /** Open time of the candle that made the high (the arming moment for the price at arming). */
  openTime: number;
}

export interface TrailState {
  /** The stop price on the exchange now; absent while the stop has no order. */
  currentStop?: string;
  /** The highest high known before this close (the price at arming at first). */
  high: TrailHighRef;
  /** Epoch ms of arming: only candles opening at or after it raise the high. */
  armedAt: number;
  /** Ignore a move smaller than this percentage of the current stop ("0" = every move counts). */
  minMovePct: string;
}

export interface TrailSnapshot {
  /** Candles of the stop's interval, oldest first; a forming last candle is ignored. */
  candles: readonly Kline[];
  /** Epoch ms (server time): decides which candles are closed. */
  now: number;
  /** Current price of the symbol. */
  price: string;
  /** PRICE_FILTER tickSize of the symbol. */
  tickSize: string;
}

export type TrailHoldReason =
  /** ATR stops: too few closed candles for ATR(14), or MULT × ATR is not under the high. */
  | 'no-atr'
  /** The level is not above the current stop: a stop never moves down. */
  | 'not-above-stop'
  /** The price is at or below the level: a stop there would trigger at once. */
  | 'not-below-price'
  /** The rise is smaller than minMovePct of the current stop. */
  | 'move-too-small';

interface TrailLevel {
  /** The running high after this close. */
  high: TrailHighRef;
  /** ATR(14) of the closed candles (ATR stops). */
  atr?: number;
}

export type TrailDecision =
  | (TrailLevel & { move: true; newStop: string; basis: 'protective' | 'trailing' })
  | (TrailLevel & { move: false; reason: TrailHoldReason; candidateStop?: string });

/**
 * The highest price since arming: `known`, raised by the highs of the closed candles that opened
 * at or after `armedAt`, and by the close of the candle that was forming at arming.
 */
export function highSince(known: TrailHighRef, candles: readonly Kline[], armedAt: number, now: number): TrailHighRef {
  let high = known;
  for (const candle of closedKlines(candles, now)) {
    // closeTime is the candle's last millisecond: the candle forming at arming ends at armedAt − 1 or later.
    if (candle.closeTime + 1 < armedAt) continue;
    const seen = normalize(candle.openTime >= armedAt ? candle.high : candle.close);
    if (comparePrice(seen, high.price) > 0) high = { price: seen, openTime: candle.openTime };
  }
  return high;
}

/** `percent` % under `price`, rounded down to the tick; undefined when that is not above zero. */
export function percentUnder(price: string, percent: string, tickSize: string): string | undefined {
  const raw = div(mul(price, sub('100', percent)), '100', decimalsOf(tickSize) + 4, 'floor');
  const stop = normalize(floorToStep(raw, tickSize));
  return isPositive(stop) ? stop : undefined;
}

/** Where the trail puts a stop under `price`: undefined when it is not above zero (or no ATR). */
export function trailLevel(spec: TrailSpec, price: string, atr: number | undefined, tickSize: string): string | undefined {
  if (spec.kind === 'percent') return percentUnder(price, spec.percent, tickSize);
  if (atr === undefined) return undefined;
  const stop = atrStopPrice(price, atr, tickSize, Number(spec.multiple));
  return stop === undefined ? undefined : normalize(stop);
}

/** Whether and where a percentage or ATR stop moves at this candle close. */
export function evaluateTrail(spec: TrailSpec, state: TrailState, snapshot: TrailSnapshot): TrailDecision {
  const high = highSince(state.high, snapshot.candles, state.armedAt, snapshot.now);
  const atr = spec.kind === 'atr' ? latestAtr(snapshot.candles, snapshot.now) : undefined;
  const level: TrailLevel = { high, ...(atr !== undefined ? { atr } : {}) };
  const candidate = trailLevel(spec, high.price, atr, snapshot.tickSize);

  if (state.currentStop === undefined) {
    if (candidate !== undefined && comparePrice(candidate, snapshot.price) < 0) return { ...level, move: true, newStop: candidate, basis: 'protective' };
    const underPrice = trailLevel(spec, snapshot.price, atr, snapshot.tickSize);
    if (underPrice !== undefined && comparePrice(underPrice, snapshot.price) < 0) return { ...level, move: true, newStop: underPrice, basis: 'protective' };
    return { ...level, move: false, reason: candidate === undefined ? 'no-atr' : 'not-below-price', ...(candidate !== undefined ? { candidateStop: candidate } : {}) };
  }
  if (candidate === undefined) return { ...level, move: false, reason: 'no-atr' };
  const hold = (reason: TrailHoldReason): TrailDecision => ({ ...level, move: false, reason, candidateStop: candidate });
  if (comparePrice(candidate, state.currentStop) <= 0) return hold('not-above-stop');
  if (comparePrice(candidate, snapshot.price) >= 0) return hold('not-below-price');
  if (isPositive(state.minMovePct)) {
    // rise / currentStop < minMovePct / 100, without division: rise * 100 < currentStop * minMovePct.
    const rise = sub(candidate, state.currentStop);
    if (comparePrice(mul(rise, '100'), mul(state.currentStop, state.minMovePct)) < 0) return hold('move-too-small');
  }
  return { ...level, move: true, newStop: candidate, basis: 'trailing' };
}
