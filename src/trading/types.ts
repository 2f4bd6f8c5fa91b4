/**
 * The contract between the bot (which parses what a trader typed and shows cards) and the
 * trading layer (which prices, validates, confirms and places orders). DESIGN.md §2 and §4.
 *
 * The bot never talks to the orders queue or builds exchange parameters itself: it hands a
 * parsed request to `TradingService` and shows what comes back.
 */
import type { TradingMode } from '../config.js';
import type { OrderTerms, Side } from '../binance/types.js';
import type { StopIntent } from './stops/stop-types.js';
import type { BracketPlan, BracketRequest } from './brackets/bracket-types.js';

/** How much to buy or sell, as the trader said it. */
export type AmountSpec =
  /** A base quantity: `/buy BTCUSDT 0.01`. */
  | { kind: 'base'; quantity: string }
  /** A quote amount: `/buy BTCUSDT 100USDT` or `$100` (asset defaults to the symbol's quote). */
  | { kind: 'quote'; quoteQty: string; asset?: string }
  /** `/sell BTCUSDT all`: the whole free base balance. */
  | { kind: 'all' }
  /** `/sell BTCUSDT 50%`: a share of the free base balance. */
  | { kind: 'percent'; percent: string };

/** A parsed /buy or /sell. With `price` a LIMIT GTC order, otherwise MARKET. */
export interface OrderRequest {
  symbol: string;
  side: Side;
  amount: AmountSpec;
  price?: string;
}

/** Who is asking: the intent is bound to this user and the card lives in this chat. */
export interface Requester {
  userId: number;
  chatId: number;
  /** For the audit trail (Telegram username or first name). */
  displayName?: string;
}

/**
 * What the confirmation card shows: priced, filter-checked, rounded. Its order terms are exactly
 * what will be sent (already on the step/tick grid, formatted with allowed decimals).
 */
export interface OrderPreview extends OrderTerms {
  mode: TradingMode;
  symbol: string;
  baseAsset: string;
  quoteAsset: string;
  /** Last price when the card was built. */
  lastPrice: string;
  /** Estimated value in quote currency, and the estimated commission. */
  estimatedNotional: string;
  estimatedFee: string;
  feeAsset: string;
  /** What stays free after the order, in the asset it is spent from. */
  remainingFree: { asset: string; amount: string };
  /** Plain sentences about rounding done to fit the filters. */
  adjustments: string[];
  /** Display precision: decimals of the tick and of the step. */
  priceDecimals: number;
  quantityDecimals: number;
  /** A quoteOrderQty BUY: the base quantity it is expected to get (the exchange floors it to the step). */
  estimatedQuantity?: string;
  /** A LIMIT on the far side of the last price: it will fill at once, at the market, not rest. */
  fillsAtOnce?: boolean;
  /** A /buy with sl= and/or tp=: the exits placed with the entry (src/trading/brackets/). */
  bracket?: BracketPlan;
}

/** A pending or confirmed intent, stored in Redis under its id (TTL CONFIRM_TTL_S while pending). */
export interface OrderIntent {
  id: string;
  kind: 'place-order';
  userId: number;
  chatId: number;
  displayName?: string;
  createdAt: number;
  expiresAt: number;
  /** `[A-Za-z0-9_-]{1,36}`, derived from the id: what makes the placement reconcilable. */
  clientOrderId: string;
  preview: OrderPreview;
  /** The card's Telegram message, once the bot has sent it, so the worker can edit it. */
  cardMessageId?: number;
  /** A /stop card: what Confirm arms as a managed stop besides the order (src/trading/stops/stop-types.ts). */
  stop?: StopIntent;
  /** A /tp card on a managed stop: its job turns the stop into one OCO list with this target (src/trading/brackets/take-profit-job.ts). */
  takeProfit?: { stopId: string; price: string };
}

export type IntentState = 'pending' | 'confirmed' | 'dismissed';

/** What the bot shows for a prepared order. */
export interface PreparedCard {
  intentId: string;
  /** HTML, escaped, under 4096 characters. */
  text: string;
  /** Callback data for the two buttons (short: ≤ 64 bytes). */
  confirmData: string;
  cancelData: string;
  expiresAt: number;
}

