/**
 * The paper exchange's matching engine: one account trading against the rest of the market.
 *
 * Pricing model (docs/PAPER-EXCHANGE.md):
 * - The rest of the market is a modelled book around the feed's price (book-model.ts, wired as
 *   `liquidity`); without one, a flat unlimited book at the price moved by `slippageBps`.
 * - A taker (MARKET, a marketable LIMIT, a triggered stop) walks that book merged with the
 *   account's own resting orders, best price first (take-liquidity.ts): one fill per level at the
 *   level's price (`m: false`), self-trade prevention when it reaches an own order. A MARKET
 *   order's unfilled rest expires; a LIMIT's rest rests (GTC) or expires (IOC/FOK).
 * - A resting LIMIT fills at its limit as a maker (`m: true`) when a tick trades at or through it.
 * - STOP_LOSS(_LIMIT) and TAKE_PROFIT(_LIMIT) trigger when a tick crosses the stop (SELL stop:
 *   price <= stop; BUY stop: price >= stop; take-profits the other way). The triggered order then
 *   takes the book around the stop (or around the tick when it was already past the stop): a
 *   market stop as a MARKET order, a stop-limit as a new LIMIT at `price`. Ticks are sparse (a
 *   replay walks only open/high/low/close), so the book the stop meets is the one where the
 *   path crossed it.
 * - `depth`: base quantity the market offers per symbol per tick (tests); larger orders fill in
 *   parts over several ticks.
 *
 * Every state change emits `executionReport` and then `outboundAccountPosition` for the assets
 * that moved (user-data-stream.md).
 */
import { add, gte, isPositive, lt, lte, min, mul, sub } from '../../decimal.js';
import type { SymbolInfo } from '../../binance/types.js';
import type { Accounts } from './accounts.js';
import { createExecutions, newClientOrderId, type EngineOptions, type IdCounters } from './executions.js';
import type { OrderBook, SimFill, SimOrder } from './order-book.js';
import { isOpen } from './order-book.js';
import { isStopType } from './order-format.js';
import type { NewOrderRequest } from './order-validation.js';
import { toScaled } from './price-scale.js';
import { lockPriceOf } from './settlement.js';
import { ORDER_REJECT_MESSAGES, SimError, simErrors } from '../sim-error.js';
import { filterOf, lotStep } from './symbol-rules.js';
import { flatBook, type MarketBook } from './book-model.js';
import type { PreventedMatch } from './order-format.js';
import { expiresTaker, planTake, type TakePlan } from './take-liquidity.js';
import type { PriceTick, UserEventSource } from '../types.js';

export { newClientOrderId, type EngineOptions, type IdCounters } from './executions.js';

export interface PlacedOrder {
  order: SimOrder;
  fills: SimFill[];
  transactTime: number;
  /** Matches self-trade prevention stopped while the order was placed (stp_faq.md). */
  preventedMatches?: PreventedMatch[];
}

interface Taken {
  fills: SimFill[];
  prevented: PreventedMatch[];
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
  const { ids, report, flushAccount, fillable, fill, expire, expireInMatch, takerPrice } = executions;
  /** The last price seen per symbol: where the price came from when the next tick arrives. */
  const lastPrice = new Map<string, string>();

  const infoOf = (symbol: string): SymbolInfo => {
    const info = deps.symbol(symbol);
    if (info === undefined) throw simErrors.invalidSymbol();
    return info;
  };
  /** A stop-loss SELL and a take-profit BUY trigger on the way down; the other two on the way up. */
  const fallsThrough = (order: Pick<SimOrder, 'side' | 'type'>): boolean =>
    (order.side === 'SELL') === (order.type === 'STOP_LOSS' || order.type === 'STOP_LOSS_LIMIT');

  /** The modelled book around `center` (book-model.ts), or a flat one at the price moved by `slippageBps`. */
  const bookAt = (info: SymbolInfo, center: string): MarketBook =>
    deps.liquidity?.(info.symbol, center) ?? flatBook(takerPrice('SELL', center, info), takerPrice('BUY', center, info));
  let preventedMatchIds = 0;

