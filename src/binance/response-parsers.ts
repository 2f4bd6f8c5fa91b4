/**
 * Edge validation of Binance response bodies (rest-api.md, per endpoint). Hand-written rather
 * than zod because the all-symbols 24 h ticker (2,500+ entries) is parsed on every /top and must
 * cost a few milliseconds, not tens.
 *
 * Only the fields we use are checked; the checked object is returned as sent (extra fields
 * kept), except klines, whose rows are decoded into objects. A failure throws
 * ResponseShapeError naming the first bad field; the REST client turns it into
 * EXCHANGE_BAD_RESPONSE.
 */
import type {
  Account,
  AccountTrade,
  AvgPrice,
  CancelReplaceResult,
  Kline,
  Order,
  OrderFill,
  OrderList,
  ReferencePrice,
  Ticker24h,
  TickerPrice,
} from './types.js';

export class ResponseShapeError extends Error {
  override readonly name = 'ResponseShapeError';
  constructor(readonly field: string) {
    super(`unexpected response shape at ${field}`);
  }
}

type Obj = Record<string, unknown>;

// Binance sends prices and quantities as plain decimals; price changes may be negative.
const DECIMAL = /^-?\d+(\.\d+)?$/;

function obj(value: unknown, at: string): Obj {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ResponseShapeError(at);
  return value as Obj;
}

function arr(value: unknown, at: string): unknown[] {
  if (!Array.isArray(value)) throw new ResponseShapeError(at);
  return value;
}

function str(o: Obj, key: string, at: string): void {
  if (typeof o[key] !== 'string') throw new ResponseShapeError(`${at}.${key}`);
}

function dec(o: Obj, key: string, at: string): void {
  const v = o[key];
  if (typeof v !== 'string' || !DECIMAL.test(v)) throw new ResponseShapeError(`${at}.${key}`);
}

function optDec(o: Obj, key: string, at: string): void {
  if (o[key] !== undefined) dec(o, key, at);
}

function num(o: Obj, key: string, at: string): void {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ResponseShapeError(`${at}.${key}`);
}

function bool(o: Obj, key: string, at: string): void {
  if (typeof o[key] !== 'boolean') throw new ResponseShapeError(`${at}.${key}`);
}

function oneOf(o: Obj, key: string, allowed: ReadonlySet<string>, at: string): void {
  const v = o[key];
  if (typeof v !== 'string' || !allowed.has(v)) throw new ResponseShapeError(`${at}.${key}`);
}

export function parseEmpty(json: unknown): void {
  obj(json, 'body');
}

export function parseServerTime(json: unknown): number {
  const o = obj(json, 'body');
  num(o, 'serverTime', 'body');
  return o.serverTime as number;
}

/** Rows `[openTime, o, h, l, c, volume, closeTime, quoteVolume, trades, …]`; the last may still be open. */
export function parseKlines(json: unknown): Kline[] {
  const rows = arr(json, 'body');
  const out = new Array<Kline>(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    const at = `body[${i}]`;
    if (!Array.isArray(r) || r.length < 9) throw new ResponseShapeError(at);
    if (typeof r[0] !== 'number' || typeof r[6] !== 'number' || typeof r[8] !== 'number') throw new ResponseShapeError(at);
    for (const k of [1, 2, 3, 4, 5, 7]) {
      if (typeof r[k] !== 'string' || !DECIMAL.test(r[k] as string)) throw new ResponseShapeError(`${at}[${k}]`);
    }
    out[i] = {
      openTime: r[0] as number,
      open: r[1] as string,
      high: r[2] as string,
      low: r[3] as string,
      close: r[4] as string,
      volume: r[5] as string,
      closeTime: r[6] as number,
      quoteVolume: r[7] as string,
      trades: r[8] as number,
    };
  }
  return out;
}

const TICKER_DECIMALS = [
  'priceChange',
  'priceChangePercent',
  'weightedAvgPrice',
  'prevClosePrice',
  'lastPrice',
  'lastQty',
  'bidPrice',
  'bidQty',
  'askPrice',
  'askQty',
  'openPrice',
  'highPrice',
  'lowPrice',
  'volume',
  'quoteVolume',
] as const;
const TICKER_NUMBERS = ['openTime', 'closeTime', 'firstId', 'lastId', 'count'] as const;

