/**
 * Shared by the filter engine tests: real symbols from the exchangeInfo captures (parsed once per
 * file), a variant maker, and verdict unwrappers that fail with the engine's own sentences.
 */
import { parseExchangeInfo } from '../../src/binance/exchange-info.js';
import type { FilterContext, FilterVerdict, OrderDraft } from '../../src/binance/filters.js';
import type { ExchangeInfo, SymbolInfo } from '../../src/binance/types.js';
import { EXCHANGE_INFO_FIXTURES, fixture } from '../support/fixtures.js';

const infos = new Map<string, ExchangeInfo>();
export function symbolOf(which: keyof typeof EXCHANGE_INFO_FIXTURES, name: string): SymbolInfo {
  let info = infos.get(which);
  if (!info) {
    info = parseExchangeInfo(fixture(EXCHANGE_INFO_FIXTURES[which]));
    infos.set(which, info);
  }
  const found = info.symbols.find((s) => s.symbol === name);
  if (!found) throw new Error(`${name} not in ${which}`);
  return found;
}
/** A real symbol with one field changed (a fresh object: the engine indexes by identity). */
export const variant = (s: SymbolInfo, change: Partial<SymbolInfo>): SymbolInfo => ({ ...structuredClone(s), ...change });

export const BTCUSDT = () => symbolOf('testnet2024', 'BTCUSDT'); // tick 0.01, step 0.00001, NOTIONAL 5, BY_SIDE 5/0.2
export const at = (referencePrice: string, extra: Partial<FilterContext> = {}): FilterContext => ({ referencePrice, ...extra });

export function accepted(verdict: FilterVerdict) {
  if (!verdict.ok) throw new Error(`expected acceptance, got ${verdict.violations.map((v) => v.message).join(' | ')}`);
  return verdict.order;
}
export function refused(verdict: FilterVerdict) {
  if (verdict.ok) throw new Error(`expected refusal, got ${JSON.stringify(verdict.order)}`);
  return verdict.violations;
}

export const limit = (side: 'BUY' | 'SELL', quantity: string, price: string): OrderDraft => ({
  side,
  type: 'LIMIT',
  quantity,
  price,
  timeInForce: 'GTC',
});
