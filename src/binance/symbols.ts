/**
 * From what a trader types to a Binance symbol: "btc/usdt", "BTC-USDT", " BtcUsdt " → "BTCUSDT",
 * and a did-you-mean for near misses ("BTCUSD" → "BTCUSDT").
 *
 * Binance symbols are the base asset followed by the quote asset with no separator (every symbol
 * of the exchangeInfo captures is exactly baseAsset + quoteAsset). Letters are compared upper
 * case; non-Latin letters and digits are kept (rest-api.md signs an order for "１２３４５６").
 */
import type { ExchangeInfo, SymbolInfo } from './types.js';

const SYMBOL_INPUT = /^([\p{L}\p{N}]+)(?:[/\-_:]([\p{L}\p{N}]+))?$/u;

/** "btc/usdt" → "BTCUSDT"; anything that cannot be a symbol → undefined. One separator at most: / - _ : */
export function normalizeSymbolInput(text: string): string | undefined {
  if (typeof text !== 'string') return undefined;
  const m = SYMBOL_INPUT.exec(text.trim().toUpperCase());
  if (!m) return undefined;
  const symbol = (m[1] ?? '') + (m[2] ?? '');
  return symbol.length >= 2 && symbol.length <= 50 ? symbol : undefined;
}

/**
 * Quote assets, most traded first: the order breaks ties between suggestions, so "BTCUSD" offers
 * BTCUSDT before BTCUSDC. Only the tie-break depends on this list; any quote is matched.
 */
const QUOTE_PREFERENCE = ['USDT', 'USDC', 'FDUSD', 'BTC', 'ETH', 'BNB', 'EUR', 'TRY', 'BRL', 'TUSD', 'JPY', 'DAI'];
const QUOTES_LONGEST_FIRST = [...QUOTE_PREFERENCE].sort((a, b) => b.length - a.length);

function quoteRank(symbol: string): number {
  for (let i = 0; i < QUOTE_PREFERENCE.length; i++) if (symbol.endsWith(QUOTE_PREFERENCE[i]!)) return i;
  return QUOTE_PREFERENCE.length;
}

function splitQuote(symbol: string): [base: string, quote: string] | undefined {
  for (const q of QUOTES_LONGEST_FIRST) if (symbol.length > q.length && symbol.endsWith(q)) return [symbol.slice(0, -q.length), q];
  return undefined;
}

/**
 * Up to `limit` known symbols the trader probably meant, best first. Matches, in order of trust:
 * the input is a base asset with the start of a quote ("ETH" → ETHUSDT, "BTCUSD" → BTCUSDT),
 * base and quote swapped ("USDTBTC" → BTCUSDT), the start of any symbol ("ETH" → ETHFIUSDT),
 * or a few typing edits away (a typo, a missing or swapped letter).
 */
export function suggestSymbols(input: string, known: Iterable<string>, limit = 3): string[] {
  const wanted = normalizeSymbolInput(input);
  if (!wanted || limit <= 0) return [];
  // One edit per three characters typed, at least one: "ETHUSTD" (a swap) finds ETHUSDT.
  const maxEdits = Math.max(1, Math.floor(wanted.length / 3));
  const swapped = splitQuote(wanted);
  const scored: { symbol: string; score: number; rank: number }[] = [];
  for (const symbol of known) {
    if (symbol === wanted) return [symbol];
    let score: number | undefined;
    if (wanted.length >= 3 && symbol.startsWith(wanted)) score = completesQuote(wanted, symbol) ? 0.25 : 0.75;
    else if (swapped && symbol === swapped[1] + swapped[0]) score = 0.5;
    else if (Math.abs(symbol.length - wanted.length) <= maxEdits) {
      const edits = editDistance(wanted, symbol, maxEdits);
      if (edits <= maxEdits) score = edits;
    }
    if (score !== undefined) scored.push({ symbol, score, rank: quoteRank(symbol) });
  }
  scored.sort((a, b) => a.score - b.score || a.rank - b.rank || a.symbol.length - b.symbol.length || (a.symbol < b.symbol ? -1 : 1));
  return scored.slice(0, limit).map((s) => s.symbol);
}

/** "ETH" → ETHUSDT, "BTCUSD" → BTCUSDT: the input is the whole base plus the start of the quote (not ETHFIUSDT). */
function completesQuote(wanted: string, symbol: string): boolean {
  const parts = splitQuote(symbol);
  return parts !== undefined && wanted.length >= parts[0].length && parts[1].startsWith(wanted.slice(parts[0].length));
}

/**
 * Optimal string alignment distance (insertions, deletions, substitutions, adjacent swaps),
 * giving up with `cap + 1` as soon as every path costs more than `cap`.
 */
export function editDistance(a: string, b: string, cap: number): number {
  const n = b.length;
  let before = new Array<number>(n + 1).fill(0);
  let previous = Array.from({ length: n + 1 }, (_, j) => j);
  let row = new Array<number>(n + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    row[0] = i;
    let best = row[0];
    for (let j = 1; j <= n; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(previous[j]! + 1, row[j - 1]! + 1, previous[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, before[j - 2]! + 1);
      row[j] = d;
      if (d < best) best = d;
    }
    if (best > cap) return cap + 1;
    [before, previous, row] = [previous, row, before];
  }
  return previous[n]!;
}

const indexes = new WeakMap<ExchangeInfo, Map<string, SymbolInfo>>();

/** The listed symbol the text names ("eth/btc" → ETHBTC's rules), or undefined. Indexed once per ExchangeInfo. */
export function findSymbol(info: ExchangeInfo, text: string): SymbolInfo | undefined {
  const name = normalizeSymbolInput(text);
  if (!name) return undefined;
  let index = indexes.get(info);
  if (!index) {
    index = new Map(info.symbols.map((s) => [s.symbol, s]));
    indexes.set(info, index);
  }
  return index.get(name);
}
