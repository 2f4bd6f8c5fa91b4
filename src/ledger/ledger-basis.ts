/**
 * Average-cost basis over the account's fills (DESIGN.md §10), pure: fills in, positions and
 * realized P&L out, every amount in VALUATION_ASSET (V).
 *
 * A fill moves up to three assets, and each is booked on its own:
 * - BUY: the base comes in at the trade's value plus its fee; the quote goes out (a disposal,
 *   unless it is V itself: spending BTC on ETHBTC realizes BTC's gain or loss); a fee in a third
 *   asset (BNB) goes out at its value at the trade's time.
 * - SELL: the base goes out for the trade's value less its fee (its realized P&L is the sell's);
 *   the quote comes in at that value.
 * - A fee in the base reduces the quantity received (BUY) or adds to the quantity given (SELL)
 *   instead of changing the value; a fee in the quote reduces what a SELL brings in.
 * The trade's value is quoteQty × the quote's rate in V at the trade's minute (`quoteRate`, 1 for
 * V); a fee in a third asset uses `feeRate`, stored with the fill when it was ingested, so the
 * replay reads no market data.
 *
 * What the ledger did not see come in has no known entry. A disposal larger than the known
 * quantity realizes P&L on the known part only and carries the rest as `unknownQty`; a value that
 * could not be converted (no pair to V) leaves the acquisition unknown and the disposal without a
 * P&L. Nothing is made up. Division (the cost of part of a holding) is the only rounding: 18
 * decimals, half-up; taking a whole holding takes its exact cost.
 */
import type { LedgerFill } from './ledger-types.js';
import { add, div, eq, gt, isPositive, isZero, min, mul, normalize, sub } from '../decimal.js';

/** Digits kept by the one division of the basis (part of a holding's cost or proceeds). */
export const BASIS_DECIMALS = 18;

/** A fill as the ledger stores it: what the exchange said, the pair's assets and the rates to V at its minute. */
export interface StoredFill extends Omit<LedgerFill, 'realizedPnl' | 'unknownQty'> {
  baseAsset: string;
  quoteAsset: string;
  /** V per unit of the quote at the trade's minute; absent when no conversion path exists. */
  quoteRate?: string;
  /** V per unit of the commission asset when it is neither base, quote nor V; absent: unknown. */
  feeRate?: string;
}

export interface AssetBook {
  /** Quantity whose entry is known. */
  qty: string;
  /** Its total cost in V. */
  cost: string;
}

/** One realization of P&L: an asset leaving the account through a fill. */
export interface Realization {
  time: number;
  /** The fill's symbol and trade id. */
  symbol: string;
  tradeId: number;
  asset: string;
  /** Realized P&L in V of the known part; absent when nothing of it had a known entry or a value. */
  pnl?: string;
  /** Quantity that left without a known entry (or value): no P&L for it. */
  unknownQty?: string;
}

/** A sell's own result: the realization of its base asset. */
export interface FillResult {
  realizedPnl?: string;
  unknownQty?: string;
}

export const fillKey = (f: { symbol: string; tradeId: number }): string => `${f.symbol}:${f.tradeId}`;

/** The replay order: trade time, then symbol, then trade id (the exchange's own order within a symbol). */
export function compareFills(a: StoredFill, b: StoredFill): number {
  if (a.time !== b.time) return a.time - b.time;
  if (a.symbol !== b.symbol) return a.symbol < b.symbol ? -1 : 1;
  return a.tradeId - b.tradeId;
}

export interface Basis {
  /** Applies one fill; fills must come in `compareFills` order. */
  apply(fill: StoredFill): void;
  readonly books: ReadonlyMap<string, AssetBook>;
  /** In application order (time order). */
  readonly realizations: readonly Realization[];
  readonly results: ReadonlyMap<string, FillResult>;
}

