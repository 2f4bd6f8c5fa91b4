/**
 * The one strategy contract of DESIGN.md §11: closed candles in; entry, exit and stop decisions
 * out. The backtester (backtest.ts) and the live signal evaluator (signal-evaluator.ts) both drive
 * a strategy through the same step function (strategy-step.ts), so what a backtest shows is what
 * /signal proposes.
 *
 * A strategy is pure and deterministic: `prepare` reads a series of closed candles once (its
 * indicators), and `decide(i, position)` answers for the close of candle `i` using candles 0..i
 * only. That is the no-look-ahead rule, and test/strategies/no-look-ahead.test.ts holds every
 * strategy to it: changing a later candle never changes an earlier decision.
 */
import type { Kline } from '../binance/types.js';

/** What a strategy reads from a candle: the exchange's decimal strings, oldest first. */
export type StrategyCandle = Pick<Kline, 'openTime' | 'closeTime' | 'open' | 'high' | 'low' | 'close'>;

export const STRATEGY_NAMES = ['macd', 'fractal', 'macd-fractal'] as const;
export type StrategyName = (typeof STRATEGY_NAMES)[number];

export function isStrategyName(value: string): value is StrategyName {
  return (STRATEGY_NAMES as readonly string[]).includes(value);
}

/** The position a strategy is asked about: filled at `entryPrice` at the open of the candle opening at `entryTime`. */
export interface StrategyPosition {
  entryPrice: string;
  /** Open time of the candle whose open filled the entry: the stop's arming moment (§5 "formed after arming"). */
  entryTime: number;
  /** The stop in force from the next candle on; absent while a fractal stop waits for its first fractal. */
  stop?: string;
}

export type Decision =
  /** Flat: buy at the next open; `stop` is the protective stop the strategy would arm with (fractal exits). */
  | { kind: 'enter'; reason: string; stop?: string }
  /** In a position: sell at the next open. */
  | { kind: 'exit'; reason: string }
  /** Nothing to do; `stop` is where the trailing stop now sits when it moved at this close. */
  | { kind: 'hold'; stop?: string; reason?: string };

/** A strategy's indicators over one series of closed candles. */
export interface StrategySeries {
  readonly candles: readonly StrategyCandle[];
  /** The decision at the close of candle `index`, from candles 0..index only. */
  decide(index: number, position: StrategyPosition | undefined): Decision;
}

export interface Strategy {
  readonly name: StrategyName;
  /** One line for /help and the backtest caption. */
  readonly description: string;
  /** `signal`: the strategy says when to sell; `trailing-stop`: the fractal stop of §5 does (on the exchange, live). */
  readonly exit: 'signal' | 'trailing-stop';
  /** `tickSize`: the symbol's PRICE_FILTER tick, to which a stop is rounded down (stop-rule.ts). */
  prepare(candles: readonly StrategyCandle[], options: { tickSize: string }): StrategySeries;
}
