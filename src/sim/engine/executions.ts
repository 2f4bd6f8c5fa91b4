/**
 * What happens to an order and to the account when it fills, expires or is cancelled, and the
 * user data events that say so (user-data-stream.md): `executionReport` per change, then one
 * `outboundAccountPosition` per state change listing the assets that moved. Also the taker price
 * (slippage) and the per-tick depth that make partial fills. The matching engine decides *when*;
 * this decides *what it does*.
 */
import { randomBytes } from 'node:crypto';
import { add, ceilToStep, div, floorToStep, formatFixed, isPositive, isZero, lt, min, mul, sub } from '../../decimal.js';
import type { SymbolInfo } from '../../binance/types.js';
import type { Accounts } from './accounts.js';
import type { OrderBook, SimFill, SimOrder } from './order-book.js';
import { isOpen } from './order-book.js';
import { precisionOf, renderExecutionReport, type ReportChange } from './order-format.js';
import { releaseLock, settleFill } from './settlement.js';
import type { AccountPositionEvent, UserDataEvent, UserEventSource } from '../types.js';
import { lotStep, tickSize } from './symbol-rules.js';

export interface EngineOptions {
  /** Fee rate on every fill, in the asset received. Default "0.001" (0.1 %). */
  commissionRate?: string;
  /** Price moved against a taker, in basis points. Default "0". */
  slippageBps?: string;
  /** Base quantity available per symbol per tick; undefined = unlimited. */
  depth?: string;
  /**
   * Pay fees in BNB when the account holds enough free BNB and BNB has a price in the pair's
   * quote (BNB<quote>): the fee is the trade's quote value × the rate × (1 − this discount),
   * converted at BNB's last price (commission_faq.md). Undefined: fees in the asset received.
   */
  bnbFeeDiscount?: string;
}

export interface IdCounters {
  orderId: number;
  tradeId: number;
  executionId: number;
}

export interface ExecutionDeps {
  symbol: (symbol: string) => SymbolInfo | undefined;
  accounts: Accounts;
  book: OrderBook;
  options?: EngineOptions;
  /** Last price of a symbol: BNB's price for fees paid in BNB. */
  price?: (symbol: string) => string | undefined;
  /** Called after every change of balances or orders (persistence). */
  onChange?: () => void;
}

export interface Executions extends UserEventSource {
  /** The id counters (mutable: the engine takes order ids from here). */
  readonly ids: IdCounters;
  report(order: SimOrder, change: Omit<ReportChange, 'eventTime' | 'executionId'>, now: number): void;
  /** Sends outboundAccountPosition for what moved, and signals a state change. */
  flushAccount(now: number): void;
  /** The quantity that can fill now: the rest of the order, capped by the tick's depth. */
  fillable(order: SimOrder): string;
  /** A new tick: the symbol's depth is available again. */
  resetDepth(symbol: string): void;
  fill(order: SimOrder, info: SymbolInfo, qty: string, price: string, maker: boolean, now: number): SimFill;
  expire(order: SimOrder, reason: string, now: number): void;
  /** Self-trade prevention expired the order's remaining quantity (EXPIRED_IN_MATCH, execution type TRADE_PREVENTION). */
  /**
   * Self-trade prevention took `qty` (default: all that was left) off the order (execution type
   * TRADE_PREVENTION); with nothing left it expires, status EXPIRED_IN_MATCH. Returns the quantity.
   */
  expireInMatch(order: SimOrder, match: { preventedMatchId: number; counterOrderId: number; price: string; qty?: string }, now: number): string;
  cancel(order: SimOrder, cancelClientOrderId: string, now: number): void;
  /** The market price moved against a taker by the slippage, on the tick. */
  takerPrice(side: 'BUY' | 'SELL', market: string, info: SymbolInfo): string;
  /** Fills a market execution (a MARKET order, or a triggered market stop); the unfilled rest expires. */
  executeMarket(order: SimOrder, info: SymbolInfo, market: string, now: number): SimFill[];
}

/** What the order can still trade: original less executed less what STP prevented (stp_faq.md "prevented quantity"). */
export function availableQty(order: SimOrder): string {
  return sub(sub(order.origQty, order.executedQty), order.preventedQuantity ?? '0');
}

export function newClientOrderId(): string {
  // Binance's generated ids are 22 alphanumerics.
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  return [...randomBytes(22)].map((b) => alphabet[b % alphabet.length]).join('');
}

