/**
 * One candle of a strategy's life, the same for the backtest and for live signals (DESIGN.md
 * §11), so the two cannot drift:
 *
 *   1. At the candle's open, what was decided at the previous close fills at that open.
 *   2. During the candle, a stop in force triggers when the low reaches it: the exchange's
 *      STOP_LOSS_LIMIT would (§5). It fills at the stop, or at the open when the candle opened
 *      below it (a gap jumps the stop).
 *   3. At the close, the strategy decides from the closed candles up to this one (its stop may
 *      move up, §5): an entry or exit waits for the next open.
 *
 * Prices are the candles' exact decimal strings; nothing here is a float.
 */
import { lt, lte, min } from '../decimal.js';
import type { StrategyPosition, StrategySeries } from './strategy-types.js';

/** An order decided at a close, filled at the next open. */
export interface PendingOrder {
  side: 'enter' | 'exit';
  /** Close time of the candle whose close decided it. */
  decidedAt: number;
  reason: string;
  /** An entry's protective stop, as the strategy priced it at the decision. */
  stop?: string;
}

export interface StrategyState {
  position?: StrategyPosition;
  pending?: PendingOrder;
}

export type StepEvent =
  | { kind: 'entered'; time: number; price: string; reason: string; decidedAt: number }
  | { kind: 'exited'; time: number; price: string; reason: string; by: 'signal' | 'stop'; decidedAt?: number }
  /** At a close: buy at the next open. */
  | { kind: 'enter-signal'; at: number; reason: string; stop?: string }
  /** At a close: sell at the next open. */
  | { kind: 'exit-signal'; at: number; reason: string }
  /** At a close: the trailing stop moved up. */
  | { kind: 'stop-moved'; at: number; stop: string; from?: string };

export interface StepOptions {
  /** False for the last candle of a backtest: nothing decided there could fill inside it. Default true. */
  decide?: boolean;
}

/** Advances `state` over candle `index` of `series`; returns the new state and what happened, in order. */
export function stepCandle(series: StrategySeries, index: number, state: StrategyState, options: StepOptions = {}): { state: StrategyState; events: StepEvent[] } {
  const candle = series.candles[index]!;
  const events: StepEvent[] = [];
  let position = state.position;

  const pending = state.pending;
  if (pending?.side === 'enter' && !position) {
    // A stop at or above the fill would sell at once (Binance refuses it: -2010); the stop waits for a fractal instead.
    const stop = pending.stop !== undefined && lt(pending.stop, candle.open) ? pending.stop : undefined;
    position = { entryPrice: candle.open, entryTime: candle.openTime, ...(stop !== undefined ? { stop } : {}) };
    events.push({ kind: 'entered', time: candle.openTime, price: candle.open, reason: pending.reason, decidedAt: pending.decidedAt });
  } else if (pending?.side === 'exit' && position) {
    events.push({ kind: 'exited', time: candle.openTime, price: candle.open, reason: pending.reason, by: 'signal', decidedAt: pending.decidedAt });
    position = undefined;
  }

  if (position?.stop !== undefined && lte(candle.low, position.stop)) {
    events.push({ kind: 'exited', time: candle.openTime, price: min(candle.open, position.stop), reason: `stop at ${position.stop} hit`, by: 'stop' });
    position = undefined;
  }

  let next: PendingOrder | undefined;
  if (options.decide !== false) {
    const decision = series.decide(index, position);
    if (decision.kind === 'enter' && !position) {
      next = { side: 'enter', decidedAt: candle.closeTime, reason: decision.reason, ...(decision.stop !== undefined ? { stop: decision.stop } : {}) };
      events.push({ kind: 'enter-signal', at: candle.closeTime, reason: decision.reason, ...(decision.stop !== undefined ? { stop: decision.stop } : {}) });
    } else if (decision.kind === 'exit' && position) {
      next = { side: 'exit', decidedAt: candle.closeTime, reason: decision.reason };
      events.push({ kind: 'exit-signal', at: candle.closeTime, reason: decision.reason });
    } else if (decision.kind === 'hold' && position && decision.stop !== undefined) {
      events.push({ kind: 'stop-moved', at: candle.closeTime, stop: decision.stop, ...(position.stop !== undefined ? { from: position.stop } : {}) });
      position = { ...position, stop: decision.stop };
    }
  }
  return { state: { ...(position ? { position } : {}), ...(next ? { pending: next } : {}) }, events };
}
