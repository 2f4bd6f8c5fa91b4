/**
 * Account endpoints (rest-api.md "Account Endpoints"): account, open orders, all orders, and the
 * unfilled order count.
 */
import { formatFixed } from '../../decimal.js';
import type { Balance } from '../../binance/types.js';
import { isEmptyBalance } from '../engine/accounts.js';
import { precisionOf, renderQueriedOrder } from '../engine/order-format.js';
import type { SimOrder } from '../engine/order-book.js';
import type { Route, RouteDeps } from './rest-routes.js';
import { booleanParam, integerParam, limitParam, symbolParam } from './route-params.js';
import { SimError } from '../sim-error.js';

export function accountRoutes(deps: RouteDeps): Route[] {
  const { catalog, accounts, book } = deps;
  const render = (order: SimOrder) => renderQueriedOrder(order, precisionOf(catalog.get(order.symbol)));
  // Binance's integer commission fields are in basis points of 0.01 % (15 = 0.15 %).
  const commissionUnits = Math.round(Number(deps.commissionRate) * 10_000);
  const rate = formatFixed(deps.commissionRate, 8);

  return [
    {
      method: 'GET', path: '/api/v3/account', security: 'SIGNED', params: ['omitZeroBalances'], weight: () => 20,
      handle: ({ params, now }) => {
        const omitZero = booleanParam(params, 'omitZeroBalances');
        const balances: Balance[] = accounts
          .list()
          .filter((b) => !omitZero || !isEmptyBalance(b))
          .map((b) => ({ asset: b.asset, free: formatFixed(b.free, 8), locked: formatFixed(b.locked, 8) }));
        return {
          body: {
            makerCommission: commissionUnits,
            takerCommission: commissionUnits,
            buyerCommission: 0,
            sellerCommission: 0,
            commissionRates: { maker: rate, taker: rate, buyer: '0.00000000', seller: '0.00000000' },
            canTrade: true,
            canWithdraw: false,
            canDeposit: false,
            brokered: false,
            requireSelfTradePrevention: false,
            preventSor: false,
            updateTime: now,
            accountType: 'SPOT',
            balances,
            permissions: ['SPOT'],
            uid: 0,
          },
        };
      },
    },
    {
      method: 'GET', path: '/api/v3/openOrders', security: 'SIGNED', params: ['symbol'],
      weight: (p) => (p.symbol === undefined ? 80 : 6),
      handle: ({ params }) => {
        if (params.symbol === undefined) return { body: book.allOpen().map(render) };
        const info = symbolParam(params, catalog);
        return { body: book.open(info.symbol).map(render) };
      },
    },
    {
      method: 'GET', path: '/api/v3/allOrders', security: 'SIGNED', params: ['symbol', 'orderId', 'startTime', 'endTime', 'limit'], weight: () => 20,
      handle: ({ params }) => {
        const info = symbolParam(params, catalog);
        const fromId = integerParam(params, 'orderId');
        const startTime = integerParam(params, 'startTime');
        const endTime = integerParam(params, 'endTime');
        const limit = limitParam(params, 500, 1000);
        if (startTime !== undefined && endTime !== undefined && endTime - startTime > 86_400_000) {
          throw new SimError(400, -1127, 'More than 24 hours between startTime and endTime.');
        }
        let orders = book.all(info.symbol);
        if (fromId !== undefined) orders = orders.filter((o) => o.orderId >= fromId);
        if (startTime !== undefined) orders = orders.filter((o) => o.time >= startTime);
        if (endTime !== undefined) orders = orders.filter((o) => o.time <= endTime);
        // From an id or a start: the oldest matching first; otherwise the most recent.
        const page = fromId !== undefined || startTime !== undefined ? orders.slice(0, limit) : orders.slice(-limit);
        return { body: page.map(render) };
      },
    },
    {
      method: 'GET', path: '/api/v3/rateLimit/order', security: 'SIGNED', params: [], weight: () => 40,
      handle: ({ now }) => {
        const counts = deps.limiter.orderCounts(now);
        return {
          body: catalog
            .rateLimits()
            .filter((l) => l.rateLimitType === 'ORDERS')
            .map((l) => ({ ...l, count: l.interval === 'DAY' ? counts.day : counts.tenSeconds })),
        };
      },
    },
  ];
}