export function parseTicker24h(json: unknown, at = 'body'): Ticker24h {
  const o = obj(json, at);
  str(o, 'symbol', at);
  for (const key of TICKER_DECIMALS) dec(o, key, at);
  for (const key of TICKER_NUMBERS) num(o, key, at);
  return o as unknown as Ticker24h;
}

export function parseTicker24hList(json: unknown): Ticker24h[] {
  const list = arr(json, 'body');
  for (let i = 0; i < list.length; i++) parseTicker24h(list[i], `body[${i}]`);
  return list as Ticker24h[];
}

export function parseTickerPrice(json: unknown, at = 'body'): TickerPrice {
  const o = obj(json, at);
  str(o, 'symbol', at);
  dec(o, 'price', at);
  return o as unknown as TickerPrice;
}

export function parseTickerPriceList(json: unknown): TickerPrice[] {
  const list = arr(json, 'body');
  for (let i = 0; i < list.length; i++) parseTickerPrice(list[i], `body[${i}]`);
  return list as TickerPrice[];
}

export function parseAvgPrice(json: unknown): AvgPrice {
  const o = obj(json, 'body');
  num(o, 'mins', 'body');
  dec(o, 'price', 'body');
  if (o.closeTime !== undefined) num(o, 'closeTime', 'body');
  return o as unknown as AvgPrice;
}

/** `referencePrice` is null while the symbol has none (rest-api.md "Query reference price"). */
export function parseReferencePrice(json: unknown): ReferencePrice {
  const o = obj(json, 'body');
  str(o, 'symbol', 'body');
  if (o.referencePrice !== null) dec(o, 'referencePrice', 'body');
  num(o, 'timestamp', 'body');
  return o as unknown as ReferencePrice;
}

export function parseAccount(json: unknown): Account {
  const o = obj(json, 'body');
  num(o, 'makerCommission', 'body');
  num(o, 'takerCommission', 'body');
  bool(o, 'canTrade', 'body');
  num(o, 'updateTime', 'body');
  const balances = arr(o.balances, 'body.balances');
  for (let i = 0; i < balances.length; i++) {
    const b = obj(balances[i], `body.balances[${i}]`);
    str(b, 'asset', `body.balances[${i}]`);
    dec(b, 'free', `body.balances[${i}]`);
    dec(b, 'locked', `body.balances[${i}]`);
  }
  // Newer responses may omit `permissions` in favour of permission sets: absent means none listed.
  if (o.permissions === undefined) o.permissions = [];
  else arr(o.permissions, 'body.permissions');
  return o as unknown as Account;
}

const ORDER_STATUSES: ReadonlySet<string> = new Set([
  'NEW',
  'PENDING_NEW',
  'PARTIALLY_FILLED',
  'FILLED',
  'CANCELED',
  'PENDING_CANCEL',
  'REJECTED',
  'EXPIRED',
  'EXPIRED_IN_MATCH',
]);
const SIDES: ReadonlySet<string> = new Set(['BUY', 'SELL']);

export function parseOrder(json: unknown, at = 'body'): Order {
  const o = obj(json, at);
  str(o, 'symbol', at);
  num(o, 'orderId', at);
  str(o, 'clientOrderId', at);
  dec(o, 'price', at);
  dec(o, 'origQty', at);
  dec(o, 'executedQty', at);
  dec(o, 'cummulativeQuoteQty', at);
  oneOf(o, 'status', ORDER_STATUSES, at);
  str(o, 'type', at);
  oneOf(o, 'side', SIDES, at);
  optDec(o, 'stopPrice', at);
  if (o.fills !== undefined) {
    const fills = arr(o.fills, `${at}.fills`);
    for (let i = 0; i < fills.length; i++) parseFill(fills[i], `${at}.fills[${i}]`);
  }
  return o as unknown as Order;
}

function parseFill(json: unknown, at: string): OrderFill {
  const f = obj(json, at);
  dec(f, 'price', at);
  dec(f, 'qty', at);
  dec(f, 'commission', at);
  str(f, 'commissionAsset', at);
  return f as unknown as OrderFill;
}