export interface ConfirmOutcome {
  /**
   * `queued-paused`: confirmed while /pause is on; it leaves when /resume is given.
   * `armed`: a fractal stop with no fractal yet: armed, nothing queued.
   */
  status: 'queued' | 'queued-paused' | 'armed';
  /** The card's new HTML text. */
  text: string;
  /** The Confirm toast, when the outcome has its own words. */
  answer?: string;
}

export interface QueueDepths {
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
  completed: number;
  paused: boolean;
}

export interface TradingService {
  /**
   * Parse → price → filter-check → store the intent → card. Throws AppError with a plain
   * userMessage for anything that gets no card (filters, balance, MAX_ORDER_VALUE, unknown symbol).
   */
  prepareOrder(request: OrderRequest, requester: Requester): Promise<PreparedCard>;
  /** The same for a /buy with a plan (sl=, tp=, risk=): the entry and its exits on one card (DESIGN.md §5b). */
  prepareBracket(request: BracketRequest, requester: Requester): Promise<PreparedCard>;
  /**
   * [Retry protection] under a card whose plan's exits were refused after the entry filled: queues
   * the exits again (attempt n, once per attempt). Returns the toast. Throws CONFIRM_* errors.
   */
  retryProtection(intentId: string, attempt: number, requester: Requester): Promise<string>;
  /** [Sell now] there: a MARKET sell of what the entry bought, confirmed by the tap; returns its card (queued). */
  sellUnprotected(intentId: string, attempt: number, requester: Requester): Promise<PreparedCard>;
  /** Records the card's message id so the worker can edit it in place. */
  attachCard(intentId: string, messageId: number): Promise<void>;
  /**
   * Confirm pressed. Atomic: at most one job per intent, whatever the number of taps, replays or
   * racing bot instances. Throws AppError CONFIRM_EXPIRED / CONFIRM_FOREIGN / CONFIRM_ALREADY_USED /
   * CONFIRM_CANCELLED with the reason as userMessage.
   */
  confirm(intentId: string, userId: number): Promise<ConfirmOutcome>;
  /** Cancel pressed on a card: the intent is dismissed; returns the card's new text. Same errors. */
  dismiss(intentId: string, userId: number): Promise<string>;
  /** Cancels one open order at once (single-order /cancel and the Cancel button under /orders). */
  cancelOrder(ref: { symbol: string; orderId: number }, requester: Requester): Promise<string>;
  /** Stops automation: no new order leaves the queue and no stop moves until resume. */
  pause(requester: Requester): Promise<void>;
  resume(requester: Requester): Promise<void>;
  isPaused(): Promise<boolean>;
  queueDepths(): Promise<{ orders: QueueDepths; alerts: QueueDepths }>;
}

/**
 * A message the worker side wants shown in Telegram: a new message (push alert, phone notifies)
 * or an edit of an existing card. Delivered by the alerts queue and worker (src/alerts).
 */
export interface AlertJob {
  /** Idempotency key, used as the BullMQ jobId: the same key is delivered at most once. */
  key: string;
  chatId: number;
  /** Edit this message instead of sending a new one. */
  editMessageId?: number;
  /** HTML. */
  text: string;
  /** Inline keyboard rows: [text, callback data]. Omit to remove buttons on edit. */
  buttons?: Array<Array<{ text: string; data: string }>>;
  /** Which user preference governs it (fills, stop moves, order errors, system); `price`: a price alert the user set (/alert). */
  category: 'order' | 'fill' | 'stop' | 'error' | 'system' | 'price';
  /** For per-user alert settings. */
  userId?: number;
  /**
   * Edits only: the card state's rank (higher is later). An edit whose revision is lower than
   * one already applied to the same message is dropped, so a retried "placed" cannot overwrite
   * "filled". Omit for edits that carry no order.
   */
  revision?: number;
  /** A Redis key: when it exists at delivery time the alert is obsolete and dropped (a card's expiry edit). */
  unlessKeyExists?: string;
  /**
   * A confirmation card pushed by the worker side (a /signal's card): once sent, its message id
   * is attached to this intent (TradingService.attachCard), as the bot does for a card it replies with.
   */
  cardIntentId?: string;
}

export interface AlertSink {
  /** `delayMs`: deliver no sooner than this (a card's expiry edit at its deadline). */
  enqueue(alert: AlertJob, options?: { delayMs?: number }): Promise<void>;
  /** Drops a queued alert that is no longer due (a decided card's expiry edit); one already running stays. */
  withdraw?(key: string): Promise<void>;
}
