/**
 * The exchange as the rest of the product sees it: one interface over Binance's REST API and the
 * simulator's (src/sim), with the payload shapes of ./types.ts and the request accounting read
 * from response headers. Failures are thrown as ExchangeError (src/errors.ts).
 */
import type {
  Account,
  AccountTrade,
  AccountTradeQuery,
  AvgPrice,
  CancelReplaceParams,
  CancelReplaceResult,
  ExchangeInfo,
  Kline,
  KlineInterval,
  NewOrderParams,
  Order,
  OrderRef,
  ReferencePrice,
  Ticker24h,
  TickerPrice,
} from './types.js';
import type { NewOcoParams, NewOtoParams, OrderList, OrderListRef } from './order-list-types.js';

/** Request accounting read from response headers (BINANCE.md "Limits"). */
export interface ExchangeUsage {
  usedWeight1m: number;
  orderCount10s: number;
  orderCount1d: number;
  /** Epoch ms until which every request is held after a 429/418, or 0. */
  blockedUntil: number;
  /** Local clock minus server clock, ms (add to Date.now() to get server time: now - offset). */
  clockOffsetMs: number;
}

/**
 * What the rest of the product needs from the exchange. The REST client implements it against
 * Binance or the simulator; failures are thrown as ExchangeError (src/errors.ts).
 */
export interface ExchangeClient {
  ping(): Promise<void>;
  serverTime(): Promise<number>;
  exchangeInfo(options?: { symbols?: string[] }): Promise<ExchangeInfo>;
  klines(
    symbol: string,
    interval: KlineInterval,
    options?: { limit?: number; startTime?: number; endTime?: number },
  ): Promise<Kline[]>;
  ticker24h(symbol: string): Promise<Ticker24h>;
  ticker24hAll(): Promise<Ticker24h[]>;
  tickerPrice(symbol: string): Promise<TickerPrice>;
  /** Last price of every symbol in one request (weight 4): for valuing balances. */
  tickerPriceAll(): Promise<TickerPrice[]>;
  avgPrice(symbol: string): Promise<AvgPrice>;
  /** Null when the endpoint or the symbol's reference price is unavailable. */
  referencePrice(symbol: string): Promise<ReferencePrice | null>;
  account(): Promise<Account>;
  openOrders(symbol?: string): Promise<Order[]>;
  allOrders(symbol: string, options?: { startTime?: number; limit?: number }): Promise<Order[]>;
  /** GET /api/v3/myTrades (weight 20; 5 with orderId): the account's fills of one symbol. */
  myTrades(symbol: string, query?: AccountTradeQuery): Promise<AccountTrade[]>;
  /** `signBy`: not sent unless signed by then (epoch ms, this server's clock): see RestRequest.signBy. */
  newOrder(params: NewOrderParams, options?: { signBy?: number }): Promise<Order>;
  testOrder(params: NewOrderParams): Promise<void>;
  getOrder(ref: OrderRef): Promise<Order>;
  cancelOrder(ref: OrderRef & { newClientOrderId?: string }): Promise<Order>;
  cancelOpenOrders(symbol: string): Promise<Order[]>;
  /**
   * POST /api/v3/order/cancelReplace. Resolves with the 200 body; a 400 or 409 rejects with an
   * ExchangeError whose `details.cancelReplace` holds the body's `data` (which step failed).
   */
  cancelReplace(params: CancelReplaceParams): Promise<CancelReplaceResult>;
  /** POST /api/v3/orderList/oco. `signBy` as for newOrder. */
  newOco(params: NewOcoParams, options?: { signBy?: number }): Promise<OrderList>;
  /** POST /api/v3/orderList/oto (one pending leg) or /otoco (a pending pair). */
  newOto(params: NewOtoParams, options?: { signBy?: number }): Promise<OrderList>;
  /** GET /api/v3/orderList (weight 4); -2013 when the list does not exist. */
  getOrderList(ref: OrderListRef): Promise<OrderList>;
  /** DELETE /api/v3/orderList: cancels every leg of the list. */
  cancelOrderList(ref: { symbol: string } & ({ orderListId: number } | { listClientOrderId: string }), options?: { newClientOrderId?: string }): Promise<OrderList>;
  /** GET /api/v3/openOrderList (weight 6). */
  openOrderLists(): Promise<OrderList[]>;
  /** GET /api/v3/myTrades for one order (weight 5): the commission a fill paid, which GET order does not show. */
  orderTrades(symbol: string, orderId: number): Promise<AccountTrade[]>;
  usage(): ExchangeUsage;
}
