/**
 * The paper exchange's matching engine: one account trading against the rest of the market.
 *
 * Pricing model (docs/PAPER-EXCHANGE.md):
 * - The rest of the market is a modelled book around the feed's price (book-model.ts, wired as
 *   `liquidity`); without one, a flat unlimited book at the price moved by `slippageBps`.
 * - A taker (MARKET, a marketable LIMIT, a triggered stop) walks that book merged with the
 *   account's own resting orders, best price first (take-liquidity.ts, taker.ts): one fill per level at the
 *   level's price (`m: false`), self-trade prevention when it reaches an own order. A MARKET
 *   order's unfilled rest expires; a LIMIT's rest rests (GTC) or expires (IOC/FOK).
 * - A resting LIMIT fills at its limit as a maker (`m: true`) when a tick trades at or through it.
 * - STOP_LOSS(_LIMIT) and TAKE_PROFIT(_LIMIT) trigger when a tick crosses the stop
 *   (stop-triggers.ts). The triggered order then takes the book around the stop (or around the tick when it was already past the stop): a
 *   market stop as a MARKET order, a stop-limit as a new LIMIT at `price`. Ticks are sparse (a
 *   replay walks only open/high/low/close), so the book the stop meets is the one where the
 *   path crossed it.
 * - `depth`: base quantity the market offers per symbol per tick (tests); larger orders fill in
 *   parts over several ticks.
 *
 * Every state change emits `executionReport` and then `outboundAccountPosition` for the assets
 * that moved (user-data-stream.md).
 */
import { isPositive, mul } from '../../decimal.js';
import type { SymbolInfo } from '../../binance/types.js';
import type { Accounts } from './accounts.js';
import { crossesBook, flatBook, type MarketBook } from './book-model.js';
import { createCancels } from './cancels.js';
import { createExecutions, newClientOrderId, type EngineOptions, type IdCounters } from './executions.js';
import type { OrderBook, SimFill, SimOrder } from './order-book.js';
import { isOpen } from './order-book.js';
import { isStopType, type PreventedMatch } from './order-format.js';
import type { NewOrderRequest } from './order-validation.js';
import { toScaled } from './price-scale.js';
import { lockPriceOf } from './settlement.js';
import { createTickChecks, wouldTrigger } from './stop-triggers.js';
import { marketMaxQty } from './symbol-rules.js';
import { createTaker, type Taken } from './taker.js';
import type { TakePlan } from './take-liquidity.js';
import { ORDER_REJECT_MESSAGES, simErrors } from '../sim-error.js';
import type { PriceTick, UserEventSource } from '../types.js';

export { newClientOrderId, type EngineOptions, type IdCounters } from './executions.js';

export interface PlacedOrder {
  order: SimOrder;
  fills: SimFill[];
  transactTime: number;
  /** Matches self-trade prevention stopped while the order was placed (stp_faq.md). */
  preventedMatches?: PreventedMatch[];
}

export interface CanceledOrder {
  order: SimOrder;
  cancelClientOrderId: string;
  transactTime: number;
}

/** `cancelRestrictions` (rest-api.md "Regarding cancelRestrictions"): which status a cancel may hit. */
export type CancelRestrictions = 'ONLY_NEW' | 'ONLY_PARTIALLY_FILLED';

export interface OrderRefParams {
  orderId?: number;
  origClientOrderId?: string;
}

/**
 * Order-list hooks (order-lists.ts): how a leg of a list is placed. Kept apart from the matching
 * logic so the list semantics live in their own module.
 */
export interface PlaceExtras {
  orderListId?: number;
  /** A PENDING_NEW leg (OTO/OTOCO): recorded with an id, but inert until activated. */
  pending?: boolean;
  /** Activates the PENDING_NEW record with this id (same id, as on Binance). */
  orderId?: number;
  /** Overrides the amount locked (OCO legs share one lock: the second leg locks '0'). */
  lock?: string;
}

export interface MatchingEngine extends UserEventSource {
  place(request: NewOrderRequest, extras?: PlaceExtras): PlacedOrder;
  /** Expires an open order with an expiry reason (order lists: OCO_TRIGGER, REJECTED, …). */
  expire(order: SimOrder, reason: string): void;
  /** `restrictions`: cancel only an order in that status (-2011 "... due to cancel restrictions." otherwise). */
  cancel(symbol: string, ref: OrderRefParams, cancelClientOrderId?: string, restrictions?: CancelRestrictions): CanceledOrder;
  cancelAll(symbol: string): CanceledOrder[];
  find(symbol: string, ref: OrderRefParams): SimOrder;
  /** Applies a feed tick: triggers stops, fills resting limits. */
  onTick(tick: PriceTick): void;
  counters(): IdCounters;
  restoreCounters(counters: IdCounters): void;
}

