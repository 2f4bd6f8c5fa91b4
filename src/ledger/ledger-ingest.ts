/**
 * Fills into the ledger, from either source (DESIGN.md §10): an `executionReport` with execution
 * type TRADE from the user data stream, or a row of GET /api/v3/myTrades. Both carry the same
 * trade id, price, quantity and commission (user-data-stream.md `t`, `L`, `l`, `n`, `N`;
 * rest-api.md "Account trade list"), so the first copy stored is the fill, and the other is a
 * no-op (ledger-store.ts).
 *
 * Each fill is valued once, here: the quote's rate to VALUATION_ASSET at its minute and, for a
 * fee in a third asset, the fee asset's (ledger-rates.ts). A fill already stored is not valued
 * again (no kline request for a duplicate).
 */
import { mul, normalize } from '../decimal.js';
import type { Logger } from '../logger.js';
import type { AccountTrade, SymbolInfo } from '../binance/types.js';
import type { ExecutionReport } from '../binance/user-data-events.js';
import type { StoredFill } from './ledger-basis.js';
import type { LedgerRates } from './ledger-rates.js';
import type { LedgerStore } from './ledger-store.js';

/** A fill as the exchange reported it, before the ledger values it. */
export type RawFill = Omit<StoredFill, 'baseAsset' | 'quoteAsset' | 'quoteRate' | 'feeRate'>;

/** The fill in an executionReport, or undefined when the report is not a trade. */
export function fillFromReport(r: ExecutionReport): RawFill | undefined {
  if (r.x !== 'TRADE' || r.t < 0) return undefined;
  return {
    symbol: r.s,
    tradeId: r.t,
    orderId: r.i,
    side: r.S,
    price: normalize(r.L),
    qty: normalize(r.l),
    quoteQty: normalize(r.Y ?? mul(r.L, r.l)),
    commission: normalize(r.n),
    commissionAsset: r.N ?? '',
    time: r.T,
    isMaker: r.m,
  };
}

export function fillFromTrade(t: AccountTrade): RawFill {
  return {
    symbol: t.symbol,
    tradeId: t.id,
    orderId: t.orderId,
    side: t.isBuyer ? 'BUY' : 'SELL',
    price: normalize(t.price),
    qty: normalize(t.qty),
    quoteQty: normalize(t.quoteQty),
    commission: normalize(t.commission),
    commissionAsset: t.commissionAsset,
    time: t.time,
    isMaker: t.isMaker,
  };
}

export interface FillIngestDeps {
  store: LedgerStore;
  rates: LedgerRates;
  symbols: { symbol(name: string): Promise<SymbolInfo | undefined> };
  valuationAsset: string;
  logger: Logger;
}

export interface FillIngest {
  /** Values and stores the fills not yet in the ledger; returns how many were new. */
  ingest(fills: readonly RawFill[]): Promise<number>;
}

/** Quotes tried, longest first, when a symbol has left exchangeInfo (delisted) and must be split by name. */
const KNOWN_QUOTES = ['FDUSD', 'USDT', 'USDC', 'TUSD', 'BUSD', 'BTC', 'ETH', 'BNB', 'EUR', 'TRY', 'BRL', 'JPY', 'DAI'];

export function createFillIngest(deps: FillIngestDeps): FillIngest {
  const log = deps.logger.child({ module: 'ledger-ingest' });

  async function assetsOf(symbol: string): Promise<{ baseAsset: string; quoteAsset: string }> {
    const info = await deps.symbols.symbol(symbol);
    if (info) return { baseAsset: info.baseAsset, quoteAsset: info.quoteAsset };
    const quote = [deps.valuationAsset, ...KNOWN_QUOTES].find((q) => symbol.endsWith(q) && symbol.length > q.length);
    if (!quote) throw new Error(`ledger: cannot tell the assets of ${symbol}`);
    log.warn({ symbol, quote }, 'symbol not in exchangeInfo: split by its quote name');
    return { baseAsset: symbol.slice(0, -quote.length), quoteAsset: quote };
  }

  async function value(fill: RawFill): Promise<StoredFill> {
    const assets = await assetsOf(fill.symbol);
    const quoteRate = await deps.rates.rateAt(assets.quoteAsset, fill.time);
    const thirdAsset = fill.commissionAsset !== '' && ![assets.baseAsset, assets.quoteAsset, deps.valuationAsset].includes(fill.commissionAsset);
    const feeRate = thirdAsset ? await deps.rates.rateAt(fill.commissionAsset, fill.time) : undefined;
    if (quoteRate === undefined) log.warn({ symbol: fill.symbol, tradeId: fill.tradeId }, 'no conversion of the quote to the valuation asset: the entry stays unknown');
    return { ...fill, ...assets, ...(quoteRate !== undefined ? { quoteRate } : {}), ...(feeRate !== undefined ? { feeRate } : {}) };
  }

  return {
    async ingest(fills) {
      const fresh: StoredFill[] = [];
      for (const fill of fills) {
        if (await deps.store.has(fill.symbol, fill.tradeId)) continue;
        fresh.push(await value(fill));
      }
      const added = await deps.store.add(fresh);
      if (added > 0) log.info({ added, seen: fills.length }, 'fills added to the ledger');
      return added;
    },
  };
}
