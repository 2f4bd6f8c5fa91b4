/**
 * The WebSocket API's trading, account and market-data methods (web-socket-api.md), served by
 * the same REST route handlers, so a request over the WebSocket API meets the same checks, the
 * same matching engine and the same answers as over REST. Each method is the REST endpoint it
 * mirrors; the WebSocket API differs only in how a request is authenticated:
 * - a signed request carries `apiKey`, `timestamp` and `signature` over the sorted parameters
 *   (or the session is authenticated by `session.logon`, and `timestamp` is still required);
 * - `apiKey` is a WebSocket-only parameter and is not passed on to the handler.
 */
import { SimError, simErrors } from '../sim-error.js';
import type { RestDispatcher, WsApiAuthenticator } from '../types.js';

interface MethodRoute {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  signed: boolean;
}

const signed = (method: MethodRoute['method'], path: string): MethodRoute => ({ method, path, signed: true });
const open = (path: string): MethodRoute => ({ method: 'GET', path, signed: false });

export const WS_REST_METHODS: Readonly<Record<string, MethodRoute>> = {
  'order.place': signed('POST', '/api/v3/order'),
  'order.test': signed('POST', '/api/v3/order/test'),
  'order.status': signed('GET', '/api/v3/order'),
  'order.cancel': signed('DELETE', '/api/v3/order'),
  'order.cancelReplace': signed('POST', '/api/v3/order/cancelReplace'),
  'openOrders.status': signed('GET', '/api/v3/openOrders'),
  'openOrders.cancelAll': signed('DELETE', '/api/v3/openOrders'),
  allOrders: signed('GET', '/api/v3/allOrders'),
  /** The deprecated OCO form (limit + stop legs), like POST /api/v3/order/oco. */
  'orderList.place': signed('POST', '/api/v3/order/oco'),
  'orderList.place.oco': signed('POST', '/api/v3/orderList/oco'),
  'orderList.place.oto': signed('POST', '/api/v3/orderList/oto'),
  'orderList.place.otoco': signed('POST', '/api/v3/orderList/otoco'),
  'orderList.status': signed('GET', '/api/v3/orderList'),
  'orderList.cancel': signed('DELETE', '/api/v3/orderList'),
  'openOrderLists.status': signed('GET', '/api/v3/openOrderList'),
  allOrderLists: signed('GET', '/api/v3/allOrderList'),
  'account.status': signed('GET', '/api/v3/account'),
  'account.commission': signed('GET', '/api/v3/account/commission'),
  'account.rateLimits.orders': signed('GET', '/api/v3/rateLimit/order'),
  myTrades: signed('GET', '/api/v3/myTrades'),
  exchangeInfo: open('/api/v3/exchangeInfo'),
  depth: open('/api/v3/depth'),
  'trades.recent': open('/api/v3/trades'),
  'trades.aggregate': open('/api/v3/aggTrades'),
  klines: open('/api/v3/klines'),
  uiKlines: open('/api/v3/uiKlines'),
  avgPrice: open('/api/v3/avgPrice'),
  'ticker.price': open('/api/v3/ticker/price'),
  'ticker.book': open('/api/v3/ticker/bookTicker'),
  ticker: open('/api/v3/ticker'),
};

export type WsParams = Record<string, string | number | boolean>;

/**
 * Runs `method` through its REST route. `sessionKey` is the key authenticated by session.logon,
 * if any. Returns the handler's body and the route's weight; a refused request throws SimError
 * (cancelReplace's partial failures carry their `data` like the REST body does).
 */
export function runWsRestMethod(
  rest: RestDispatcher,
  auth: WsApiAuthenticator,
  method: string,
  params: WsParams,
  sessionKey: string | undefined,
): { result: unknown; weight: number } | undefined {
  const route = WS_REST_METHODS[method];
  if (route === undefined) return undefined;
  if (route.signed) {
    if (params.signature !== undefined || sessionKey === undefined) auth.verifyWsSignature(params);
    else if (params.timestamp === undefined) throw simErrors.mandatoryMissing('timestamp');
  }
  const forwarded: Record<string, string> = {};
  for (const [key, value] of Object.entries(params)) {
    if (key === 'apiKey' || key === 'returnRateLimits') continue;
    forwarded[key] = String(value);
  }
  const answer = rest.call(route.method, route.path, forwarded);
  if (answer.status !== 200) {
    const body = answer.body as { code: number; msg: string } & Record<string, unknown>;
    const { code, msg, ...extra } = body;
    throw new SimError(answer.status, code, msg, extra);
  }
  return { result: answer.body, weight: answer.weight };
}
