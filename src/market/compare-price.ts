/**
 * Exact comparison of two price strings, fast enough to run thousands of times per candle
 * scan without allocating.
 *
 * Klines arrive as decimal strings with a fixed number of decimals ("109250.00000000",
 * rest-api.md "Kline/Candlestick data"). Two such strings with the same length, the point in
 * the same place and no sign compare numerically exactly as they compare character by
 * character, so the common case needs no parsing. Anything else (a different number of
 * integer digits, a different format, a sign) goes through `compare` of src/decimal.ts, which
 * parses into bigints: still exact, just slower. No float is ever involved.
 *
 * Inputs are trusted to be plain decimals: klines are validated at the edge by the REST client
 * (src/binance/response-parsers.ts).
 */
import { compare } from '../decimal.js';

const MINUS = 45; // '-'

export function comparePrice(a: string, b: string): -1 | 0 | 1 {
  if (a.length === b.length && a.charCodeAt(0) !== MINUS && b.charCodeAt(0) !== MINUS && a.indexOf('.') === b.indexOf('.')) {
    return a < b ? -1 : a > b ? 1 : 0;
  }
  return compare(a, b);
}

/** a < b, exactly. */
export const priceBelow = (a: string, b: string): boolean => comparePrice(a, b) < 0;
