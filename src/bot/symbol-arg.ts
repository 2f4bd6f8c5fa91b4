/**
 * SYMBOL arguments: `btcusdt`, `BTC/USDT`, `btc-usdt` all mean BTCUSDT (normalizeSymbolInput in
 * src/binance/symbols.ts); an unknown one is refused with the closest listed symbols.
 */
import { normalizeSymbolInput, suggestSymbols } from '../binance/symbols.js';
import type { ExchangeInfoCache } from '../binance/exchange-info-cache.js';
import type { SymbolInfo } from '../binance/types.js';
import { AppError } from '../errors.js';
import { argumentError, quoteInput } from './command-args.js';
import type { CommandSpec } from './command-table.js';

/** What the bot reads from the exchange-info cache (src/binance/exchange-info-cache.ts). */
export type SymbolCatalog = Pick<ExchangeInfoCache, 'get' | 'symbol' | 'rateLimits'>;

export async function resolveSymbol(catalog: SymbolCatalog, spec: CommandSpec, token: string): Promise<SymbolInfo> {
  const normalized = normalizeSymbolInput(token);
  if (normalized === undefined) throw argumentError(spec, `"${quoteInput(token)}" is not a symbol. Symbols look like BTCUSDT or BTC/USDT.`);
  const info = await catalog.symbol(normalized);
  if (info) return info;
  const { symbols } = await catalog.get();
  const suggestions = suggestSymbols(normalized, symbols.map((s) => s.symbol), 3);
  const hint = suggestions.length > 0 ? ` Did you mean ${suggestions.join(', ')}?` : '';
  throw new AppError('EXCHANGE_UNKNOWN_SYMBOL', `unknown symbol ${normalized}`, {
    userMessage: `The exchange does not list ${quoteInput(normalized)}.${hint}`,
  });
}
