/**
 * GET /api/v3/ticker/24hr computed from candles (a rolling window the size of the candles that
 * cover it). Candles carry a trade count but no trade ids, so firstId/lastId are synthetic
 * (-1/-1 when nothing traded, as Binance sends for a dead symbol). Bid and ask are the last
 * price here; the route replaces them with the modelled book's touch (book-model.ts).
 */
import type { KlineRow, Ticker24h } from '../../binance/types.js';
import * as d from '../../decimal.js';
import { PRICE_DECIMALS, sumKeepingDecimals } from './kline-decimals.js';
import { DAY } from '../../binance/kline-intervals.js';

/** `window`: the candles of the last 24 h ending at `end`, oldest first; `prev`: the candle before them. */
export function candleTicker(symbol: string, window: KlineRow[], prev: KlineRow | undefined, end: number, lastPrice?: string): Ticker24h {
  const fx = (v: string) => d.formatFixed(v, PRICE_DECIMALS);
  const openPrice = window[0]![1];
  const last = fx(lastPrice ?? window[window.length - 1]![4]);
  let high = last;
  let low = last;
  let count = 0;
  for (const r of window) {
    high = d.max(high, r[2]);
    low = d.min(low, r[3]);
    count += r[8];
  }
  const volume = sumKeepingDecimals(window.map((r) => r[5]));
  const quoteVolume = sumKeepingDecimals(window.map((r) => r[7]));
  const change = d.sub(last, openPrice);
  return {
    symbol,
    priceChange: fx(change),
    priceChangePercent: d.isZero(openPrice) ? '0.000' : d.formatFixed(d.div(d.mul(change, '100'), openPrice, 6), 3),
    weightedAvgPrice: d.isZero(volume) ? last : fx(d.div(quoteVolume, volume, PRICE_DECIMALS, 'half-up')),
    prevClosePrice: fx(prev?.[4] ?? openPrice),
    lastPrice: last,
    lastQty: '0.00000000',
    // Candles know no book: the last price here; GET /api/v3/ticker/24hr puts the modelled book's touch on top (market-routes.ts).
    bidPrice: last,
    bidQty: '0.00000000',
    askPrice: last,
    askQty: '0.00000000',
    openPrice: fx(openPrice),
    highPrice: fx(high),
    lowPrice: fx(low),
    volume,
    quoteVolume,
    openTime: end - DAY,
    closeTime: end,
    // Candles carry a trade count but no trade ids: ids are synthetic, -1 when nothing traded (as Binance).
    firstId: count === 0 ? -1 : 0,
    lastId: count === 0 ? -1 : count - 1,
    count,
  };
}
