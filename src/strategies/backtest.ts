/**
 * The backtester of DESIGN.md §11: a strategy replayed over closed candles with the rules the
 * live signals follow (strategy-step.ts), and the account's money counted exactly.
 *
 * - The series is the warm-up candles (up to 300 before the span) followed by the N candles of
 *   the span. Indicators read the whole series; orders happen only inside the span, and return
 *   and buy-and-hold are measured over it.
 * - Next-open fills; a stop fills at its price, or at the open when a gap jumps it.
 * - A fee of `feeRate` (0.1 %) per side: a buy receives quantity × (1 − fee) (Binance takes the
 *   commission in the asset received), a sell pays proceeds × (1 − fee).
 * - All in: each entry spends the whole cash. A position still open at the end is valued at the
 *   last close, net of the sell fee, and its trade is marked open.
 * - Money is decimal strings (src/decimal.ts): quantities kept to 12 decimals (rounded down),
 *   cash and values to 8. Floats appear only in the indicators and the chart.
 */
import { add, div, gt, isPositive, mul, round, sub } from '../decimal.js';
import type { StrategyCandle, StrategyName, Strategy } from './strategy-types.js';
import { stepCandle, type StepEvent, type StrategyState } from './strategy-step.js';

/** Candles read before the span to warm the indicators up (fewer when history is shorter). */
export const WARMUP_CANDLES = 300;
export const DEFAULT_FEE_RATE = '0.001';
const START_CASH = '10000';
const QTY_DECIMALS = 12;
const MONEY_DECIMALS = 8;

export interface BacktestTrade {
  entryTime: number;
  entryPrice: string;
  /** Undefined while open at the end (valued at the last close). */
  exitTime?: number;
  exitPrice: string;
  exitBy: 'signal' | 'stop' | 'end';
  entryReason: string;
  exitReason: string;
  quantity: string;
  /** Percent, net of both fees. */
  returnPct: string;
}

export interface BacktestResult {
  strategy: StrategyName;
  /** Candles in the span, and in the warm-up before it. */
  candles: number;
  warmup: number;
  /** Open time of the first candle of the span, close time of the last. */
  from: number;
  to: number;
  trades: BacktestTrade[];
  wins: number;
  /** Percent of trades with a positive return; undefined without trades. */
  winRatePct: string | undefined;
  totalReturnPct: string;
  maxDrawdownPct: string;
  timeInMarketPct: string;
  buyAndHoldPct: string;
  startEquity: string;
  endEquity: string;
  /** Equity at each close of the span. */
  equity: Array<{ time: number; value: string }>;
  /** Every event, in order: for the chart's markers and the no-look-ahead tests. */
  events: StepEvent[];
}

export interface BacktestInput {
  strategy: Strategy;
  /** Closed candles, oldest first: the warm-up, then the span. */
  candles: readonly StrategyCandle[];
  /** Index of the first candle of the span (= the number of warm-up candles). */
  spanStart: number;
  /** The symbol's PRICE_FILTER tick (stops are rounded down to it). */
  tickSize: string;
  feeRate?: string;
}

const pct = (part: string, whole: string) => round(div(mul(part, '100'), whole, 6, 'half-up'), 4);

export function runBacktest(input: BacktestInput): BacktestResult {
  const { strategy, candles, spanStart } = input;
  if (spanStart < 0 || spanStart >= candles.length) throw new RangeError(`span start ${spanStart} outside ${candles.length} candles`);
  const fee = input.feeRate ?? DEFAULT_FEE_RATE;
  const keep = sub('1', fee);
  const series = strategy.prepare(candles, { tickSize: input.tickSize });
  const last = candles.length - 1;

  let cash = START_CASH;
  let quantity = '0';
  let state: StrategyState = {};
  let open: Omit<BacktestTrade, 'exitPrice' | 'exitBy' | 'exitReason' | 'returnPct'> & { cost: string } | undefined;
  const trades: BacktestTrade[] = [];
  const equity: BacktestResult['equity'] = [];
  const events: StepEvent[] = [];
  let peak = START_CASH;
  // The lowest equity since the peak: a drawdown is divided out only when it deepens.
  let trough = START_CASH;
  let maxDrawdown = '0';
  let inMarket = 0;

  const close = (time: number | undefined, price: string, by: BacktestTrade['exitBy'], reason: string) => {
    const proceeds = round(mul(mul(quantity, price), keep), MONEY_DECIMALS, 'floor');
    trades.push({
      entryTime: open!.entryTime,
      entryPrice: open!.entryPrice,
      ...(time !== undefined ? { exitTime: time } : {}),
      exitPrice: price,
      exitBy: by,
      entryReason: open!.entryReason,
      exitReason: reason,
      quantity: open!.quantity,
      returnPct: pct(sub(proceeds, open!.cost), open!.cost),
    });
    return proceeds;
  };

  for (let i = spanStart; i <= last; i++) {
    const heldAtOpen = state.position !== undefined;
    const step = stepCandle(series, i, state, { decide: i < last });
    let held = heldAtOpen;
    for (const event of step.events) {
      events.push(event);
      if (event.kind === 'entered') {
        held = true;
        quantity = round(div(mul(cash, keep), event.price, QTY_DECIMALS + 4, 'floor'), QTY_DECIMALS, 'floor');
        open = { entryTime: event.time, entryPrice: event.price, entryReason: event.reason, quantity, cost: cash };
        cash = '0';
      } else if (event.kind === 'exited') {
        if (event.by === 'stop') held = true;
        cash = close(event.time, event.price, event.by, event.reason);
        quantity = '0';
        open = undefined;
      }
    }
    if (held) inMarket++;
    state = step.state;

    const candle = candles[i]!;
    const value = isPositive(quantity) ? add(cash, round(mul(quantity, candle.close), MONEY_DECIMALS, 'floor')) : cash;
    equity.push({ time: candle.closeTime, value });
    if (gt(value, peak)) {
      peak = value;
      trough = value;
    } else if (gt(trough, value)) {
      trough = value;
      const drawdown = pct(sub(peak, value), peak);
      if (gt(drawdown, maxDrawdown)) maxDrawdown = drawdown;
    }
  }

  const lastCandle = candles[last]!;
  let endEquity = cash;
  if (open) {
    endEquity = close(undefined, lastCandle.close, 'end', 'still open at the end, valued at the last close');
  }
  const span = last - spanStart + 1;
  const wins = trades.filter((t) => gt(t.returnPct, '0')).length;
  const first = candles[spanStart]!;
  const boughtAndHeld = mul(mul(div(mul(START_CASH, keep), first.open, QTY_DECIMALS, 'floor'), lastCandle.close), keep);
  return {
    strategy: strategy.name,
    candles: span,
    warmup: spanStart,
    from: first.openTime,
    to: lastCandle.closeTime,
    trades,
    wins,
    winRatePct: trades.length === 0 ? undefined : pct(String(wins), String(trades.length)),
    totalReturnPct: pct(sub(endEquity, START_CASH), START_CASH),
    maxDrawdownPct: maxDrawdown,
    timeInMarketPct: pct(String(inMarket), String(span)),
    buyAndHoldPct: pct(sub(round(boughtAndHeld, MONEY_DECIMALS, 'floor'), START_CASH), START_CASH),
    startEquity: START_CASH,
    endEquity,
    equity,
    events,
  };
}
