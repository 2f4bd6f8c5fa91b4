/**
 * Orders with a plan (DESIGN.md §2 "Orders with a plan", §5b): a BUY with its exit set in the same
 * breath, a stop below and/or a target above, sized by a quantity, an amount or the money the
 * trader is ready to lose. What the bot parses, what the card shows and what the worker places.
 */
import type { FractalRef } from '../stops/stop-types.js';
import type { StopInterval } from '../stops/stop-intervals.js';
import type { AmountSpec } from '../types.js';

/** `sl=`: where the stop goes. */
export type StopSpec =
  /** `sl=61000` */
  | { kind: 'price'; price: string }
  /** `sl=3%`: that far below the entry. */
  | { kind: 'percent'; percent: string }
  /** `sl=fractal[:INTERVAL]`: the newest confirmed bullish fractal below the price. */
  | { kind: 'fractal'; interval: StopInterval }
  /** `sl=atr[:MULT]`: entry − MULT × ATR(14) of the interval (a chandelier stop). */
  | { kind: 'atr'; multiple: string; interval: StopInterval };

/** `tp=`: where the take-profit goes. */
export type TargetSpec =
  | { kind: 'price'; price: string }
  /** `tp=5%`: that far above the entry. */
  | { kind: 'percent'; percent: string }
  /** `tp=2R`: twice the risk (entry − stop) above the entry. */
  | { kind: 'risk-multiple'; multiple: string };

/** `risk=1%` (of the account's net value) or `risk=50` (in VALUATION_ASSET). */
/** `asset`: as typed (`risk=50USDT`); it must be VALUATION_ASSET, never converted silently. */
export type RiskSpec = { kind: 'percent'; percent: string } | { kind: 'value'; value: string; asset?: string };

/** A parsed `/buy SYMBOL AMOUNT [PRICE] [sl=STOP] [tp=TARGET]`. */
export interface BracketRequest {
  symbol: string;
  /** How much: as /buy's AMOUNT, or sized by the risk (which needs a stop). */
  size: { kind: 'amount'; amount: AmountSpec } | { kind: 'risk'; risk: RiskSpec };
  /** LIMIT entry price; absent: MARKET. */
  price?: string;
  stop?: StopSpec;
  target?: TargetSpec;
}

/** How the plan reaches the exchange (§5b). */
export type BracketPlacement =
  /** LIMIT entry: one list, the entry working and the exits pending (OTOCO with both, OTO with one). */
  | 'list'
  /** MARKET entry: the order, then the exits for what was received (OCO with both, one order with one). */
  | 'after-fill';

/** What the card shows and the worker places, on the grid, beside the entry (OrderPreview.bracket). */
export interface BracketPlan {
  placement: BracketPlacement;
  /** The entry the risk is measured from: the limit price, or the last price for MARKET. */
  entryPrice: string;
  stop?: {
    /** STOP_LOSS_LIMIT trigger and limit, on the tick grid. */
    stopPrice: string;
    limitPrice: string;
    spec: StopSpec;
    /** The fractal a `sl=fractal` stop sits on. */
    fractal?: FractalRef;
    /** Candle time the trailing rule counts fractals from once the plan's stop is managed (plan-trailing.ts). */
    armedAt?: number;
    /** ATR(14) a `sl=atr` stop was measured with (display only). */
    atr?: string;
  };
  target?: { price: string; spec: TargetSpec };
  /** The exits' quantity: the entry's less the commission it pays in the base asset, floored to the step. */
  exitQuantity: string;
  /** (entry − stop) × exitQuantity in the quote, and in VALUATION_ASSET; absent without a stop. */
  riskQuote?: string;
  riskValue?: string;
  valuationAsset: string;
  /** (target − entry) ÷ (entry − stop), two decimals; absent without both. */
  rewardRisk?: string;
  /** `risk=`: what was asked, and why the size is smaller when it is. */
  sizedByRisk?: { asked: string; cappedBy?: 'balance' | 'cap' };
}
