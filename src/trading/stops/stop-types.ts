/**
 * Managed stops (DESIGN.md §2 "/stop", "/stops", §5): the state the stop manager keeps in Redis,
 * what a stop card's intent carries, and the contracts between the bot (StopDesk), the trading
 * service's Confirm (StopArming) and the worker (the stop manager).
 *
 * A managed stop is a STOP_LOSS_LIMIT SELL on the exchange that the bot looks after: `fixed`
 * stays where the trader put it; the trailing kinds move it up at candle closes, never down:
 * `fractal` to the newest confirmed bullish fractal, `percent` to N % under the highest high since
 * arming, `atr` to that high − MULT × ATR(14) (a chandelier stop). Why a stop sits where it does
 * is its `StopBasis`, one tagged value per kind, so every trailing kind shares one move pipeline.
 * Several stops may share a symbol (a ladder of fixed stops over parts of a position); each has
 * its own id, which is the id of the intent that created it.
 */
import type { AmountSpec, OrderIntent, PreparedCard, Requester } from '../types.js';
import type { StopInterval } from './stop-intervals.js';
import type { StopEntryCancel } from './stop-entry-cancel.js';

export type StopKind = 'fixed' | 'fractal' | 'percent' | 'atr';
/** The kinds the stop manager evaluates at the closes of their interval. */
export type TrailingKind = Exclude<StopKind, 'fixed'>;

export const isTrailing = (kind: StopKind): kind is TrailingKind => kind !== 'fixed';

/** A fractal a stop sits on or considered: its low and the open time of its candle. */
export interface FractalRef {
  price: string;
  openTime: number;
}

/**
 * The highest high since arming (percent and ATR stops): the price, and the open time of the
 * candle that made it (the arming moment when it is still the price at arming).
 */
export interface TrailHigh {
  price: string;
  openTime: number;
}

/**
 * Why a trailing stop sits where it does (or would go): what the alerts and /stops say after
 * "moved old → new". `openTime` is always the candle that set the level (the fractal's, the
 * high's), which keys the once-per-level alerts.
 */
export type StopBasis =
  | ({ kind: 'fractal' } & FractalRef)
  /** `percent` % under the high. */
  | { kind: 'percent'; percent: string; high: string; openTime: number }
  /** `multiple` × ATR(14) (`atr`, rounded to 8 decimals for display) under the high. */
  | { kind: 'atr'; multiple: string; atr: string; high: string; openTime: number };

/** Carried by a stop card's intent (OrderIntent.stop): what Confirm arms besides the order. */
export interface StopIntent {
  kind: StopKind;
  /** Trailing stops: the candles followed. */
  interval?: StopInterval;
  /** Percent stops: how far under the high. */
  percent?: string;
  /** ATR stops: how many ATR(14) under the high. */
  atrMultiple?: string;
  /** Percent and ATR stops: the high at arming (the last price). */
  high?: TrailHigh;
  /** Average price of the position if known, else the price at arming (trailing stops always have one). */
  entryPrice?: string;
  entrySource?: 'position' | 'price';
  /** Exchange (candle) time from which a candle counts as after arming (its fractal, its high). */
  armedAt: number;
  quantity: string;
  /** The first stop; absent when a fractal stop waits for its first fractal (no order is placed then). */
  initial?: { stopPrice: string; limitPrice: string; basis?: StopBasis };
}

export type StopStatus =
  /** Confirmed; its order job is in the orders queue (client order id = the intent's). */
  | 'placing'
  /** Its order rests on the exchange. */
  | 'active'
  /** No order: a fractal stop waiting for its first fractal below the price, or unprotected after a failed re-place. */
  | 'waiting'
  /** /stop off under way: its order is being cancelled. */
  | 'removing';

export interface StopMove {
  /** Epoch ms (wall clock) of the move. */
  at: number;
  /** The stop before the move; absent for the first protective stop of a waiting stop. */
  from?: string;
  to: string;
  basis: StopBasis;
  /** Close time of the candle whose close triggered the move. */
  closeTime: number;
}

