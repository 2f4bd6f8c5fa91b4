/**
 * The few reads outside /api/v3 that ccxt's `binance` class makes by default in `loadMarkets`
 * once keys are set (fetchMarkets with `fetchMargins`, fetchCurrencies), answered as a spot-only
 * exchange would, so an unmodified client loads the paper exchange's markets:
 * - GET /sapi/v1/capital/config/getall: every asset the paper exchange trades or holds, with the
 *   account's balance and no network (the paper account cannot deposit or withdraw).
 * - GET /sapi/v1/asset/tradeFee (ccxt's fetchTradingFee for spot): the simulator's commission rate.
 * - GET /sapi/v1/margin/allPairs, /sapi/v1/margin/isolated/allPairs: [] (no margin trading).
 * - GET /fapi/v1/exchangeInfo, /dapi/v1/exchangeInfo: an exchangeInfo without symbols (no futures).
 * Nothing else under /sapi, /fapi or /dapi is served.
 */
import { formatFixed } from '../../decimal.js';
import type { Route, RouteDeps } from './rest-routes.js';
import { symbolParam } from './route-params.js';

export function sapiRoutes(deps: RouteDeps): Route[] {
  const { catalog, accounts } = deps;

  const assets = (): string[] => {
    const names = new Set<string>();
    for (const s of catalog.symbols()) {
      names.add(s.baseAsset);
      names.add(s.quoteAsset);
    }
    for (const b of accounts.list()) names.add(b.asset);
    return [...names].sort();
  };

  const noFutures = (now: number) => ({ timezone: 'UTC', serverTime: now, rateLimits: [], exchangeFilters: [], assets: [], symbols: [] });

  return [
    {
      method: 'GET', path: '/sapi/v1/capital/config/getall', security: 'SIGNED', weight: () => 10,
      handle: () => ({
        body: assets().map((coin) => {
          const b = accounts.get(coin);
          const zero = '0';
          return {
            coin,
            depositAllEnable: false,
            withdrawAllEnable: false,
            name: coin,
            free: formatFixed(b.free, 8),
            locked: formatFixed(b.locked, 8),
            freeze: zero,
            withdrawing: zero,
            ipoing: zero,
            ipoable: zero,
            storage: zero,
            isLegalMoney: false,
            trading: true,
            networkList: [],
          };
        }),
      }),
    },
    {
      method: 'GET', path: '/sapi/v1/asset/tradeFee', security: 'SIGNED', weight: () => 1,
      handle: ({ params }) => {
        const symbols = params.symbol === undefined ? catalog.symbols() : [symbolParam(params, catalog)];
        // Binance writes these rates without padding ("0.001").
        return { body: symbols.map((s) => ({ symbol: s.symbol, makerCommission: deps.commissionRate, takerCommission: deps.commissionRate })) };
      },
    },
    { method: 'GET', path: '/sapi/v1/margin/allPairs', security: 'NONE', weight: () => 1, handle: () => ({ body: [] }) },
    { method: 'GET', path: '/sapi/v1/margin/isolated/allPairs', security: 'SIGNED', weight: () => 10, handle: () => ({ body: [] }) },
    { method: 'GET', path: '/fapi/v1/exchangeInfo', security: 'NONE', weight: () => 1, handle: ({ now }) => ({ body: noFutures(now) }) },
    { method: 'GET', path: '/dapi/v1/exchangeInfo', security: 'NONE', weight: () => 1, handle: ({ now }) => ({ body: noFutures(now) }) },
  ];
}