  const wouldTrigger = (order: Pick<SimOrder, 'side' | 'type' | 'stopPrice'>, price: string): boolean =>
    fallsThrough(order) ? lte(price, order.stopPrice) : gte(price, order.stopPrice);

  // The per-tick versions compare scaled integers, parsed once per order and once per tick.
  const levels = new WeakMap<SimOrder, { stop: bigint; limit: bigint }>();
  const levelsOf = (order: SimOrder) => {
    let l = levels.get(order);
    if (l === undefined) {
      l = { stop: toScaled(order.stopPrice), limit: toScaled(order.price) };
      levels.set(order, l);
    }
    return l;
  };
  const triggersAt = (order: SimOrder, price: bigint): boolean =>
    fallsThrough(order) ? price <= levelsOf(order).stop : price >= levelsOf(order).stop;
  const marketableAt = (order: SimOrder, price: bigint): boolean =>
    order.side === 'BUY' ? price <= levelsOf(order).limit : price >= levelsOf(order).limit;

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

  /**
   * The taker's walk: quantity capped by what can fill this tick, and (`afford`, default true) a
   * market BUY by what the account can pay (a triggered market stop; a new MARKET order is
   * refused for balance instead).
   */
  const plan = (order: SimOrder, info: SymbolInfo, liquidity: MarketBook, over: { limit?: string; quote?: string; afford?: boolean } = {}): TakePlan => {
    let quote = over.quote;
    if (over.afford !== false && over.limit === undefined && order.side === 'BUY') {
      const spendable = add(accounts.get(info.quoteAsset).free, order.lockedAsset === info.quoteAsset ? order.locked : '0');
      quote = quote === undefined ? spendable : min(quote, spendable);
    }
    const own = book.open(order.symbol).filter((o) => o !== order && o.isWorking && o.side !== order.side);
    return planTake({
      taker: order,
      book: liquidity,
      own,
      qty: fillable(order),
      step: lotStep(info, over.limit === undefined),
      ...(over.limit !== undefined && { limit: over.limit }),
      ...(quote !== undefined && { quote }),
    });
  };

  /** Carries out a plan: taker fills at each level, self-trades, STP expiries (faqs/stp_faq.md). */
  const execute = (order: SimOrder, info: SymbolInfo, p: TakePlan, now: number): Taken => {
    const fills: SimFill[] = [];
    const prevented: PreventedMatch[] = [];
    for (const step of p.steps) {
      if (step.kind === 'book') {
        fills.push(fill(order, info, step.qty, step.price, false, now));
      } else if (step.kind === 'self-trade') {
        // The maker fills as a resting order does on a tick: its order list hears of it first.
        deps.beforeExecution?.(step.maker, 'fill', now);
        if (!isOpen(step.maker)) continue;
        fill(step.maker, info, step.qty, step.price, true, now);
        fills.push(fill(order, info, step.qty, step.price, false, now));
      } else if (step.kind === 'decrement') {
        const id = preventedMatchIds++;
        const both = { preventedMatchId: id, price: step.price, qty: step.qty };
        expireInMatch(step.maker, { ...both, counterOrderId: order.orderId }, now);
        expireInMatch(order, { ...both, counterOrderId: step.maker.orderId }, now);
        prevented.push({ preventedMatchId: id, makerOrderId: step.maker.orderId, price: step.price, takerPreventedQuantity: step.qty, makerPreventedQuantity: step.qty });
      } else {
        const match = { preventedMatchId: preventedMatchIds++, makerOrderId: step.maker.orderId, price: step.price };
        const entry: PreventedMatch = { ...match };
        if (step.kind !== 'expire-taker') {
          entry.makerPreventedQuantity = expireInMatch(step.maker, { ...match, counterOrderId: order.orderId }, now);
        }
        if (step.kind !== 'expire-maker') {
          entry.takerPreventedQuantity = expireInMatch(order, { ...match, counterOrderId: step.maker.orderId }, now);
        }
        prevented.push(entry);
      }
    }
    return { fills, prevented };
  };