export interface PendingMove {
  /** `bst-<stop>-<n>` of the order that makes the move. */
  clientOrderId: string;
  stopPrice: string;
  basis: StopBasis;
  closeTime: number;
  /** A stop with a target (ManagedStop.target): the new OCO list's stop limit and take-profit. */
  limitPrice?: string;
  targetPrice?: string;
}

/** Why a stop held at its last evaluation: the rule's reasons, or /pause. */
export type StopHoldNote =
  | 'no-fractal'
  | 'no-fractal-since-arming'
  | 'not-above-entry'
  | 'not-above-stop'
  | 'not-below-price'
  | 'move-too-small'
  /** ATR stops: too few closed candles for ATR(14), or MULT × ATR is more than the high. */
  | 'no-atr'
  | 'paused'
  | 'refused';

export interface ManagedStop {
  id: string;
  kind: StopKind;
  symbol: string;
  interval?: StopInterval;
  /** Percent stops: how far under the high the stop trails. */
  percent?: string;
  /** ATR stops: how many ATR(14) under the high the stop trails. */
  atrMultiple?: string;
  /** Percent and ATR stops: the highest high since arming, kept at every evaluation. */
  high?: TrailHigh;
  /** Who armed it: alerts go to this chat. */
  userId: number;
  chatId: number;
  displayName?: string;
  quantity: string;
  entryPrice?: string;
  entrySource?: 'position' | 'price';
  armedAt: number;
  /** Epoch ms (wall clock). */
  createdAt: number;
  status: StopStatus;
  stopPrice?: string;
  limitPrice?: string;
  orderId?: number;
  clientOrderId?: string;
  /** Exchange orders placed for this stop so far: numbers the next one's client order id. */
  orders: number;
  /** Why the current stop sits where it does (stops stored before bases were tagged are read by stop-basis.ts). */
  basis?: StopBasis;
  lastMove?: StopMove;
  /** Where the last evaluation would have put the stop, and why it did not go there. */
  candidate?: { basis: StopBasis; stopPrice: string; note: StopHoldNote };
  /** Close time of the last candle evaluated. */
  lastEvaluatedClose?: number;
  /**
   * The move whose request is (or was last) on its way, saved before it leaves: a worker that
   * adopts its order after a crash (stop-settle.ts) learns from it the basis the stop
   * now sits on and where the move was going. Only trusted for the client order id it names.
   */
  moving?: PendingMove;
  /**
   * A take-profit beside the stop on the same quantity: the exchange form is then one OCO list
   * (stop leg `orderId`/`clientOrderId` above, target leg here), moved by cancelling the list and
   * placing a new one (src/trading/stops/stop-list-mover.ts).
   */
  target?: StopTarget;
  /**
   * A plan's stop still pending in its order list with a LIMIT entry (OTO/OTOCO): the entry's
   * client order id. Cancelling or replacing a pending leg cancels the whole list, entry included
   * (rest-api.md "New Order list - OTO"), so the stop is not moved, and its rule starts only once
   * the entry filled and the leg went on the book (stop-entry.ts clears this, sets armedAt, entry and high from the fill).
   */
  awaitsEntry?: string;
  /** Bumped on every save (compare-and-set). */
  version: number;
}

/** The take-profit leg of a stop held as an OCO list, and the list. */
export interface StopTarget {
  price: string;
  orderId?: number;
  orderListId?: number;
  listClientOrderId?: string;
}

/**
 * `/stop SYMBOL PRICE [AMOUNT]`, `/stop SYMBOL fractal [INTERVAL] [AMOUNT]`,
 * `/stop SYMBOL N% [INTERVAL] [AMOUNT]` or `/stop SYMBOL atr[:MULT] [INTERVAL] [AMOUNT]`, parsed.
 */
export type StopRequest =
  | { kind: 'fixed'; symbol: string; stopPrice: string; amount?: AmountSpec }
  | { kind: 'fractal'; symbol: string; interval: StopInterval; amount?: AmountSpec }
  | { kind: 'percent'; symbol: string; percent: string; interval: StopInterval; amount?: AmountSpec }
  | { kind: 'atr'; symbol: string; multiple: string; interval: StopInterval; amount?: AmountSpec };

