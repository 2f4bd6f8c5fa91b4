/**
 * Reading single values out of a symbol's filters (filters.md). A rule whose value is "0" is
 * disabled; these helpers return "0" then, and callers treat that as "no grid".
 */
import { isPositive } from '../../decimal.js';
import type { SymbolFilter } from '../../binance/symbol-filter-types.js';
import type { SymbolInfo } from '../../binance/types.js';

type FilterOf<T extends SymbolFilter['filterType']> = Extract<SymbolFilter, { filterType: T }>;

export function filterOf<T extends SymbolFilter['filterType']>(info: SymbolInfo, type: T): FilterOf<T> | undefined {
  return info.filters.find((f): f is FilterOf<T> => f.filterType === type);
}

export function tickSize(info: SymbolInfo): string {
  return filterOf(info, 'PRICE_FILTER')?.tickSize ?? '0';
}

/**
 * The quantity step: MARKET orders use MARKET_LOT_SIZE when it sets one (its stepSize is often
 * "0", i.e. not set), everything else LOT_SIZE.
 */
export function lotStep(info: SymbolInfo, market = false): string {
  const lot = filterOf(info, 'LOT_SIZE')?.stepSize ?? '0';
  if (!market) return lot;
  const marketStep = filterOf(info, 'MARKET_LOT_SIZE')?.stepSize;
  return marketStep !== undefined && isPositive(marketStep) ? marketStep : lot;
}

/** The cap of a quote-sized MARKET order's walk: MARKET_LOT_SIZE.maxQty when set, else LOT_SIZE.maxQty. */
export function marketMaxQty(info: SymbolInfo): string {
  const market = filterOf(info, 'MARKET_LOT_SIZE')?.maxQty;
  if (market !== undefined && isPositive(market)) return market;
  return filterOf(info, 'LOT_SIZE')?.maxQty ?? '9000000000';
}
