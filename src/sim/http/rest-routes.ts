/**
 * The REST route table: path, method, security, request weight (rest-api.md, BINANCE.md
 * "Limits"), and the handler. Handlers are synchronous over the engine's state, so each request
 * is atomic, as it is for one account on Binance's matching engine.
 */
import type { Accounts } from '../engine/accounts.js';
import type { MatchingEngine } from '../engine/matching-engine.js';
import type { OrderBook } from '../engine/order-book.js';
import type { OrderLists } from '../engine/order-lists.js';
import { orderListRoutes } from './order-list-routes.js';
import type { TradeHistory } from '../engine/trade-history.js';
import { sapiRoutes } from './sapi-routes.js';
import { tradeRoutes } from './trade-routes.js';
import type { RateLimiter } from './rate-limits.js';
import type { SymbolCatalog } from '../engine/symbol-catalog.js';
import type { MarketFeed } from '../types.js';
import { accountRoutes } from './account-routes.js';
import { marketRoutes } from './market-routes.js';
import { tradingRoutes } from './trading-routes.js';

export type Params = Readonly<Record<string, string>>;

export interface RouteContext {
  params: Params;
  /** Server time of the request, epoch ms. */
  now: number;
}

export interface RouteResult {
  status?: number;
  body: unknown;
  /**
   * New orders this request added to the ORDERS counts (X-MBX-ORDER-COUNT-*). Default for a
   * `placesOrder` route: 1 when the handler returned, 0 when it threw (Binance counts accepted
   * orders only; a cancel-replace that got past its filters counts even when its new order was
   * not attempted, rest-api.md "Cancel an Existing Order and Send a New Order").
   */
  ordersCounted?: number;
}

export interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  security: 'NONE' | 'SIGNED';
  weight(params: Params): number;
  /**
   * The parameters this endpoint reads (signed endpoints also read recvWindow, timestamp and
   * signature). When set, a request that sends any other answers -1104 before anything runs.
   */
  params?: readonly string[];
  /** Counts toward the ORDERS limits and answers with X-MBX-ORDER-COUNT-* headers. */
  placesOrder?: boolean;
  /** Since 2026-04-02 a successful order or cancel costs no weight (BINANCE.md "Limits"). */
  freeOnSuccess?: boolean;
  handle(ctx: RouteContext): RouteResult;
}

export interface RouteDeps {
  catalog: SymbolCatalog;
  feed: MarketFeed;
  engine: MatchingEngine;
  accounts: Accounts;
  book: OrderBook;
  limiter: RateLimiter;
  /** Server time, epoch ms. */
  clock: () => number;
  commissionRate: string;
  lists: OrderLists;
  trades: TradeHistory;
}

export function createRoutes(deps: RouteDeps): Route[] {
  return [...marketRoutes(deps), ...tradingRoutes(deps), ...accountRoutes(deps), ...orderListRoutes(deps), ...tradeRoutes(deps), ...sapiRoutes(deps)];
}
