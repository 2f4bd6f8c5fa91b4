/**
 * The fair share of request weight (DESIGN.md §8): each trader has a token bucket of request
 * weight, and every exchange read a chat command sends on their behalf is paid from it.
 *
 * Numbers, from the per-minute REQUEST_WEIGHT limit L (exchangeInfo.rateLimits; 6000 on Binance):
 * - views may use V = 0.7 × L per minute (the transport refuses a view past it; the other 30 % is
 *   the reserve of orders, cancels, stop moves and the user stream);
 * - each of the N allowed traders gets S = V / N per minute: the bucket holds S (a minute's share
 *   may be spent in one burst) and refills at S / 60 per second. L = 6000, N = 2: 2100, 35/s.
 *
 * A command is admitted or refused before its first request leaves: refused when the trader's
 * bucket is in debt, with the time until it is not ("You are going too fast: try again in N s."),
 * thrown by the read's call itself so that only that trader ever sees it.
 * Once admitted, its requests all go out and are charged their weight, so a command is never cut
 * in half; a trader can overdraw by one command's weight at most, and pays it back before the
 * next. Reads answered from a cache cost nothing, and updates that send no read (Confirm, Cancel
 * on a card, /help) are never refused.
 *
 * The buckets live in the memory of the bot process: it is the only role that answers chat, and
 * a restart only hands every trader a full bucket again. What protects the exchange across
 * processes is the transport's view ceiling, computed from the exchange's own count of this IP's
 * weight (X-MBX-USED-WEIGHT-1M), which every process reads back.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Middleware } from 'grammy';
import { AppError, isExchangeError } from '../errors.js';
import { requestWeight as weightOf, VIEW_WEIGHT_SHARE } from '../binance/request-weights.js';
import type { RateLimit } from '../binance/types.js';
import type { ExchangeClient } from '../binance/exchange-client.js';

export interface RequestBudgetOptions {
  /** REQUEST_WEIGHT per minute; read on every charge, so a later exchangeInfo load is honoured. */
  weightLimit: () => number;
  /** How many traders share the view budget (the allow-list's length). */
  traders: number;
  now?: () => number;
}

export interface BudgetState {
  /** Tokens left (negative: the trader is in debt). */
  tokens: number;
  capacity: number;
  refillPerSecond: number;
}

export interface RequestBudget {
  /** Grammy middleware: the rest of the update runs on behalf of its sender. */
  middleware(): Middleware;
  /** Runs `work` on behalf of `userId` (the middleware's scope, for callers outside grammY). */
  run<T>(userId: number, work: () => Promise<T>): Promise<T>;
  /**
   * Pays `weight` from the current trader's bucket before a request leaves; throws BOT_SLOW_DOWN
   * when this is the update's first request and the bucket is in debt. No-op outside a scope.
   */
  charge(weight: number): void;
  /** Gives back weight charged for a request that was refused before it was sent. */
  refund(weight: number): void;
  state(userId: number): BudgetState;
}

interface Scope {
  userId: number;
  admitted: boolean;
}

export function createRequestBudget(options: RequestBudgetOptions): RequestBudget {
  const now = options.now ?? Date.now;
  const scopes = new AsyncLocalStorage<Scope>();
  const buckets = new Map<number, { tokens: number; at: number }>();

  const shares = () => {
    const perMinute = (options.weightLimit() * VIEW_WEIGHT_SHARE) / Math.max(1, options.traders);
    return { capacity: perMinute, refillPerMs: perMinute / 60_000 };
  };
  const bucketOf = (userId: number) => {
    const { capacity, refillPerMs } = shares();
    const t = now();
    let bucket = buckets.get(userId);
    if (!bucket) buckets.set(userId, (bucket = { tokens: capacity, at: t }));
    bucket.tokens = Math.min(capacity, bucket.tokens + Math.max(0, t - bucket.at) * refillPerMs);
    bucket.at = t;
    return { bucket, refillPerMs };
  };

  // async: a refusal thrown at a read's call still reaches the caller as a rejection.
  const run = <T>(userId: number, work: () => Promise<T>) => scopes.run({ userId, admitted: false }, async () => await work());

  return {
    middleware: () => (ctx, next) => (ctx.from ? run(ctx.from.id, next) : next()),
    run,
    charge(weight) {
      const scope = scopes.getStore();
      if (!scope) return;
      const { bucket, refillPerMs } = bucketOf(scope.userId);
      if (!scope.admitted) {
        if (bucket.tokens < 0) {
          const seconds = Math.max(1, Math.ceil(-bucket.tokens / refillPerMs / 1000));
          throw new AppError('BOT_SLOW_DOWN', `request budget of user ${scope.userId} in debt`, {
            userMessage: `You are going too fast: try again in ${seconds} s.`,
            details: { userId: scope.userId, tokens: Math.round(bucket.tokens), retryAfterS: seconds },
          });
        }
        scope.admitted = true;
      }
      bucket.tokens -= weight;
    },
    refund(weight) {
      const scope = scopes.getStore();
      if (scope) bucketOf(scope.userId).bucket.tokens += weight;
    },
    state(userId) {
      const { bucket, refillPerMs } = bucketOf(userId);
      return { tokens: bucket.tokens, capacity: shares().capacity, refillPerSecond: refillPerMs * 1000 };
    },
  };
}

