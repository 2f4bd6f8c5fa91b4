/**
 * The trading rules /price shows beside the price: what an order on the symbol must respect
 * before the trader types it (filters.md): the price tick (PRICE_FILTER), the quantity step and
 * minimum (LOT_SIZE), and the minimum order value (NOTIONAL, or MIN_NOTIONAL on older
 * listings; for MARKET orders only when the filter applies to them). A symbol that is not
 * TRADING says so first: no order passes then.
 *
 * Values are read through the filter engine's helpers (src/binance/filters.ts), so /price and
 * the order card never disagree on a rule. A rule of "0" is disabled (filters.md) and shown as
 * "none".
 */
import { lotSizeOf, minNotionalOf, priceFilterOf } from '../binance/filters.js';
import type { SymbolInfo } from '../binance/types.js';
import { isZero, normalize } from '../decimal.js';
import { escapeHtml, groupThousands } from '../format.js';

export interface TradingRules {
  status: SymbolInfo['status'];
  /** Canonical decimals ("0.01"); "0" when the rule is disabled. */
  tickSize: string;
  stepSize: string;
  minQty: string;
  /** Minimum order value in the quote asset for LIMIT orders, and for MARKET orders. */
  minNotional: string;
  marketMinNotional: string;
}

export function tradingRulesOf(info: SymbolInfo): TradingRules {
  const lot = lotSizeOf(info, 'LIMIT');
  return {
    status: info.status,
    tickSize: normalize(priceFilterOf(info)?.tickSize ?? '0'),
    stepSize: normalize(lot.stepSize),
    minQty: normalize(lot.minQty),
    minNotional: normalize(minNotionalOf(info, 'LIMIT')),
    marketMinNotional: normalize(minNotionalOf(info, 'MARKET')),
  };
}

/** Two lines of HTML for /price: the rules, and a warning first when the symbol is not trading. */
export function renderTradingRules(info: SymbolInfo): string {
  const rules = tradingRulesOf(info);
  const base = escapeHtml(info.baseAsset);
  const quote = escapeHtml(info.quoteAsset);
  const value = (v: string, unit?: string) => (isZero(v) ? 'none' : `${groupThousands(v)}${unit ? ` ${unit}` : ''}`);
  const minOrder =
    rules.minNotional === rules.marketMinNotional
      ? value(rules.minNotional, quote)
      : `${value(rules.minNotional, quote)} (market orders: ${value(rules.marketMinNotional, quote)})`;
  const line = `Rules: tick ${value(rules.tickSize)} · step ${value(rules.stepSize, base)} · min qty ${value(rules.minQty, base)} · min order ${minOrder}`;
  return rules.status === 'TRADING' ? line : `⚠️ Status ${escapeHtml(rules.status)}: not trading, orders are refused.\n${line}`;
}
