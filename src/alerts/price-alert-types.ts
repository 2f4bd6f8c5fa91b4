/**
 * Price and indicator alerts (DESIGN.md §6b): what a trader asked to be told, as stored in Redis
 * and evaluated by the worker that watches the symbol (price-alert-service.ts).
 *
 * Levels and percentages are exact decimal strings; the evaluator indexes them by their float
 * value only to find candidates, then decides with src/decimal.ts (price-alert-index.ts).
 */
import type { KlineInterval } from '../binance/types.js';
import { gte, lte } from '../decimal.js';

export type PriceAlertCondition =
  /** The price reaches `level` from below (a trade at or above it). */
  | { kind: 'above'; level: string }
  /** The price reaches `level` from above. */
  | { kind: 'below'; level: string }
  /** The price moves `pct` % or more, up or down, within `windowMs` (measured from the alert's arming). */
  | { kind: 'move'; pct: string; windowMs: number }
  /** RSI(14) of closed `interval` candles crosses `level`: under it (`<`) or over it (`>`). */
  | { kind: 'rsi'; op: '<' | '>'; level: string; interval: KlineInterval }
  /** MACD(12,26,9) of closed `interval` candles crosses its signal line, either way. */
  | { kind: 'macd'; interval: KlineInterval };

export type PriceAlertKind = PriceAlertCondition['kind'];

export interface PriceAlert {
  /** Short, numeric, unique in the deployment: what `/alert off ID` takes. */
  id: string;
  userId: number;
  /** Where it was set and where it rings. */
  chatId: number;
  symbol: string;
  condition: PriceAlertCondition;
  /** Re-arms after firing (once the price has moved back) instead of being removed. */
  repeat: boolean;
  createdAt: number;
  /**
   * Fires counted so far: the claim of a fire names the generation it fires, so one generation
   * fires once whatever the number of workers, retries or restarts.
   */
  gen: number;
  /** False between a repeat alert's fire and its re-arming. */
  armed: boolean;
  /** When it was (re)armed: a move is measured from here, and catch-up reads no further back. */
  armedAt: number;
  /** Indicator alerts: close time of the newest candle that fired it (a candle fires once). */
  lastClose?: number;
  lastFiredAt?: number;
}

/** How a claimed fire leaves the alert: removed, disarmed until the price moves back, or armed again at once. */
export type FireMode = 'remove' | 'disarm' | 'rearm';

/** Why an alert fires, for its message (price-alert-text.ts). */
export type FireDetail =
  | { kind: 'level' }
  | { kind: 'move'; direction: 'up' | 'down'; from: string; fromAt: number; windowMs: number }
  | { kind: 'rsi'; value: number; previous: number }
  | { kind: 'macd'; direction: 'bullish' | 'bearish'; macd: number; signal: number };

export interface Fire {
  alert: PriceAlert;
  /** The price that crossed (a trade, or a candle's extreme or close). */
  price: string;
  /** When, epoch ms (exchange time). */
  at: number;
  detail: FireDetail;
  mode: FireMode;
  /** Indicator alerts: the candle that fired. */
  closeTime?: number;
  /** Found at (re)connect, from candles of the time the stream was down. */
  caughtUp?: { from: number; to: number };
}

/** The 1h default window of a move alert (DESIGN.md §6b). */
export const DEFAULT_MOVE_WINDOW_MS = 3_600_000;

/** Longest move window: the worker keeps one minute bucket per minute of it per symbol. */
export const MAX_MOVE_WINDOW_MS = 24 * 3_600_000;

/**
 * A repeat above/below alert re-arms once the price is back beyond the level by this share
 * (0.1 %), so a price hovering at the level does not ring on every tick.
 */
export const REARM_GAP = '0.001';

/** The price at which a level condition is met by trades that reached `high` and `low`; undefined when not met (and for other kinds). */
export function levelReached(condition: PriceAlertCondition, high: string, low: string): string | undefined {
  if (condition.kind === 'above') return gte(high, condition.level) ? high : undefined;
  if (condition.kind === 'below') return lte(low, condition.level) ? low : undefined;
  return undefined;
}

/** The interval an indicator alert reads; undefined for price alerts. */
export function intervalOf(condition: PriceAlertCondition): KlineInterval | undefined {
  return condition.kind === 'rsi' || condition.kind === 'macd' ? condition.interval : undefined;
}
