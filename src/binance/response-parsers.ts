/**
 * Edge validation of Binance's account and order response bodies (rest-api.md, per endpoint);
 * market data is market-data-parsers.ts, the field checks response-shape.ts.
 *
 * Only the fields we use are checked; the checked object is returned as sent (extra fields
 * kept). A failure throws ResponseShapeError naming the first bad field; the REST client turns
 * it into EXCHANGE_BAD_RESPONSE.
 */
import type { OrderList } from './order-list-types.js';
import { arr, bool, dec, list, num, obj, oneOf, optDec, str } from './response-shape.js';
import type { Account, AccountTrade, CancelReplaceResult, Order, OrderFill } from './types.js';

export function parseEmpty(json: unknown): void {
  obj(json, 'body');
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
  return list<Order>(json, parseOrder);
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
  return list<OrderList>(json, parseOrderList);
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
