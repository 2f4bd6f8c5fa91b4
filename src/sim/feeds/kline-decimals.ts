/** Decimal formatting of candle values as Binance writes them. */
import * as d from '../../decimal.js';

/** Binance formats every spot price and quantity with 8 decimals. */
export const PRICE_DECIMALS = 8;

/** Sum formatted with as many decimals as its most precise input ("1.50000000" stays 8 decimals). */
export function sumKeepingDecimals(values: string[]): string {
  let total = '0';
  let decimals = 0;
  for (const v of values) {
    total = d.add(total, v);
    const dot = v.indexOf('.');
    if (dot >= 0) decimals = Math.max(decimals, v.length - dot - 1);
  }
  return d.formatFixed(total, decimals);
}