/**
 * newOrderRespType=ACK answers only `{symbol, orderId, orderListId, clientOrderId, transactTime}`:
 * the returned Order has no status, quantities or fills (the caller asked not to have them).
 */
export function parseOrderAck(json: unknown): Order {
  const o = obj(json, 'body');
  str(o, 'symbol', 'body');
  num(o, 'orderId', 'body');
  str(o, 'clientOrderId', 'body');
  return o as unknown as Order;
}

export function parseOrders(json: unknown): Order[] {
  const list = arr(json, 'body');
  for (let i = 0; i < list.length; i++) parseOrder(list[i], `body[${i}]`);
  return list as Order[];
}

/**
 * DELETE /api/v3/openOrders answers plain orders and, for OCO and other order lists, list
 * objects whose `orderReports` hold the cancelled orders: flattened here.
 */
export function parseCancelledOrders(json: unknown): Order[] {
  const list = arr(json, 'body');
  const out: Order[] = [];
  for (let i = 0; i < list.length; i++) {
    const entry = obj(list[i], `body[${i}]`);
    if (Array.isArray(entry.orderReports)) {
      entry.orderReports.forEach((report, j) => out.push(parseOrder(report, `body[${i}].orderReports[${j}]`)));
    } else {
      out.push(parseOrder(entry, `body[${i}]`));
    }
  }
  return out;
}

const STEP_RESULTS: ReadonlySet<string> = new Set(['SUCCESS', 'FAILURE', 'NOT_ATTEMPTED']);

export function parseCancelReplace(json: unknown): CancelReplaceResult {
  const o = obj(json, 'body');
  oneOf(o, 'cancelResult', STEP_RESULTS, 'body');
  oneOf(o, 'newOrderResult', STEP_RESULTS, 'body');
  if (o.cancelResult === 'SUCCESS') parseOrder(o.cancelResponse, 'body.cancelResponse');
  if (o.newOrderResult === 'SUCCESS') parseOrder(o.newOrderResponse, 'body.newOrderResponse');
  return o as unknown as CancelReplaceResult;
}

/** An order list (rest-api.md "Order lists"); its `orderReports`, when present, are orders. */
export function parseOrderList(json: unknown, at = 'body'): OrderList {
  const o = obj(json, at);
  num(o, 'orderListId', at);
  str(o, 'contingencyType', at);
  str(o, 'listStatusType', at);
  str(o, 'listOrderStatus', at);
  str(o, 'listClientOrderId', at);
  str(o, 'symbol', at);
  const legs = arr(o.orders, `${at}.orders`);
  for (let i = 0; i < legs.length; i++) {
    const leg = obj(legs[i], `${at}.orders[${i}]`);
    num(leg, 'orderId', `${at}.orders[${i}]`);
    str(leg, 'clientOrderId', `${at}.orders[${i}]`);
  }
  if (o.orderReports !== undefined) {
    const reports = arr(o.orderReports, `${at}.orderReports`);
    for (let i = 0; i < reports.length; i++) parseOrder(reports[i], `${at}.orderReports[${i}]`);
  }
  return o as unknown as OrderList;
}

export function parseOrderLists(json: unknown): OrderList[] {
  const list = arr(json, 'body');
  for (let i = 0; i < list.length; i++) parseOrderList(list[i], `body[${i}]`);
  return list as OrderList[];
}

/** GET /api/v3/myTrades: the fills of one symbol. */
export function parseAccountTrades(json: unknown): AccountTrade[] {
  const list = arr(json, 'body');
  for (let i = 0; i < list.length; i++) {
    const at = `body[${i}]`;
    const o = obj(list[i], at);
    str(o, 'symbol', at);
    for (const key of ['id', 'orderId', 'time']) num(o, key, at);
    for (const key of ['price', 'qty', 'quoteQty', 'commission']) dec(o, key, at);
    str(o, 'commissionAsset', at);
    bool(o, 'isBuyer', at);
    bool(o, 'isMaker', at);
  }
  return list as AccountTrade[];
}
