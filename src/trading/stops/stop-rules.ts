/**
 * Which rule a trailing stop follows, and its decision in the stop manager's terms: one shape for
 * every kind (a new stop and its basis, or why it holds and where it would have gone), so the
 * evaluator and the stop mover never ask which kind they handle. The rules themselves are pure
 * and live with the market math: fractal (stop-rule.ts), percentage and ATR (trail-rule.ts).
 */
import { normalize } from '../../decimal.js';
import type { Kline } from '../../binance/types.js';
import { evaluateTrailingStop } from '../../market/stop-rule.js';
import { evaluateTrail, type TrailSpec } from '../../market/trail-rule.js';
import { fractalBasis, trailBasis } from './stop-basis.js';
import type { ManagedStop, StopBasis, StopHoldNote, TrailHigh } from './stop-types.js';

/** One close of the stop's (symbol, interval). */
export interface StopMarket {
  /** Candles up to the close evaluated (closed), oldest first. */
  candles: Kline[];
  closeTime: number;
  price: string;
  tickSize: string;
}

export type StopRuleDecision =
  | { move: true; newStop: string; basis: StopBasis; high?: TrailHigh }
  | { move: false; reason: StopHoldNote; candidate?: { stopPrice: string; basis: StopBasis }; high?: TrailHigh };

/** The percent or ATR parameters of a stop (undefined for the other kinds). */
export function trailSpecOf(stop: Pick<ManagedStop, 'kind' | 'percent' | 'atrMultiple'>): TrailSpec | undefined {
  if (stop.kind === 'percent' && stop.percent !== undefined) return { kind: 'percent', percent: stop.percent };
  if (stop.kind === 'atr' && stop.atrMultiple !== undefined) return { kind: 'atr', multiple: stop.atrMultiple };
  return undefined;
}

export function decideStop(stop: ManagedStop, market: StopMarket, minMovePct: string): StopRuleDecision {
  const currentStop = stop.status === 'active' && stop.stopPrice !== undefined ? { currentStop: stop.stopPrice } : {};
  const snapshot = { candles: market.candles, now: market.closeTime + 1, price: market.price, tickSize: market.tickSize };
  const spec = trailSpecOf(stop);
  if (spec) {
    // A stop armed without a high (none are) would start from the price at this close.
    const known = stop.high ?? { price: market.price, openTime: stop.armedAt };
    const d = evaluateTrail(spec, { ...currentStop, high: known, armedAt: stop.armedAt, minMovePct }, snapshot);
    const high = { price: normalize(d.high.price), openTime: d.high.openTime };
    const basis = trailBasis(stop, high, d.atr);
    if (d.move && basis) return { move: true, newStop: d.newStop, basis, high };
    if (d.move) return { move: false, reason: 'no-atr', high };
    return { move: false, reason: d.reason, high, ...(basis && d.candidateStop !== undefined ? { candidate: { stopPrice: d.candidateStop, basis } } : {}) };
  }
  const d = evaluateTrailingStop({ entryPrice: stop.entryPrice ?? market.price, ...currentStop, armedAt: stop.armedAt, minMovePct }, snapshot);
  if (d.move) return { move: true, newStop: d.newStop, basis: fractalBasis(d.fractal) };
  return { move: false, reason: d.reason, ...(d.fractal && d.candidateStop ? { candidate: { stopPrice: d.candidateStop, basis: fractalBasis(d.fractal) } } : {}) };
}
