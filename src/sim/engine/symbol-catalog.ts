/**
 * The simulator's exchangeInfo: symbol rules from a real capture, served for the symbols the
 * market feed can price.
 *
 * `assets/exchange-info.json` holds the top-level fields and 133 symbol entries of the 2024-09
 * capture in ../shared/fixtures/exchange_info (davijr/robo-investimentos, probably Spot Testnet;
 * see fixtures/SOURCES.md): the 100 USDT pairs with the largest quote volume in the 2024-03-10
 * 24h ticker capture, plus the BTC- and ETH-quoted pairs of the 30 largest of them. Entries are
 * verbatim, so every rule a client reads (filters, orderTypes, precisions, STP modes) is real;
 * note that real spot symbols no longer list STOP_LOSS or TAKE_PROFIT (market) order types.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ExchangeInfo, SymbolInfo } from '../../binance/types.js';

/** Same relative path from src/sim/engine and dist/sim/engine. */
export const BUNDLED_EXCHANGE_INFO_PATH = resolve(dirname(fileURLToPath(import.meta.url)), '../../../assets/exchange-info.json');

let bundled: ExchangeInfo | undefined;

/** The bundled capture, read once. Callers must not mutate it. */
export function bundledExchangeInfo(): ExchangeInfo {
  bundled ??= JSON.parse(readFileSync(BUNDLED_EXCHANGE_INFO_PATH, 'utf8')) as ExchangeInfo;
  return bundled;
}

export interface SymbolCatalog {
  /** The rules of a symbol the simulator trades, or undefined (-1121 Invalid symbol). */
  get(symbol: string): SymbolInfo | undefined;
  symbols(): SymbolInfo[];
  /** The exchangeInfo response (optionally only some symbols), stamped with the server time. */
  exchangeInfo(serverTime: number, symbols?: string[]): ExchangeInfo;
  rateLimits(): ExchangeInfo['rateLimits'];
}

/**
 * `tradable()` is asked on every lookup so a feed that learns symbols later (a live feed after
 * its first poll) is followed without a rebuild.
 */
export function createSymbolCatalog(info: ExchangeInfo, tradable: () => string[]): SymbolCatalog {
  const bySymbol = new Map(info.symbols.map((s) => [s.symbol, s]));
  let cachedKey = '';
  let cached: SymbolInfo[] = [];

  const current = (): SymbolInfo[] => {
    const names = tradable();
    const key = names.join(',');
    if (key !== cachedKey) {
      cachedKey = key;
      const wanted = new Set(names);
      cached = info.symbols.filter((s) => wanted.has(s.symbol));
    }
    return cached;
  };

  return {
    get(symbol) {
      const s = bySymbol.get(symbol);
      return s !== undefined && tradable().includes(symbol) ? s : undefined;
    },
    symbols: current,
    exchangeInfo(serverTime, symbols) {
      const list = symbols === undefined ? current() : symbols.map((s) => bySymbol.get(s)!);
      return {
        timezone: info.timezone,
        serverTime,
        rateLimits: info.rateLimits,
        exchangeFilters: info.exchangeFilters,
        symbols: list,
      };
    },
    rateLimits: () => info.rateLimits,
  };
}
