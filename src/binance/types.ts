/**
 * Binance Spot REST payload shapes, as the exchange sends them (binance-spot-api-docs
 * rest-api.md). Prices and quantities stay decimal strings end to end: see src/decimal.ts.
 *
 * These types describe what the REST client returns after validation at the edge; they are
 * shared by the client, the simulator (which must produce exactly these shapes) and the
 * trading logic. Exchange rules are in symbol-filter-types.ts, order lists in order-list-types.ts.
 */
import type { SymbolFilter } from './symbol-filter-types.js';

// Brackets (src/trading/brackets/) name these through this module.
export type { ListLegParams, OrderList } from './order-list-types.js';

export type Side = 'BUY' | 'SELL';

export type OrderType =
  | 'LIMIT'
  | 'MARKET'
  | 'STOP_LOSS'
  | 'STOP_LOSS_LIMIT'
  | 'TAKE_PROFIT'
  | 'TAKE_PROFIT_LIMIT'
  | 'LIMIT_MAKER';

export type TimeInForce = 'GTC' | 'IOC' | 'FOK';

export type OrderStatus =
  | 'NEW'
  | 'PENDING_NEW'
  | 'PARTIALLY_FILLED'
  | 'FILLED'
  | 'CANCELED'
  | 'PENDING_CANCEL'
  | 'REJECTED'
  | 'EXPIRED'
  | 'EXPIRED_IN_MATCH';

export type SymbolStatus =
  | 'PRE_TRADING'
  | 'TRADING'
  | 'POST_TRADING'
  | 'END_OF_DAY'
  | 'HALT'
  | 'AUCTION_MATCH'
  | 'BREAK'
  | 'CANCEL_ONLY';

export type KlineInterval =
  | '1s'
  | '1m'
  | '3m'
  | '5m'
  | '15m'
  | '30m'
  | '1h'
  | '2h'
  | '4h'
  | '6h'
  | '8h'
  | '12h'
  | '1d'
  | '3d'
  | '1w'
  | '1M';

export interface RateLimit {
  rateLimitType: 'REQUEST_WEIGHT' | 'ORDERS' | 'RAW_REQUESTS';
  interval: 'SECOND' | 'MINUTE' | 'HOUR' | 'DAY';
  intervalNum: number;
  limit: number;
}

export interface SymbolInfo {
  symbol: string;
  status: SymbolStatus;
  baseAsset: string;
  baseAssetPrecision: number;
  quoteAsset: string;
  quotePrecision: number;
  quoteAssetPrecision: number;
  orderTypes: OrderType[];
  icebergAllowed: boolean;
  ocoAllowed: boolean;
  /** Absent in some older captures: treat absent as false. */
  quoteOrderQtyMarketAllowed?: boolean;
  cancelReplaceAllowed?: boolean;
  isSpotTradingAllowed: boolean;
  filters: SymbolFilter[];
  permissions: string[];
  defaultSelfTradePreventionMode?: string;
  /** STP modes an order may ask for (faqs/stp_faq.md); absent in older captures. */
  allowedSelfTradePreventionModes?: string[];
}

export interface ExchangeInfo {
  timezone: string;
  serverTime: number;
  rateLimits: RateLimit[];
  exchangeFilters: unknown[];
  symbols: SymbolInfo[];
}

/** A kline as GET /api/v3/klines returns it (12-field array), decoded. */
export interface Kline {
  openTime: number;
  open: string;
  high: string;
  low: string;
  close: string;
  volume: string;
  closeTime: number;
  quoteVolume: string;
  trades: number;
}

/** The raw row: [openTime, o, h, l, c, volume, closeTime, quoteVolume, trades, takerBuyBase, takerBuyQuote, ignore]. */
export type KlineRow = [number, string, string, string, string, string, number, string, number, string, string, string];

export interface Ticker24h {
  symbol: string;
  priceChange: string;
  priceChangePercent: string;
  weightedAvgPrice: string;
  prevClosePrice: string;
  lastPrice: string;
  lastQty: string;
  bidPrice: string;
  bidQty: string;
  askPrice: string;
  askQty: string;
  openPrice: string;
  highPrice: string;
  lowPrice: string;
  volume: string;
  quoteVolume: string;
  openTime: number;
  closeTime: number;
  firstId: number;
  lastId: number;
  count: number;
}

