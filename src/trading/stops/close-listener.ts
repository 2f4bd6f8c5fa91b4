/**
 * Work that rides on the stop manager's candle closes (DESIGN.md §11: signals are "evaluated at
 * candle closes, sharing the stop manager's one klines request per (symbol, interval)"). The
 * manager follows the listener's pairs as it follows its stops' (kline stream, schedulers), makes
 * its one klines request per close large enough for both, evaluates the stops first and then
 * hands the same closed candles to the listener. A listener that throws fails the close job,
 * which is retried; listeners must be idempotent per close (stops already are).
 */
import type { Kline } from '../../binance/types.js';
import type { StopPair } from './stop-store.js';

export interface CandleCloseListener {
  /** Pairs the listener needs closes for. */
  pairs(): Promise<StopPair[]>;
  /** Whether it has work on this pair now. */
  listens(pair: StopPair): Promise<boolean>;
  /** Candles it needs in the klines request (the request asks for the most any party needs). */
  readonly klines: number;
  /** The close of `closeTime`: `candles` are the closed ones up to it, oldest first. */
  onClose(pair: StopPair, closeTime: number, candles: readonly Kline[]): Promise<void>;
}
