/**
 * Public market data endpoints, answered from the market feed (rest-api.md "General endpoints",
 * "Market Data endpoints").
 *
 * `GET /api/v3/referencePrice` answers -2043 "This symbol doesn't have a reference price." for
 * every symbol: on Binance only a few special symbols have one, and a client must already fall
 * back to avgPrice (BINANCE.md "Filters": reference price, else average, else last).
 */
import { add, div, formatFixed, isPositive } from '../../decimal.js';
import type { KlineInterval, SymbolInfo, Ticker24h } from '../../binance/types.js';
import { mandatory } from '../engine/order-validation.js';
import type { Route, RouteDeps } from './rest-routes.js';
import { limitParam, statusChecked, symbolParam, symbolStatusParam, symbolsParam } from './route-params.js';
import { marketBook } from '../engine/book-model.js';
import { bookRoutes } from './book-routes.js';
import { SimError, simErrors } from '../sim-error.js';
import type { MarketFeed } from '../types.js';

const INTERVALS: ReadonlySet<string> = new Set<KlineInterval>([
  '1s', '1m', '3m', '5m', '15m', '30m', '1h', '2h', '4h', '6h', '8h', '12h', '1d', '3d', '1w', '1M',
]);

/**
 * What klines reads. `timeZone` is left out on purpose: the paper exchange serves UTC candles only,
 * and a request that relies on another zone should fail here (-1104) rather than be answered wrong.
 */
const KLINE_PARAMS = ['symbol', 'interval', 'startTime', 'endTime', 'limit'];

/** avgPriceMins of the symbol's price filters (5 on every current symbol). */
function avgPriceMins(info: SymbolInfo): number {
  for (const f of info.filters) {
    if (f.filterType === 'PERCENT_PRICE_BY_SIDE' || f.filterType === 'PERCENT_PRICE' || f.filterType === 'NOTIONAL') return f.avgPriceMins;
  }
  return 5;
}

/**
 * Binance's average price is the volume-weighted price of the last `mins` minutes of trades.
 * From the feed: the 1m candles of that span weighted by volume, else their mean close, else
 * the last price.
 */
export function averagePrice(feed: MarketFeed, info: SymbolInfo): { mins: number; price: string; closeTime: number } | undefined {
  const mins = avgPriceMins(info);
  const last = feed.price(info.symbol);
  if (last === undefined) return undefined;
  const now = feed.now();
  const rows = feed.klines(info.symbol, '1m', { limit: mins }).filter((r) => r[6] >= now - mins * 60_000);
  let price = last;
  if (rows.length > 0) {
    let volume = '0';
    let quote = '0';
    let closes = '0';
    for (const r of rows) {
      volume = add(volume, r[5]);
      quote = add(quote, r[7]);
      closes = add(closes, r[4]);
    }
    price = isPositive(volume) ? div(quote, volume, 16) : div(closes, String(rows.length), 16);
  }
  return { mins, price: formatFixed(price, info.quoteAssetPrecision), closeTime: now };
}

/** The 24h ticker (bid and ask from the modelled book), or one built from the last price when the feed has no statistics yet. */
function ticker(feed: MarketFeed, info: SymbolInfo): Ticker24h {
  const t = feed.ticker24h(info.symbol);
  if (t !== undefined) return { ...t, ...bookTop(feed, info) };
  const last = formatFixed(feed.price(info.symbol) ?? '0', info.quoteAssetPrecision);
  const zero = formatFixed('0', info.quoteAssetPrecision);
  const now = feed.now();
  return {
    symbol: info.symbol, priceChange: zero, priceChangePercent: '0.000', weightedAvgPrice: last, prevClosePrice: last,
    lastPrice: last, lastQty: zero, bidPrice: last, bidQty: zero, askPrice: last, askQty: zero, openPrice: last,
    highPrice: last, lowPrice: last, volume: zero, quoteVolume: zero, openTime: now - 86_400_000, closeTime: now,
    firstId: -1, lastId: -1, count: 0,
  };
}

/** Best bid and ask of the modelled book (book-model.ts), Binance's padding. */
function bookTop(feed: MarketFeed, info: SymbolInfo): Pick<Ticker24h, 'bidPrice' | 'bidQty' | 'askPrice' | 'askQty'> {
  const book = marketBook(feed, info);
  const px = (v: string | undefined) => formatFixed(v ?? feed.price(info.symbol) ?? '0', info.quoteAssetPrecision);
  const qty = (v: string | undefined) => formatFixed(v ?? '0', info.baseAssetPrecision);
  const bid = book?.bestBid();
  const ask = book?.bestAsk();
  return { bidPrice: px(bid?.price), bidQty: qty(bid?.qty), askPrice: px(ask?.price), askQty: qty(ask?.qty) };
}

function mini(t: Ticker24h): Record<string, unknown> {
  const { symbol, openPrice, highPrice, lowPrice, lastPrice, volume, quoteVolume, openTime, closeTime, firstId, lastId, count } = t;
  return { symbol, openPrice, highPrice, lowPrice, lastPrice, volume, quoteVolume, openTime, closeTime, firstId, lastId, count };
}

