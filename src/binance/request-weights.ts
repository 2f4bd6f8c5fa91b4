/**
 * REQUEST_WEIGHT of each REST request we send (BINANCE.md "Limits", rest-api.md). Known before
 * sending, so the transport can refuse a view that would eat the trading reserve, and the bot can
 * charge a trader's bucket, without asking the exchange first. One table: a weight written in two
 * places drifts.
 */
import type { Params } from './percent-encode.js';

/**
 * Who a request serves. `trading` (orders, cancels, reconcile look-ups, stop moves and their
 * reads, the user stream, the caches orders depend on) may use the minute's weight up to the
 * transport's hold; `view` (a chat command's reads) stops at the view share, leaving the rest as
 * a reserve nothing but trading can spend.
 */
export type RequestPriority = 'trading' | 'view';

/** Share of the per-minute weight limit views may bring the used weight to; the rest is the trading reserve. */
export const VIEW_WEIGHT_SHARE = 0.7;

export function requestWeight(method: string, path: string, params: Params | undefined): number {
  const has = (key: string) =>
    params !== undefined && (Array.isArray(params) ? (params as ReadonlyArray<readonly [string, string]>).some(([k]) => k === key) : (params as Record<string, unknown>)[key] !== undefined);
  switch (`${method} ${path}`) {
    case 'GET /api/v3/ping':
    case 'GET /api/v3/time':
      return 1;
    case 'GET /api/v3/exchangeInfo':
      return 20;
    case 'GET /api/v3/klines':
    case 'GET /api/v3/avgPrice':
    case 'GET /api/v3/referencePrice':
      return 2;
    case 'GET /api/v3/ticker/24hr':
      return has('symbol') ? 2 : 80;
    case 'GET /api/v3/ticker/price':
      return has('symbol') ? 2 : 4;
    case 'GET /api/v3/account':
    case 'GET /api/v3/allOrders':
      return 20;
    case 'GET /api/v3/openOrders':
      return has('symbol') ? 6 : 80;
    case 'GET /api/v3/order':
    case 'GET /api/v3/orderList':
      return 4;
    case 'GET /api/v3/openOrderList':
      return 6;
    // rest-api.md "Account trade list": 20, or 5 with orderId.
    case 'GET /api/v3/myTrades':
      return has('orderId') ? 5 : 20;
    // Successful order and cancel calls cost 0 since 2026-04-02; a refused one costs 1. Order
    // lists (POST orderList/oco|oto|otoco, DELETE orderList) count as order and cancel calls.
    default:
      return 1;
  }
}
