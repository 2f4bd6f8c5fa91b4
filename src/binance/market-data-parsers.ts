/**
 * Edge validation of the public market data Binance sends (rest-api.md "Market data endpoints"):
 * klines, the 24 h ticker, prices, the average and reference price. Hand-written rather than zod
 * because the all-symbols 24 h ticker (2,500+ entries) is parsed on every /top and must cost a
 * few milliseconds, not tens. Klines are decoded into objects; the rest is returned as sent.
 */
import { arr, dec, DECIMAL, list, num, obj, ResponseShapeError, str } from './response-shape.js';
import type { AvgPrice, Kline, ReferencePrice, Ticker24h, TickerPrice } from './types.js';

/** GET /api/v3/time. */
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
  return list<Ticker24h>(json, parseTicker24h);
}

export function parseTickerPrice(json: unknown, at = 'body'): TickerPrice {
  const o = obj(json, at);
  str(o, 'symbol', at);
  dec(o, 'price', at);
  return o as unknown as TickerPrice;
}

export function parseTickerPriceList(json: unknown): TickerPrice[] {
  return list<TickerPrice>(json, parseTickerPrice);
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