export function createBasis(valuationAsset: string): Basis {
  const books = new Map<string, AssetBook>();
  const realizations: Realization[] = [];
  const results = new Map<string, FillResult>();

  const bookOf = (asset: string): AssetBook => {
    let book = books.get(asset);
    if (!book) books.set(asset, (book = { qty: '0', cost: '0' }));
    return book;
  };

  function acquire(asset: string, qty: string, cost: string | undefined): void {
    if (asset === valuationAsset || !isPositive(qty) || cost === undefined) return;
    const book = bookOf(asset);
    book.qty = add(book.qty, qty);
    book.cost = add(book.cost, cost);
  }

  function dispose(fill: StoredFill, asset: string, qty: string, proceeds: string | undefined): FillResult {
    if (asset === valuationAsset || !isPositive(qty)) return {};
    const book = bookOf(asset);
    const part = min(qty, book.qty);
    const unknown = sub(qty, part);
    let costOut = '0';
    if (isPositive(part)) {
      costOut = eq(part, book.qty) ? book.cost : div(mul(book.cost, part), book.qty, BASIS_DECIMALS, 'half-up');
      book.qty = sub(book.qty, part);
      book.cost = isZero(book.qty) ? '0' : sub(book.cost, costOut);
    }
    const result: FillResult = {};
    if (isPositive(part) && proceeds !== undefined) {
      const known = isZero(unknown) ? proceeds : div(mul(proceeds, part), qty, BASIS_DECIMALS, 'half-up');
      result.realizedPnl = normalize(sub(known, costOut), { allowNegative: true });
    }
    if (isPositive(unknown) || (proceeds === undefined && isPositive(part))) result.unknownQty = proceeds === undefined ? qty : unknown;
    realizations.push({
      time: fill.time,
      symbol: fill.symbol,
      tradeId: fill.tradeId,
      asset,
      ...(result.realizedPnl !== undefined ? { pnl: result.realizedPnl } : {}),
      ...(result.unknownQty !== undefined ? { unknownQty: result.unknownQty } : {}),
    });
    return result;
  }

  function apply(fill: StoredFill): void {
    const { baseAsset: base, quoteAsset: quote, side } = fill;
    const fee = fill.commission;
    const feeAsset = fill.commissionAsset;
    const hasFee = isPositive(fee) && feeAsset !== '';
    const tradeValue = fill.quoteRate === undefined ? undefined : mul(fill.quoteQty, fill.quoteRate);
    const feeValue = !hasFee ? '0' : valueOfFee(fill, tradeValue);
    const feeInBase = hasFee && feeAsset === base;
    const feeInQuote = hasFee && feeAsset === quote;
    const feeElsewhere = hasFee && !feeInBase && !feeInQuote && feeAsset !== valuationAsset;
    const plus = (a: string | undefined, b: string | undefined) => (a === undefined || b === undefined ? undefined : add(a, b));
    const minus = (a: string | undefined, b: string | undefined) => (a === undefined || b === undefined ? undefined : sub(a, b));

    if (side === 'BUY') {
      acquire(base, feeInBase ? sub(fill.qty, fee) : fill.qty, feeInBase ? tradeValue : plus(tradeValue, feeValue));
      if (feeInQuote) dispose(fill, quote, add(fill.quoteQty, fee), plus(tradeValue, feeValue));
      else dispose(fill, quote, fill.quoteQty, tradeValue);
      if (feeElsewhere) dispose(fill, feeAsset, fee, feeValue);
      return;
    }
    const own = dispose(fill, base, feeInBase ? add(fill.qty, fee) : fill.qty, feeInBase ? tradeValue : minus(tradeValue, feeValue));
    results.set(fillKey(fill), own);
    if (feeInQuote) acquire(quote, sub(fill.quoteQty, fee), minus(tradeValue, feeValue));
    else acquire(quote, fill.quoteQty, tradeValue);
    if (feeElsewhere) dispose(fill, feeAsset, fee, feeValue);
  }

  function valueOfFee(fill: StoredFill, tradeValue: string | undefined): string | undefined {
    const fee = fill.commission;
    if (fill.commissionAsset === valuationAsset) return fee;
    if (fill.commissionAsset === fill.quoteAsset) return fill.quoteRate === undefined ? undefined : mul(fee, fill.quoteRate);
    if (fill.commissionAsset === fill.baseAsset) {
      // Valued at the trade's own price: what that quantity of base was worth in the trade.
      return tradeValue === undefined || !gt(fill.qty, '0') ? undefined : div(mul(tradeValue, fee), fill.qty, BASIS_DECIMALS, 'half-up');
    }
    return fill.feeRate === undefined ? undefined : mul(fee, fill.feeRate);
  }

  return { apply, books, realizations, results };
}

/** Replays fills (any order) from nothing. */
export function replayFills(fills: readonly StoredFill[], valuationAsset: string): Basis {
  const basis = createBasis(valuationAsset);
  for (const fill of [...fills].sort(compareFills)) basis.apply(fill);
  return basis;
}