/** What Confirm does for a stop card (src/trading/order-confirm.ts calls it before enqueueing). */
export interface ArmOutcome {
  /** False when there is no order to place (a fractal stop waiting for its first fractal). */
  placesOrder: boolean;
  /** The card's new text when no order is placed. */
  text?: string;
  /** The toast for the Confirm tap. */
  answer?: string;
}

export interface StopArming {
  /** Stores the managed stop of a confirmed stop card (idempotent: a replayed Confirm arms nothing new). */
  armConfirmed(intent: OrderIntent): Promise<ArmOutcome>;
  /**
   * A managed stop's order cancelled through the bot (/cancel, the /orders buttons): the stop is
   * removed as by /stop SYMBOL off, so the stop manager neither fights the cancel nor reports it
   * as done "outside the bot". Undefined when no managed stop holds the order. HTML reply.
   */
  removeStopOfOrder(ref: { symbol: string; orderId: number }, requester: Requester): Promise<string | undefined>;
  /** A plan's entry cancelled through the bot takes the stop waiting in its list along (stop-entry-cancel.ts). */
  entryCancel?: StopEntryCancel;
  /** Exchange order ids of the managed stops on a symbol: what locks a position, told when a sell finds it locked. */
  stopOrderIds(symbol: string): Promise<number[]>;
}

/** The last evaluation, for /status. */
export interface StopEvaluationNote {
  at: number;
  summary: string;
}

/** What the bot needs for /stop, /stops, /fractals and /status. */
export interface StopDesk {
  /** Prices the stop and stores the intent; the card's buttons are the usual Confirm / Cancel. */
  prepareStop(request: StopRequest, requester: Requester): Promise<PreparedCard>;
  /** /stop SYMBOL off: cancels the managed stops' orders on the symbol and forgets them. HTML reply. */
  removeStops(symbol: string, requester: Requester): Promise<string>;
  /** Every managed stop, placing ones resolved against the order records. */
  listStops(): Promise<ManagedStop[]>;
  /** The stop drawn on /fractals: the highest stop price on the symbol. */
  activeStop(symbol: string): Promise<{ stopPrice: string; entryPrice: string } | undefined>;
  lastStopEvaluation(): Promise<StopEvaluationNote | undefined>;
}

/** One (symbol, interval) evaluated at one candle close. */
export interface PairEvaluation {
  symbol: string;
  interval: StopInterval;
  /** Close time of the candle evaluated; undefined when nothing was evaluated. */
  closeTime?: number;
  stops: number;
  moved: number;
  held: number;
  /** Moves the exchange rules or the exchange refused (the stop stayed). */
  refused: number;
  /** Stops whose evaluation failed (logged; retried with the job). */
  failed: number;
  /** Why nothing was evaluated (no stops, candle not published yet, …). */
  skipped?: string;
}

export interface EvaluationRound {
  pairs: number;
  stops: number;
  moved: number;
  durationMs: number;
  evaluations: PairEvaluation[];
}

/** `bst-<stop id>-<n>`: the n-th order of a stop. Deterministic, so a retried move reconciles. */
export function stopOrderClientId(stopId: string, n: number): string {
  return `bst-${stopId}-${n}`;
}

/** Where the stop mover (stop-mover.ts) moves a stop, and what came of it. */
export interface MoveTarget {
  stopPrice: string;
  basis: StopBasis;
  /** Close time of the candle whose close decided the move. */
  closeTime: number;
}

export type MoveOutcome =
  | { kind: 'moved'; stop: ManagedStop }
  /** Nothing changed on the exchange: the filters or the exchange refused the new stop. */
  | { kind: 'refused'; stop: ManagedStop; reason: string }
  /** 409: the old stop was cancelled, the new one refused, the old one placed again. */
  | { kind: 're-placed'; stop: ManagedStop; reason: string }
  /** 409 and the re-place was refused too: no stop on the exchange now. */
  | { kind: 'unprotected'; stop: ManagedStop; reason: string }
  /** The stop's order is no longer open (filled, or cancelled outside the bot): the stop is forgotten. */
  | { kind: 'gone'; stop: ManagedStop; status: string }
  /** The exchange did not answer and could not be asked in time: the next close tries again. */
  | { kind: 'unknown'; stop: ManagedStop };
