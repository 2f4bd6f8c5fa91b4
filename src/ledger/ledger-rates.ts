/**
 * What one unit of an asset was worth in VALUATION_ASSET (V) at a trade's minute (DESIGN.md §10):
 * the open of the 1m kline of that minute of ASSET/V, or 1 ÷ that of V/ASSET, or through BTC
 * (ASSET/BTC × BTC/V) when neither pair exists. The open is fixed as soon as the minute starts,
 * so a fill valued live from the stream and the same fill valued later by a rebuild get the same
 * number; each (symbol, minute) price is cached in Redis (ledger-store.ts `rates`) and asked of
 * the exchange once (klines, weight 2).
 *
 * A kline row older than the minute (no trade in that minute on a quiet pair) gives its close: the
 * last price before the trade. No pair at all gives undefined: the fill is stored without a
 * value and the basis says the entry is unknown rather than guessing. A pair with no kline at all
 * is an error (retried by the next sync), never a price.
 */
import { div, isPositive, mul, normalize } from '../decimal.js';
import type { ExchangeClient } from '../binance/exchange-client.js';
import type { SymbolInfo } from '../binance/types.js';
import { BASIS_DECIMALS } from './ledger-basis.js';
import type { LedgerStore } from './ledger-store.js';

export interface LedgerRatesDeps {
  exchange: Pick<ExchangeClient, 'klines'>;
  symbols: { symbol(name: string): Promise<SymbolInfo | undefined> };
  store: Pick<LedgerStore, 'rate' | 'setRate'>;
  valuationAsset: string;
}

export interface LedgerRates {
  /** V per unit of `asset` at `timeMs`'s minute; undefined when no pair converts it. */
  rateAt(asset: string, timeMs: number): Promise<string | undefined>;
}

const MINUTE = 60_000;

export function createLedgerRates(deps: LedgerRatesDeps): LedgerRates {
  const v = deps.valuationAsset;
  /** In-process memo of the same cache (a sync values many fills of one minute). */
  const memo = new Map<string, string>();

  async function pair(base: string, quote: string): Promise<string | undefined> {
    const info = await deps.symbols.symbol(`${base}${quote}`);
    return info && info.baseAsset === base && info.quoteAsset === quote ? info.symbol : undefined;
  }

  async function priceAt(symbol: string, timeMs: number): Promise<string | undefined> {
    const minute = Math.floor(timeMs / MINUTE) * MINUTE;
    const key = `${symbol}:${minute}`;
    const known = memo.get(key) ?? (await deps.store.rate(key));
    if (known !== undefined) {
      memo.set(key, known);
      return known;
    }
    const [row] = await deps.exchange.klines(symbol, '1m', { endTime: minute + MINUTE - 1, limit: 1 });
    // A listed pair without a candle yet is a gap in the exchange's answer, not "no price": fail,
    // and the sync values the fill again later rather than storing it as unknown for good.
    if (!row) throw new Error(`no 1m kline of ${symbol} at or before ${new Date(minute).toISOString()}`);
    const price = normalize(row.openTime >= minute ? row.open : row.close);
    if (!isPositive(price)) return undefined;
    await deps.store.setRate(key, price);
    if (memo.size > 10_000) memo.clear();
    memo.set(key, price);
    return price;
  }

  async function direct(asset: string, to: string, timeMs: number): Promise<string | undefined> {
    const straight = await pair(asset, to);
    if (straight) return priceAt(straight, timeMs);
    const inverse = await pair(to, asset);
    if (inverse) {
      const p = await priceAt(inverse, timeMs);
      return p === undefined ? undefined : div('1', p, BASIS_DECIMALS, 'half-up');
    }
    return undefined;
  }

  return {
    async rateAt(asset, timeMs) {
      if (asset === v) return '1';
      const found = await direct(asset, v, timeMs);
      if (found !== undefined || asset === 'BTC' || v === 'BTC') return found;
      const [toBtc, btc] = await Promise.all([direct(asset, 'BTC', timeMs), direct('BTC', v, timeMs)]);
      if (toBtc === undefined || btc === undefined) return undefined;
      return normalize(mul(toBtc, btc));
    },
  };
}