  /**
   * A limit order (new, or a stop-limit just triggered) takes what the book offers up to its
   * limit as a taker; IOC/FOK then expire, GTC rests at its limit as a maker.
   */
  const takeAsLimit = (order: SimOrder, info: SymbolInfo, liquidity: MarketBook, now: number): Taken => {
    const p = plan(order, info, liquidity, { limit: order.price });
    let taken: Taken = { fills: [], prevented: [] };
    if (order.timeInForce === 'FOK' && lt(p.qty, sub(order.origQty, order.executedQty)) && !expiresTaker(p)) {
      expire(order, 'UNFILLED_FOK_ORDER_EXPIRED', now);
    } else if (p.steps.length > 0) {
      taken = execute(order, info, p, now);
    }
    if (isOpen(order) && order.timeInForce !== 'GTC') {
      expire(order, order.timeInForce === 'FOK' ? 'UNFILLED_FOK_ORDER_EXPIRED' : 'UNFILLED_IOC_QUANTITY_EXPIRED', now);
    }
    return taken;
  };

  const find = (symbol: string, ref: OrderRefParams): SimOrder => {
    const byId = ref.orderId !== undefined ? book.byId(ref.orderId) : undefined;
    if (ref.orderId !== undefined) {
      if (byId === undefined || byId.symbol !== symbol) throw simErrors.noSuchOrder();
      if (ref.origClientOrderId !== undefined && byId.clientOrderId !== ref.origClientOrderId) {
        throw new SimError(400, -2039, 'Client order ID is not correct for this order ID.');
      }
      return byId;
    }
    const byClient = book.byClientId(symbol, ref.origClientOrderId!);
    if (byClient === undefined) throw simErrors.noSuchOrder();
    return byClient;
  };

  const cancelOne = (order: SimOrder, cancelClientOrderId: string, now: number): CanceledOrder => {
    executions.cancel(order, cancelClientOrderId, now);
    return { order, cancelClientOrderId, transactTime: now };
  };

  const cancel = (symbol: string, ref: OrderRefParams, cancelClientOrderId?: string, restrictions?: CancelRestrictions): CanceledOrder => {
    infoOf(symbol);
    let order: SimOrder;
    try {
      order = find(symbol, ref);
    } catch (error) {
      if (error instanceof SimError && error.code === -2013) throw simErrors.cancelRejected();
      throw error;
    }
    if (!isOpen(order)) throw simErrors.cancelRejected();
    if (restrictions !== undefined && order.status !== (restrictions === 'ONLY_NEW' ? 'NEW' : 'PARTIALLY_FILLED')) {
      throw simErrors.cancelRejected('Order was not canceled due to cancel restrictions.');
    }
    const now = clock();
    const result = cancelOne(order, cancelClientOrderId ?? newClientOrderId(), now);
    flushAccount(now);
    return result;
  };

  const cancelAll = (symbol: string): CanceledOrder[] => {
    infoOf(symbol);
    const open = book.open(symbol);
    // Binance answers -2011 "Unknown order sent." when there is nothing to cancel.
    if (open.length === 0) throw simErrors.cancelRejected();
    const now = clock();
    const out = open.map((order) => cancelOne(order, newClientOrderId(), now));
    flushAccount(now);
    return out;
  };

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

/** A limit that would trade at once against the book (LIMIT_MAKER's rejection). */
function crossesBook(side: 'BUY' | 'SELL', limit: string, liquidity: MarketBook): boolean {
  const touch = side === 'BUY' ? liquidity.bestAsk() : liquidity.bestBid();
  if (touch === undefined) return false;
  return side === 'BUY' ? gte(limit, touch.price) : lte(limit, touch.price);
}

/** The cap of a quote-sized MARKET order's walk: MARKET_LOT_SIZE.maxQty when set, else LOT_SIZE.maxQty. */
function marketMaxQty(info: SymbolInfo): string {
  const market = filterOf(info, 'MARKET_LOT_SIZE')?.maxQty;
  if (market !== undefined && isPositive(market)) return market;
  return filterOf(info, 'LOT_SIZE')?.maxQty ?? '9000000000';
}
