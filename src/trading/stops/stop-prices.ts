/**
 * The two prices of a managed stop's order besides its stop price (DESIGN.md §5; BINANCE.md
 * "Filters"): its limit, `STOP_LIMIT_OFFSET_PCT` below the stop, and the reference price the
 * PERCENT_PRICE(_BY_SIDE) filters measure it against.
 */
import { decimalsOf, div, floorToStep, isPositive, mul, normalize, sub } from '../../decimal.js';
import { isExchangeError } from '../../errors.js';
import type { ExchangeClient } from '../../binance/types.js';

/** The limit price of a stop: `offsetPct` below the stop price, rounded down to the tick (priceRounding of a SELL stop-limit). */
export function stopLimitPrice(stopPrice: string, offsetPct: string, tickSize: string): string {
  const raw = div(mul(stopPrice, sub('100', offsetPct)), '100', decimalsOf(tickSize) + 4, 'floor');
  return normalize(floorToStep(raw, tickSize));
}

/** PERCENT_PRICE(_BY_SIDE)'s reference: referencePrice, else avgPrice, else the last price (BINANCE.md "Filters"). */
export async function referencePriceOf(exchange: ExchangeClient, symbol: string, fallback: string): Promise<string> {
  try {
    const reference = await exchange.referencePrice(symbol);
    if (reference?.referencePrice && isPositive(reference.referencePrice)) return normalize(reference.referencePrice);
  } catch (error) {
    if (!isExchangeError(error) || error.kind !== 'rejected') throw error;
  }
  try {
    const average = await exchange.avgPrice(symbol);
    if (isPositive(average.price)) return normalize(average.price);
  } catch (error) {
    if (!isExchangeError(error) || error.kind !== 'rejected') throw error;
  }
  return fallback;
}