/** REQUEST_WEIGHT per minute from exchangeInfo.rateLimits, else `fallback`. */
export function weightLimitOf(rateLimits: readonly RateLimit[], fallback: number): number {
  return rateLimits.find((l) => l.rateLimitType === 'REQUEST_WEIGHT' && l.interval === 'MINUTE' && l.intervalNum === 1)?.limit ?? fallback;
}

/**
 * The exchange as chat commands see it: every read is paid from the current trader's bucket
 * before it is sent. `exchange` should be the client's `withPriority('view')`, so the transport
 * also keeps these reads out of the trading reserve.
 */
export function meteredExchange(exchange: ExchangeClient, budget: RequestBudget): ExchangeClient {
  function paid<R>(weight: number, call: () => Promise<R>): Promise<R> {
    // Thrown at the call, not returned as a rejection: a refused trader must not start a fetch
    // that others would share, or leave their refusal in it (view-cache.ts, ticker-cache.ts).
    budget.charge(weight);
    return call().catch((error: unknown) => {
      // Refused by the transport before sending (view ceiling, held gate): nothing was spent.
      if (isExchangeError(error) && error.kind === 'rate-limited' && error.httpStatus === undefined) budget.refund(weight);
      throw error;
    });
  }
  const w = (path: string, params?: Record<string, string>) => weightOf('GET', path, params);
  const one = { symbol: 'ANY' };
  return {
    ping: () => paid(w('/api/v3/ping'), () => exchange.ping()),
    serverTime: () => paid(w('/api/v3/time'), () => exchange.serverTime()),
    exchangeInfo: (o) => paid(w('/api/v3/exchangeInfo'), () => exchange.exchangeInfo(o)),
    klines: (s, i, o) => paid(w('/api/v3/klines'), () => exchange.klines(s, i, o)),
    ticker24h: (s) => paid(w('/api/v3/ticker/24hr', one), () => exchange.ticker24h(s)),
    ticker24hAll: () => paid(w('/api/v3/ticker/24hr'), () => exchange.ticker24hAll()),
    tickerPrice: (s) => paid(w('/api/v3/ticker/price', one), () => exchange.tickerPrice(s)),
    tickerPriceAll: () => paid(w('/api/v3/ticker/price'), () => exchange.tickerPriceAll()),
    avgPrice: (s) => paid(w('/api/v3/avgPrice'), () => exchange.avgPrice(s)),
    // Often answered from the client's memory of "no reference price" without a request; charged as one anyway.
    referencePrice: (s) => paid(w('/api/v3/referencePrice'), () => exchange.referencePrice(s)),
    account: () => paid(w('/api/v3/account'), () => exchange.account()),
    openOrders: (s) => paid(w('/api/v3/openOrders', s === undefined ? undefined : { symbol: s }), () => exchange.openOrders(s)),
    allOrders: (s, o) => paid(w('/api/v3/allOrders'), () => exchange.allOrders(s, o)),
    myTrades: (s, q) => paid(w('/api/v3/myTrades', q?.orderId === undefined ? undefined : { orderId: String(q.orderId) }), () => exchange.myTrades(s, q)),
    getOrder: (ref) => paid(w('/api/v3/order'), () => exchange.getOrder(ref)),
    // Orders and cancels go through the trading service, never a view; unmetered if ever called.
    newOrder: (p) => exchange.newOrder(p),
    testOrder: (p) => exchange.testOrder(p),
    cancelOrder: (ref) => exchange.cancelOrder(ref),
    cancelOpenOrders: (s) => exchange.cancelOpenOrders(s),
    cancelReplace: (p) => exchange.cancelReplace(p),
    newOco: (p) => exchange.newOco(p),
    newOto: (p) => exchange.newOto(p),
    cancelOrderList: (ref, o) => exchange.cancelOrderList(ref, o),
    getOrderList: (ref) => paid(w('/api/v3/orderList'), () => exchange.getOrderList(ref)),
    openOrderLists: () => paid(w('/api/v3/openOrderList'), () => exchange.openOrderLists()),
    orderTrades: (s, id) => paid(w('/api/v3/myTrades', { symbol: s, orderId: String(id) }), () => exchange.orderTrades(s, id)),
    usage: () => exchange.usage(),
  };
}
