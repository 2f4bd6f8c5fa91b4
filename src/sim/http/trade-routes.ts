/**
 * Trade history and commission endpoints:
 * - GET /api/v3/myTrades (rest-api.md "Account trade list"): the account's fills.
 * - GET /api/v3/trades (rest-api.md "Recent trades list"): the simulator has no other traders,
 *   so the public trades of a symbol are the account's own fills, seen from the market side
 *   (`isBuyerMaker`); a symbol nobody traded on the paper exchange answers []. GET
 *   /api/v3/aggTrades (ccxt's fetchTrades) serves the same fills, one aggregate per fill.
 * - GET /api/v3/account/commission (rest-api.md "Query Commission Rates"): the simulator's one
 *   commission rate as maker and taker, no special or tax rate, no BNB discount.
 */
import { formatFixed } from '../../decimal.js';
import type { Route, RouteDeps } from './rest-routes.js';
import { integerParam, limitParam, symbolParam } from './route-params.js';
import { SimError } from '../sim-error.js';

const DAY_MS = 86_400_000;

export function tradeRoutes(deps: RouteDeps): Route[] {
  const { catalog, trades } = deps;
  const zero = '0.00000000';

  return [
    {
      method: 'GET', path: '/api/v3/myTrades', security: 'SIGNED', params: ['symbol', 'orderId', 'startTime', 'endTime', 'fromId', 'limit'],
      weight: (p) => (p.orderId === undefined ? 20 : 5),
      handle: ({ params }) => {
        const info = symbolParam(params, catalog);
        const orderId = integerParam(params, 'orderId');
        const startTime = integerParam(params, 'startTime');
        const endTime = integerParam(params, 'endTime');
        const fromId = integerParam(params, 'fromId');
        const limit = limitParam(params, 500, 1000);
        if (startTime !== undefined && endTime !== undefined && endTime - startTime > DAY_MS) {
          throw new SimError(400, -1127, 'More than 24 hours between startTime and endTime.');
        }
        // Supported: symbol alone, + orderId, + startTime and/or endTime, + fromId, + orderId + fromId.
        const timed = startTime !== undefined || endTime !== undefined;
        if (timed && (orderId !== undefined || fromId !== undefined)) {
          throw new SimError(400, -1128, 'Combination of optional parameters invalid.');
        }
        const q = {
          limit,
          ...(orderId !== undefined && { orderId }),
          ...(startTime !== undefined && { startTime }),
          ...(endTime !== undefined && { endTime }),
          ...(fromId !== undefined && { fromId }),
        };
        return { body: trades.query(info.symbol, q) };
      },
    },
    {
      method: 'GET', path: '/api/v3/trades', security: 'NONE', params: ['symbol', 'limit'], weight: () => 25,
      handle: ({ params }) => {
        const info = symbolParam(params, catalog);
        const limit = limitParam(params, 500, 1000);
        return {
          body: trades.recent(info.symbol, limit).map((t) => ({
            id: t.id,
            price: t.price,
            qty: t.qty,
            quoteQty: t.quoteQty,
            time: t.time,
            // The account against the market: the buyer is the maker when the account bought as maker or sold as taker.
            isBuyerMaker: t.isBuyer === t.isMaker,
            isBestMatch: true,
          })),
        };
      },
    },
    {
      method: 'GET', path: '/api/v3/aggTrades', security: 'NONE', params: ['symbol', 'fromId', 'startTime', 'endTime', 'limit'], weight: () => 4,
      handle: ({ params }) => {
        const info = symbolParam(params, catalog);
        const fromId = integerParam(params, 'fromId');
        const startTime = integerParam(params, 'startTime');
        const endTime = integerParam(params, 'endTime');
        const limit = limitParam(params, 500, 1000);
        if (startTime !== undefined && endTime !== undefined && endTime - startTime > 3_600_000) {
          throw new SimError(400, -1127, 'More than 1 hours between startTime and endTime.');
        }
        const q = {
          limit,
          ...(fromId !== undefined && { fromId }),
          ...(startTime !== undefined && { startTime }),
          ...(endTime !== undefined && { endTime }),
        };
        return {
          body: trades.query(info.symbol, q).map((t) => ({
            a: t.id, p: t.price, q: t.qty, f: t.id, l: t.id, T: t.time, m: t.isBuyer === t.isMaker, M: true,
          })),
        };
      },
    },
    {
      method: 'GET', path: '/api/v3/account/commission', security: 'SIGNED', params: ['symbol'], weight: () => 20,
      handle: ({ params }) => {
        const info = symbolParam(params, catalog);
        const rate = formatFixed(deps.commissionRate, 8);
        return {
          body: {
            symbol: info.symbol,
            standardCommission: { maker: rate, taker: rate, buyer: zero, seller: zero },
            specialCommission: { maker: zero, taker: zero, buyer: zero, seller: zero },
            taxCommission: { maker: zero, taker: zero, buyer: zero, seller: zero },
            discount: { enabledForAccount: false, enabledForSymbol: false, discountAsset: 'BNB', discount: zero },
          },
        };
      },
    },
  ];
}