export function marketRoutes(deps: RouteDeps): Route[] {
  const { catalog, feed } = deps;
  const klines: Route['handle'] = ({ params }) => {
    const info = symbolParam(params, catalog);
    const interval = mandatory(params, 'interval');
    if (!INTERVALS.has(interval)) throw simErrors.badInterval();
    const limit = limitParam(params, 500, 1000);
    const startTime = params.startTime === undefined ? undefined : Number(params.startTime);
    const endTime = params.endTime === undefined ? undefined : Number(params.endTime);
    return {
      body: feed.klines(info.symbol, interval as KlineInterval, {
        limit,
        ...(startTime !== undefined && { startTime }),
        ...(endTime !== undefined && { endTime }),
      }),
    };
  };
  const priceOf = (info: SymbolInfo) => ({
    symbol: info.symbol,
    price: formatFixed(feed.price(info.symbol) ?? '0', info.quoteAssetPrecision),
  });
  const bothSymbolParams = (params: Record<string, string>) => {
    if (params.symbol !== undefined && params.symbols !== undefined) {
      throw new SimError(400, -1128, 'Combination of optional parameters invalid.');
    }
  };
  const listed = () => catalog.symbols().filter((s) => feed.price(s.symbol) !== undefined);

  return [
    { method: 'GET', path: '/api/v3/ping', security: 'NONE', params: [], weight: () => 1, handle: () => ({ body: {} }) },
    {
      method: 'GET', path: '/api/v3/time', security: 'NONE', params: [], weight: () => 1,
      handle: ({ now }) => ({ body: { serverTime: now } }),
    },
    {
      method: 'GET', path: '/api/v3/exchangeInfo', security: 'NONE', weight: () => 20,
      params: ['symbol', 'symbols', 'symbolStatus', 'permissions', 'showPermissionSets'],
      handle: ({ params, now }) => {
        bothSymbolParams(params);
        if (params.symbol !== undefined) return { body: catalog.exchangeInfo(now, [symbolParam(params, catalog).symbol]) };
        const list = symbolsParam(params, catalog);
        const status = params.symbolStatus;
        if (status !== undefined) {
          if (list !== undefined) throw new SimError(400, -1128, 'Combination of optional parameters invalid.');
          if (!['TRADING', 'HALT', 'BREAK'].includes(status)) throw new SimError(400, -1122, 'Invalid symbolStatus.');
          return { body: catalog.exchangeInfo(now, catalog.symbols().filter((s) => s.status === status).map((s) => s.symbol)) };
        }
        return { body: catalog.exchangeInfo(now, list?.map((s) => s.symbol)) };
      },
    },
    { method: 'GET', path: '/api/v3/klines', security: 'NONE', params: KLINE_PARAMS, weight: () => 2, handle: klines },
    { method: 'GET', path: '/api/v3/uiKlines', security: 'NONE', params: KLINE_PARAMS, weight: () => 2, handle: klines },
    {
      method: 'GET', path: '/api/v3/ticker/24hr', security: 'NONE', params: ['symbol', 'symbols', 'type', 'symbolStatus'],
      weight: (p) => {
        if (p.symbol !== undefined) return 2;
        if (p.symbols === undefined) return 80;
        const n = p.symbols.split(',').length;
        return n <= 20 ? 2 : n <= 100 ? 40 : 80;
      },
      handle: ({ params }) => {
        bothSymbolParams(params);
        const shape = params.type === 'MINI' ? mini : (t: Ticker24h) => t;
        if (params.type !== undefined && params.type !== 'MINI' && params.type !== 'FULL') {
          throw new SimError(400, -1139, 'Invalid ticker type.');
        }
        const status = symbolStatusParam(params);
        if (params.symbol !== undefined) return { body: shape(ticker(feed, statusChecked(symbolParam(params, catalog), status))) };
        const list = (symbolsParam(params, catalog) ?? listed()).filter((info) => status === undefined || status(info));
        return { body: list.map((info) => shape(ticker(feed, info))) };
      },
    },
    {
      method: 'GET', path: '/api/v3/ticker/price', security: 'NONE', params: ['symbol', 'symbols', 'symbolStatus'],
      weight: (p) => (p.symbol !== undefined ? 2 : 4),
      handle: ({ params }) => {
        bothSymbolParams(params);
        const status = symbolStatusParam(params);
        if (params.symbol !== undefined) return { body: priceOf(statusChecked(symbolParam(params, catalog), status)) };
        return { body: (symbolsParam(params, catalog) ?? listed()).filter((info) => status === undefined || status(info)).map(priceOf) };
      },
    },
    {
      method: 'GET', path: '/api/v3/ticker/bookTicker', security: 'NONE', params: ['symbol', 'symbols', 'symbolStatus'],
      weight: (p) => (p.symbol !== undefined ? 2 : 4),
      handle: ({ params }) => {
        // The modelled book's touch, the same one /depth and the matching engine use.
        const book = (info: SymbolInfo) => ({ symbol: info.symbol, ...bookTop(feed, info) });
        bothSymbolParams(params);
        const status = symbolStatusParam(params);
        if (params.symbol !== undefined) return { body: book(statusChecked(symbolParam(params, catalog), status)) };
        return { body: (symbolsParam(params, catalog) ?? listed()).filter((info) => status === undefined || status(info)).map(book) };
      },
    },
    ...bookRoutes(deps),
    {
      method: 'GET', path: '/api/v3/avgPrice', security: 'NONE', params: ['symbol'], weight: () => 2,
      handle: ({ params }) => {
        const info = symbolParam(params, catalog);
        const avg = averagePrice(feed, info);
        return { body: avg ?? { mins: avgPriceMins(info), price: formatFixed('0', info.quoteAssetPrecision), closeTime: feed.now() } };
      },
    },
    {
      method: 'GET', path: '/api/v3/referencePrice', security: 'NONE', params: ['symbol'], weight: () => 2,
      handle: ({ params }) => {
        symbolParam(params, catalog);
        throw new SimError(400, -2043, "This symbol doesn't have a reference price.");
      },
    },
  ];
}