export interface EngineDeps {
  symbol: (symbol: string) => SymbolInfo | undefined;
  accounts: Accounts;
  book: OrderBook;
  price: (symbol: string) => string | undefined;
  /** Server time, epoch ms. */
  clock: () => number;
  options?: EngineOptions;
  /** Called after every change of balances or orders (persistence). */
  onChange?: () => void;
  /**
   * The rest of the market's book around a price (book-model.ts). Absent: a flat, unlimited
   * book at the price moved against the taker by `slippageBps` (the engine's unit tests).
   */
  liquidity?: (symbol: string, center: string) => MarketBook | undefined;
  /** Order lists: called before a resting order fills or a stop triggers on a tick. */
  beforeExecution?: (order: SimOrder, kind: 'trigger' | 'fill', now: number) => void;
}

export function createMatchingEngine(deps: EngineDeps): MatchingEngine {
  const { accounts, book, clock } = deps;
  const executions = createExecutions(deps);
  const { ids, report, flushAccount, fillable, fill, expire, takerPrice } = executions;
  const { plan, execute, takeAsLimit } = createTaker({ accounts, book, executions, beforeExecution: deps.beforeExecution });
  const { triggersAt, marketableAt } = createTickChecks();
  /** The last price seen per symbol: where the price came from when the next tick arrives. */
  const lastPrice = new Map<string, string>();

  const infoOf = (symbol: string): SymbolInfo => {
    const info = deps.symbol(symbol);
    if (info === undefined) throw simErrors.invalidSymbol();
    return info;
  };
  /** The modelled book around `center` (book-model.ts), or a flat one at the price moved by `slippageBps`. */
  const bookAt = (info: SymbolInfo, center: string): MarketBook =>
    deps.liquidity?.(info.symbol, center) ?? flatBook(takerPrice('SELL', center, info), takerPrice('BUY', center, info));

  const place = (request: NewOrderRequest, extras: PlaceExtras = {}): PlacedOrder => {
    const pending = extras.pending === true;
    const activating = extras.orderId !== undefined;
    const info = infoOf(request.symbol);
    const now = clock();
    const market = deps.price(request.symbol);
    if (market === undefined) throw simErrors.orderRejected(ORDER_REJECT_MESSAGES.marketClosed);
    // The price before the next tick: a stop crossed from here triggers at its stop price.
    lastPrice.set(request.symbol, market);
    const clientOrderId = request.newClientOrderId ?? newClientOrderId();
    const holder = book.openByClientId(request.symbol, clientOrderId);
    if (holder !== undefined && holder.orderId !== extras.orderId) {
      throw simErrors.orderRejected(ORDER_REJECT_MESSAGES.duplicate);
    }
    const stop = isStopType(request.type);
    // A pending leg is checked when it goes on the book; an activated stop already crossed triggers on the next tick.
    if (stop && !pending && !activating && wouldTrigger({ side: request.side, type: request.type, stopPrice: request.stopPrice! }, market)) {
      throw simErrors.orderRejected(ORDER_REJECT_MESSAGES.wouldTrigger);
    }
    const limitPrice = request.price ?? '0';
    const liquidity = bookAt(info, market);
    if (request.type === 'LIMIT_MAKER' && !pending && crossesBook(request.side, limitPrice, liquidity)) {
      throw simErrors.orderRejected(ORDER_REJECT_MESSAGES.wouldMatchImmediately);
    }
    // A quote-sized MARKET order gets its quantity from the walk below.
    const origQty = request.quantity ?? marketMaxQty(info);

    const order: SimOrder = {
      symbol: request.symbol,
      orderId: extras.orderId ?? ids.orderId,
      clientOrderId,
      side: request.side,
      type: request.type,
      timeInForce: request.timeInForce ?? 'GTC',
      price: limitPrice,
      origQty,
      origQuoteOrderQty: request.quoteOrderQty ?? '0',
      stopPrice: request.stopPrice ?? '0',
      executedQty: '0',
      cummulativeQuoteQty: '0',
      status: pending ? 'PENDING_NEW' : 'NEW',
      time: now,
      updateTime: now,
      workingTime: stop || pending ? -1 : now,
      isWorking: !stop && !pending,
      selfTradePreventionMode: request.selfTradePreventionMode ?? info.defaultSelfTradePreventionMode ?? 'NONE',
      lockedAsset: request.side === 'BUY' ? info.quoteAsset : info.baseAsset,
      locked: '0',
      triggered: false,
    };
    if (request.icebergQty !== undefined) order.icebergQty = request.icebergQty;
    if (extras.orderListId !== undefined) order.orderListId = extras.orderListId;

    // Balance first, so a rejected order leaves no trace (and consumes no id).
    let marketPlan: TakePlan | undefined;
    if (pending) {
      // A pending leg locks nothing until it goes on the book.
    } else if (request.type === 'MARKET') {
      const quote = request.quoteOrderQty;
      marketPlan = plan(order, info, liquidity, { afford: false, ...(quote !== undefined && { quote }) });
      if (request.quantity === undefined) {
        // quoteOrderQty: the quantity the walk could trade for the amount, in whole lots.
        if (!isPositive(marketPlan.qty)) throw simErrors.filterFailure('LOT_SIZE');
        order.origQty = marketPlan.qty;
      }
      const need = request.side === 'BUY' ? (quote ?? marketPlan.quote) : order.origQty;
      if (!accounts.hasFree(order.lockedAsset, need)) throw simErrors.orderRejected(ORDER_REJECT_MESSAGES.insufficientBalance);
    } else {
      const lock = extras.lock ?? (request.side === 'BUY' ? mul(origQty, lockPriceOf(order)) : origQty);
      accounts.lock(order.lockedAsset, lock);
      order.locked = lock;
    }
    if (!activating) ids.orderId += 1;
    book.add(order);
    report(order, { executionType: 'NEW' }, now);
    if (pending) {
      flushAccount(now);
      return { order, fills: [], transactTime: now };
    }

    let taken: Taken = { fills: [], prevented: [] };
    if (marketPlan !== undefined) {
      taken = execute(order, info, marketPlan, now);
      if (isOpen(order)) expire(order, 'INSUFFICIENT_LIQUIDITY', now);
    } else if (!stop) {
      taken = takeAsLimit(order, info, liquidity, now);
    }
    flushAccount(now);
    return { order, fills: taken.fills, transactTime: now, preventedMatches: taken.prevented };
  };

  const { find, cancel, cancelAll } = createCancels({ book, clock, infoOf, executions });

  const onTick = (tick: PriceTick): void => {
    const previous = lastPrice.get(tick.symbol);
    lastPrice.set(tick.symbol, tick.price);
    executions.resetDepth(tick.symbol);
    const open = book.open(tick.symbol);
    if (open.length === 0) return;
    const info = deps.symbol(tick.symbol);
    if (info === undefined) return;
    const now = clock();
    const p = tick.price;
    const scaled = toScaled(p);
    for (const order of open) {
      if (!isOpen(order) || order.status === 'PENDING_NEW') continue;
      if (isStopType(order.type) && !order.triggered) {
        if (!triggersAt(order, scaled)) continue;
        deps.beforeExecution?.(order, 'trigger', now);
        if (!isOpen(order)) continue;
        order.triggered = true;
        order.isWorking = true;
        order.workingTime = now;
        order.updateTime = now;
        // Crossed from the untriggered side: the market passed through the stop itself, so the
        // book it meets is the one around the stop (ticks are sparse: a replay jumps open → low).
        const triggerPrice = previous !== undefined && !wouldTrigger(order, previous) ? order.stopPrice : p;
        const liquidity = bookAt(info, triggerPrice);
        if (order.type === 'STOP_LOSS' || order.type === 'TAKE_PROFIT') {
          execute(order, info, plan(order, info, liquidity), now);
          if (isOpen(order)) expire(order, 'INSUFFICIENT_LIQUIDITY', now);
          continue;
        }
        // A triggered stop-limit is a new limit order: it takes the book up to its limit (taker
        // fee, m false), and only the rest waits at its limit as a maker. IOC/FOK get this one chance.
        takeAsLimit(order, info, liquidity, now);
        continue;
      }
      if (order.isWorking && marketableAt(order, scaled)) {
        deps.beforeExecution?.(order, 'fill', now);
        if (isOpen(order)) fillResting(order, info, now);
      }
    }
    flushAccount(now);
  };

  const fillResting = (order: SimOrder, info: SymbolInfo, now: number): void => {
    const qty = fillable(order);
    if (isPositive(qty)) fill(order, info, qty, order.price, true, now);
  };

  return {
    place,
    cancel,
    cancelAll,
    find,
    onTick,
    expire(order, reason) {
      const now = clock();
      expire(order, reason, now);
      flushAccount(now);
    },
    onUserEvent: executions.onUserEvent,
    counters: () => ({ ...ids }),
    restoreCounters(counters) {
      ids.orderId = Math.max(ids.orderId, counters.orderId);
      ids.tradeId = Math.max(ids.tradeId, counters.tradeId);
      ids.executionId = Math.max(ids.executionId, counters.executionId);
    },
  };
}