export interface TickerPrice {
  symbol: string;
  price: string;
}

/** What every report of one fill of the account carries (myTrades rows, the ledger's fills). */
export interface TradeFill {
  symbol: string;
  orderId: number;
  price: string;
  qty: string;
  quoteQty: string;
  commission: string;
  commissionAsset: string;
  /** Trade time, ms since the epoch. */
  time: number;
  isMaker: boolean;
}

/** One row of GET /api/v3/myTrades (rest-api.md "Account trade list"): one fill of the account. */
export interface AccountTrade extends TradeFill {
  id: number;
  orderListId: number;
  isBuyer: boolean;
}

/** GET /api/v3/myTrades selection: `fromId` pages forward from a trade id (trades with id >= fromId, oldest first). */
export interface AccountTradeQuery {
  fromId?: number;
  orderId?: number;
  startTime?: number;
  endTime?: number;
  /** Default 500, at most 1000. */
  limit?: number;
}

export interface AvgPrice {
  mins: number;
  price: string;
  closeTime?: number;
}

export interface ReferencePrice {
  symbol: string;
  referencePrice: string | null;
  timestamp: number;
}

export interface Balance {
  asset: string;
  free: string;
  locked: string;
}

export interface Account {
  makerCommission: number;
  takerCommission: number;
  canTrade: boolean;
  canWithdraw: boolean;
  canDeposit: boolean;
  updateTime: number;
  accountType: string;
  balances: Balance[];
  permissions: string[];
  commissionRates?: { maker: string; taker: string; buyer: string; seller: string };
}

export interface OrderFill {
  price: string;
  qty: string;
  commission: string;
  commissionAsset: string;
  tradeId: number;
}

/**
 * An order as returned by POST/GET/DELETE /api/v3/order (FULL response for a new order:
 * `fills` present; GET: `time`, `updateTime`, `isWorking`).
 */
export interface Order {
  symbol: string;
  orderId: number;
  orderListId: number;
  clientOrderId: string;
  price: string;
  origQty: string;
  executedQty: string;
  cummulativeQuoteQty: string;
  status: OrderStatus;
  timeInForce: TimeInForce;
  type: OrderType;
  side: Side;
  stopPrice?: string;
  icebergQty?: string;
  time?: number;
  updateTime?: number;
  transactTime?: number;
  workingTime?: number;
  isWorking?: boolean;
  origQuoteOrderQty?: string;
  selfTradePreventionMode?: string;
  /** DELETE responses carry the client id of the cancel request here. */
  origClientOrderId?: string;
  fills?: OrderFill[];
}

/** An order's terms as POST /api/v3/order takes them: what a confirmation card shows and what is sent. */
export interface OrderTerms {
  side: Side;
  type: OrderType;
  timeInForce?: TimeInForce;
  quantity?: string;
  quoteOrderQty?: string;
  price?: string;
  stopPrice?: string;
}

export interface NewOrderParams extends OrderTerms {
  symbol: string;
  newClientOrderId?: string;
  newOrderRespType?: 'ACK' | 'RESULT' | 'FULL';
  selfTradePreventionMode?: string;
}

export type OrderRef = { symbol: string; orderId: number } | { symbol: string; origClientOrderId: string };

export interface CancelReplaceParams extends NewOrderParams {
  cancelReplaceMode: 'STOP_ON_FAILURE' | 'ALLOW_FAILURE';
  cancelOrderId?: number;
  cancelOrigClientOrderId?: string;
  cancelNewClientOrderId?: string;
}

export type CancelReplaceStepResult = 'SUCCESS' | 'FAILURE' | 'NOT_ATTEMPTED';

/** HTTP 200 body, and the `data` of the 400/409 error bodies (rest-api.md "Cancel an Existing Order and Send a New Order"). */
export interface CancelReplaceResult {
  cancelResult: CancelReplaceStepResult;
  newOrderResult: CancelReplaceStepResult;
  cancelResponse: Order | { code: number; msg: string };
  newOrderResponse: Order | { code: number; msg: string } | null;
}
