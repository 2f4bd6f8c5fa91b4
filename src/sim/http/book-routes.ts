/**
 * GET /api/v3/depth and GET /api/v3/ticker (rolling window), rest-api.md "Order book" and
 * "Rolling window price change statistics". The depth is the modelled book (book-model.ts), the
 * same the matching engine's takers walk and /ticker/bookTicker shows.
 */
import { formatFixed } from '../../decimal.js';
import type { SymbolInfo } from '../../binance/types.js';
import { MAX_LEVELS, marketBook } from '../engine/book-model.js';
import { mandatory } from '../engine/order-validation.js';
import type { Route, RouteDeps } from './rest-routes.js';
import { integerParam, statusChecked, symbolParam, symbolStatusParam, symbolsParam } from './route-params.js';
import { rollingTicker, windowSizeMs } from './rolling-ticker.js';
import { SimError } from '../sim-error.js';

/** rest-api.md "Order book": weight by limit. */
function depthWeight(limit: number): number {
  if (limit <= 100) return 5;
  if (limit <= 500) return 25;
  if (limit <= 1000) return 50;
  return 250;
}

/** Default 100; above 5000 only 5000 entries are returned (rest-api.md). */
function depthLimit(params: Record<string, string>): number {
  const limit = integerParam(params, 'limit') ?? 100;
  if (limit < 1) throw new SimError(400, -1130, "Data sent for parameter 'limit' is not valid.");
  return Math.min(limit, MAX_LEVELS);
}

export function bookRoutes(deps: RouteDeps): Route[] {
  const { catalog, feed } = deps;
  const depth = (info: SymbolInfo, limit: number) => {
    const book = marketBook(feed, info);
    const row = (l: { price: string; qty: string }) => [formatFixed(l.price, info.quoteAssetPrecision), formatFixed(l.qty, info.baseAssetPrecision)];
    return {
      // The book changes with every feed tick; feed time in ms only ever grows, as an update id must.
      lastUpdateId: Math.floor(feed.now()),
      bids: book?.bids(limit).map(row) ?? [],
      asks: book?.asks(limit).map(row) ?? [],
    };
  };

  return [
    {
      method: 'GET', path: '/api/v3/depth', security: 'NONE', params: ['symbol', 'limit', 'symbolStatus'],
      weight: (p) => {
        try {
          return depthWeight(depthLimit(p));
        } catch {
          return 5;
        }
      },
      handle: ({ params }) => {
        const info = statusChecked(symbolParam(params, catalog), symbolStatusParam(params));
        return { body: depth(info, depthLimit(params)) };
      },
    },
    {
      method: 'GET', path: '/api/v3/ticker', security: 'NONE', params: ['symbol', 'symbols', 'windowSize', 'type', 'symbolStatus'],
      // 4 per symbol, capped at 200 from 51 symbols on.
      weight: (p) => (p.symbols === undefined ? 4 : Math.min(200, 4 * Math.max(1, p.symbols.split(',').length))),
      handle: ({ params }) => {
        if (params.symbol !== undefined && params.symbols !== undefined) {
          throw new SimError(400, -1128, 'Combination of optional parameters invalid.');
        }
        const type = params.type ?? 'FULL';
        if (type !== 'FULL' && type !== 'MINI') throw new SimError(400, -1139, 'Invalid ticker type.');
        const window = windowSizeMs(params.windowSize ?? '1d');
        const one = (info: SymbolInfo) => rollingTicker(feed, info, window, type);
        const status = symbolStatusParam(params);
        if (params.symbols !== undefined) {
          const list = symbolsParam(params, catalog)!;
          if (list.length > 100) throw new SimError(400, -1101, "Too many values sent for parameter 'symbols', max allowed is 100.");
          return { body: list.filter((info) => status === undefined || status(info)).map(one) };
        }
        mandatory(params, 'symbol');
        return { body: one(statusChecked(symbolParam(params, catalog), status)) };
      },
    },
  ];
}
