/**
 * The filter engine's contract (re-exported by filters.ts, which is what callers import).
 */
import type { ErrorCode } from '../errors.js';
import type { FilterType } from './symbol-filter-types.js';
import type { OrderTerms } from './types.js';

export interface OrderDraft extends OrderTerms {
  icebergQty?: string;
  /** Trailing stops only (rest-api.md, faqs/trailing-stop-faq.md): basis points, checked by TRAILING_DELTA. */
  trailingDelta?: number;
}

export interface FilterContext {
  /** PERCENT_PRICE(_BY_SIDE) reference and MARKET notional price: referencePrice, else avgPrice, else last price (BINANCE.md). */
  referencePrice: string;
  /** MAX_NUM_ORDERS: open orders on the symbol (all types). Unchecked when absent. */
  openOrders?: number;
  /** MAX_NUM_ALGO_ORDERS: open STOP_LOSS(_LIMIT) and TAKE_PROFIT(_LIMIT) orders on the symbol. Unchecked when absent. */
  openAlgoOrders?: number;
  /**
   * MAX_POSITION: free + locked base balance plus the quantity of open BUY orders on the symbol
   * (filters.md counts all three). Unchecked when absent.
   */
  basePosition?: string;
}

/** `adjust`: round to the grid in the safe direction (bot, worker). `strict`: validate as sent (simulator). */
export type FilterMode = 'adjust' | 'strict';

export type ViolationKind =
  | FilterType
  | 'SYMBOL_STATUS'
  | 'ORDER_TYPE'
  | 'QUOTE_ORDER_QTY'
  | 'SPOT_NOT_ALLOWED'
  /** More decimals than the asset allows: Binance -1111. */
  | 'PRECISION'
  /** A parameter missing, not allowed for the type, or malformed: Binance -1102/-1106/-1100. */
  | 'PARAMETER';

export interface FilterViolation {
  /** The filter name exactly as Binance reports it in "Filter failure: NAME", or one of the non-filter checks. */
  filter: ViolationKind;
  code: ErrorCode;
  /** The limit that was crossed (a minimum, a tick, the required status, …), canonical decimal where numeric. */
  limit: string;
  /** A plain sentence for the trader, with the asset and the limit. */
  message: string;
}

/** The draft as it will be sent: every value on the symbol's grid. */
export interface CheckedOrder extends OrderDraft {
  symbol: string;
  /** Estimated value in quote currency (exact product; MARKET at the reference price). */
  notional: string;
  /** Human notes of what was adjusted, e.g. "quantity rounded down from 0.0012345 to 0.00123 (step 0.00001)". */
  adjustments: string[];
}

export type FilterVerdict = { ok: true; order: CheckedOrder } | { ok: false; violations: FilterViolation[] };