export function createExecutions(deps: ExecutionDeps): Executions {
  const { accounts, book } = deps;
  const commissionRate = deps.options?.commissionRate ?? '0.001';
  const slippage = div(deps.options?.slippageBps ?? '0', '10000', 12);
  const depth = deps.options?.depth;
  const ids: IdCounters = { orderId: 1, tradeId: 1, executionId: 1 };
  const listeners = new Set<(event: UserDataEvent) => void>();
  /** Remaining depth per symbol for the current tick. */
  const budget = new Map<string, string>();

  const emit = (event: UserDataEvent): void => {
    for (const listener of listeners) {
      try {
        listener(event);
      } catch {
        // A subscriber's failure must not break matching.
      }
    }
  };
  const report = (order: SimOrder, change: Omit<ReportChange, 'eventTime' | 'executionId'>, now: number): void => {
    if (listeners.size === 0) {
      ids.executionId += 1; // the id is spent either way, so ids stay the same with or without a stream
      return;
    }
    emit(renderExecutionReport(order, { ...change, eventTime: now, executionId: ids.executionId++ }, precisionOf(deps.symbol(order.symbol))));
  };
  const flushAccount = (now: number): void => {
    const changed = accounts.takeChanged();
    if (changed.length > 0) {
      const event: AccountPositionEvent = {
        e: 'outboundAccountPosition',
        E: now,
        u: now,
        B: changed.map((a) => {
          const b = accounts.get(a);
          return { a, f: pad8(b.free), l: pad8(b.locked) };
        }),
      };
      emit(event);
    }
    deps.onChange?.();
  };
  const available = (symbol: string): string | undefined => (depth === undefined ? undefined : (budget.get(symbol) ?? depth));
  const consume = (symbol: string, qty: string): void => {
    if (depth !== undefined) budget.set(symbol, sub(available(symbol)!, qty));
  };
  const fillable = (order: SimOrder): string => {
    const rest = availableQty(order);
    const left = available(order.symbol);
    return left === undefined ? rest : min(rest, left);
  };

  const fill = (order: SimOrder, info: SymbolInfo, qty: string, price: string, maker: boolean, now: number): SimFill => {
    const f = settleFill(accounts, info, order, { qty, price, tradeId: ids.tradeId++, maker }, commissionRate, bnbFeeOf(info, qty, price));
    consume(order.symbol, qty);
    order.executedQty = add(order.executedQty, qty);
    order.cummulativeQuoteQty = add(order.cummulativeQuoteQty, mul(qty, price));
    // A quantity STP prevented (DECREMENT) is no longer available: the order is done when the rest is.
    order.status = isZero(availableQty(order)) ? 'FILLED' : 'PARTIALLY_FILLED';
    order.updateTime = now;
    if (order.status === 'FILLED') finish(order);
    report(order, { executionType: 'TRADE', fill: f }, now);
    return f;
  };
  /** The fee in BNB at BNB's last price in the pair's quote, 8 decimals; undefined when fees are not paid in BNB. */
  const bnbFeeOf = (info: SymbolInfo, qty: string, price: string): { amount: string } | undefined => {
    const discount = deps.options?.bnbFeeDiscount;
    if (discount === undefined) return undefined;
    const bnbPrice = deps.price?.(`BNB${info.quoteAsset}`);
    if (bnbPrice === undefined || !isPositive(bnbPrice)) return undefined;
    const feeInQuote = mul(mul(mul(qty, price), commissionRate), sub('1', discount));
    return { amount: div(feeInQuote, bnbPrice, 8, 'half-up') };
  };
  const finish = (order: SimOrder): void => {
    order.isWorking = false;
    releaseLock(accounts, order);
    book.statusChanged(order);
  };
  const expire = (order: SimOrder, reason: string, now: number): void => {
    order.status = 'EXPIRED';
    order.expiryReason = reason;
    order.updateTime = now;
    finish(order);
    report(order, { executionType: 'EXPIRED' }, now);
  };

  const expireInMatch = (order: SimOrder, match: { preventedMatchId: number; counterOrderId: number; price: string; qty?: string }, now: number): string => {
    const prevented = match.qty ?? availableQty(order);
    order.preventedMatchId = match.preventedMatchId;
    order.preventedQuantity = add(order.preventedQuantity ?? '0', prevented);
    order.updateTime = now;
    if (isZero(availableQty(order))) {
      order.status = 'EXPIRED_IN_MATCH';
      finish(order);
    }
    report(order, { executionType: 'TRADE_PREVENTION', prevention: { counterOrderId: match.counterOrderId, price: match.price, qty: prevented } }, now);
    return prevented;
  };

  const takerPrice = (side: 'BUY' | 'SELL', market: string, info: SymbolInfo): string => {
    if (isZero(slippage)) return market;
    const tick = tickSize(info);
    const moved = side === 'BUY' ? mul(market, add('1', slippage)) : mul(market, sub('1', slippage));
    if (isZero(tick)) return moved;
    return side === 'BUY' ? ceilToStep(moved, tick) : floorToStep(moved, tick);
  };

  /** Fills a market execution (a MARKET order, or a triggered market stop) at `price`. */
  const executeMarket = (order: SimOrder, info: SymbolInfo, market: string, now: number): SimFill[] => {
    const price = takerPrice(order.side, market, info);
    let qty = fillable(order);
    if (order.side === 'BUY') {
      // A market BUY can only spend what the account has (its lock plus free quote).
      const spendable = add(accounts.get(info.quoteAsset).free, order.lockedAsset === info.quoteAsset ? order.locked : '0');
      const affordable = floorToStep(div(spendable, price, 16), lotStep(info, true));
      if (lt(affordable, qty)) qty = affordable;
    }
    const fills = isPositive(qty) ? [fill(order, info, qty, price, false, now)] : [];
    if (isOpen(order)) expire(order, 'INSUFFICIENT_LIQUIDITY', now);
    return fills;
  };

  const cancel = (order: SimOrder, cancelClientOrderId: string, now: number): void => {
    order.status = 'CANCELED';
    order.updateTime = now;
    finish(order);
    report(order, { executionType: 'CANCELED', cancelClientOrderId }, now);
  };

  return {
    ids,
    report,
    flushAccount,
    fillable,
    resetDepth: (symbol) => void budget.delete(symbol),
    fill,
    expire,
    expireInMatch,
    cancel,
    takerPrice,
    executeMarket,
    onUserEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

const pad8 = (value: string): string => formatFixed(value, 8);
