/**
 * What the ledger (fills and their cost basis) and the net value history offer the views built on
 * them: the P&L commands, the daily report, the equity chart, strategies and the Mini App
 * (DESIGN.md §10). A deployment trades one Binance account, so neither is keyed by user.
 * Amounts are decimal strings in VALUATION_ASSET unless a field names another asset.
 */
import type { Side, TradeFill } from '../binance/types.js';

/** One fill of the account, as GET /api/v3/myTrades or an executionReport reports it. */
export interface LedgerFill extends TradeFill {
  /** The exchange's trade id: with the symbol, the fill's identity (a fill counts once). */
  tradeId: number;
  side: Side;
  /** Realized P&L of a sell in VALUATION_ASSET (average cost, fees included); absent for a buy or when the entry is unknown. */
  realizedPnl?: string;
  /** A sell's quantity whose entry the ledger never saw (a deposit, older history): `realizedPnl` covers only the rest. */
  unknownQty?: string;
}

export interface FillQuery {
  symbol?: string;
  fromMs?: number;
  toMs?: number;
  /** Newest first, at most this many. */
  limit?: number;
}

export interface RealizedSummary {
  /** Realized P&L over the span in VALUATION_ASSET. */
  realized: string;
  /** Fills in the span. */
  trades: number;
  /** Some sells in the span had no known entry: their P&L is left out, and a view must say so. */
  unknownBasis: boolean;
  /** The same, per asset that left the account (a sell's base, a quote spent, a fee in BNB). */
  byAsset?: AssetRealized[];
}

export interface AssetRealized {
  asset: string;
  realized: string;
  unknownBasis: boolean;
}

/** An asset held, with what the ledger knows of its cost. Valuing it at the current price is the view's job. */
export interface PositionBasis {
  asset: string;
  /** Quantity whose entry the ledger knows (bought through fills it has seen). */
  knownQuantity: string;
  /** Average cost per unit of the known quantity in VALUATION_ASSET, fees included; absent when knownQuantity is 0. */
  averageEntry?: string;
  /** Total cost of the known quantity in VALUATION_ASSET. */
  costBasis: string;
}

export interface LedgerReader {
  fills(query: FillQuery): Promise<LedgerFill[]>;
  realized(fromMs: number, toMs: number, symbol?: string): Promise<RealizedSummary>;
  positions(): Promise<PositionBasis[]>;
}

/** The account's net value (all balances valued in VALUATION_ASSET) at one sample slot. */
export interface EquitySample {
  /** The slot's start, ms since the epoch (a multiple of EQUITY_SAMPLE_MIN). */
  time: number;
  value: string;
}

export interface EquityReader {
  /** Samples with fromMs <= time < toMs, oldest first. */
  samples(fromMs: number, toMs: number): Promise<EquitySample[]>;
}
