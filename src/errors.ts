/**
 * Typed errors with stable codes.
 *
 * Every failure a user or an operator can see has a code here. Tests assert on codes, the log
 * gets the code plus details, and the user gets the plain sentence (possibly refined by the
 * thrower with `userMessage`). Add a code here rather than throwing a bare Error across a
 * module boundary.
 */

export const ERROR_CODES = {
  // configuration and process
  CONFIG_INVALID: 'The service is misconfigured.',
  REDIS_UNAVAILABLE: 'The bot cannot reach its database right now. Try again in a minute.',
  REDIS_NOT_INSTALLED: 'redis-server is not installed.',
  ROLE_UNKNOWN: 'Unknown role.',
  HTTP_BODY_TOO_LARGE: 'The request body is larger than this server accepts.',

  // exchange transport (classification of a REST failure, see ExchangeError.kind)
  EXCHANGE_REJECTED: 'The exchange refused the request.',
  EXCHANGE_RATE_LIMITED: 'The exchange asked us to slow down. The request will go out when the limit resets.',
  EXCHANGE_IP_BANNED: 'The exchange has temporarily banned this server for sending too many requests.',
  EXCHANGE_SIGN_DEADLINE: 'The order was held up on its way out and was not sent.',
  EXCHANGE_BUSY: "The exchange's request budget for this minute is kept for orders and stops. Try again in a minute.",
  EXCHANGE_UNKNOWN_OUTCOME: 'The exchange did not confirm the result in time. Checking whether the order went through.',
  EXCHANGE_UNAVAILABLE: 'The exchange cannot be reached right now. Try again in a minute.',
  EXCHANGE_CLOCK_SKEW: "The server clock is out of sync with the exchange's.",
  EXCHANGE_BAD_SIGNATURE: 'The exchange rejected the API signature. Check the API key and secret.',
  EXCHANGE_PERMISSION: 'The API key is not allowed to do this (key, IP or permission).',
  EXCHANGE_INSUFFICIENT_BALANCE: 'The account does not have enough free balance for this order.',
  EXCHANGE_UNKNOWN_SYMBOL: 'The exchange does not list this symbol.',
  EXCHANGE_ORDER_NOT_FOUND: 'The exchange has no such order.',
  EXCHANGE_WOULD_TRIGGER: 'The stop price is on the wrong side of the market: the order would trigger immediately.',
  EXCHANGE_DUPLICATE_ORDER: 'The exchange already has an open order with this id.',
  EXCHANGE_BAD_RESPONSE: 'The exchange sent a response we could not understand.',

  // order validation (filters, see BINANCE.md "Filters")
  ORDER_INVALID_INPUT: 'The order is not valid.',
  ORDER_SYMBOL_NOT_TRADING: 'This symbol is not trading right now.',
  ORDER_TYPE_NOT_ALLOWED: 'This order type is not allowed on this symbol.',
  ORDER_QUOTE_QTY_NOT_ALLOWED: 'This symbol does not accept market orders sized in the quote currency.',
  ORDER_FILTER_PRICE: 'The price is outside the allowed range or off the price grid.',
  ORDER_FILTER_LOT_SIZE: 'The quantity is outside the allowed range.',
  ORDER_FILTER_MARKET_LOT_SIZE: 'The quantity is outside the allowed range for market orders.',
  ORDER_FILTER_NOTIONAL: 'The order value is outside the allowed range.',
  ORDER_FILTER_PERCENT_PRICE: 'The price is too far from the current market price.',
  ORDER_FILTER_MAX_NUM_ORDERS: 'Too many open orders on this symbol.',
  ORDER_FILTER_ICEBERG: 'The iceberg order breaks the exchange rules.',
  ORDER_FILTER_TRAILING_DELTA: 'The trailing delta is outside the allowed range.',
  ORDER_FILTER_MAX_POSITION: 'The order would exceed the maximum position for this symbol.',
  ORDER_OVER_MAX_VALUE: 'The order is larger than the configured maximum order value.',
  ORDER_NO_VALUATION: 'The order cannot be valued in the valuation currency, so the order limit cannot be checked.',
  ORDER_QUEUED_TOO_LONG: 'The order waited in the queue too long and was not sent.',
  ORDER_INSUFFICIENT_BALANCE: 'Not enough free balance for this order.',
  ORDER_LOCK_LOST: 'Another order worker has taken over this order.',

  // orders with a plan (DESIGN.md §5b)
  BRACKET_STOP_NOT_BELOW: 'The stop must be below the entry price.',
  BRACKET_TARGET_NOT_ABOVE: 'The target must be above the entry price.',
  BRACKET_NO_STOP_FOUND: 'No stop level could be found for this stop.',
  BRACKET_RISK_TOO_SMALL: 'The risk is too small for the smallest quantity this symbol allows.',
  BRACKET_EXIT_REFUSED: 'The exit orders of this plan would be refused by the exchange.',
  TAKE_PROFIT_REFUSED: 'The take-profit was not set.',
  TAKE_PROFIT_NO_POSITION: 'There is no position to take profit on.',

  // managed stops (DESIGN.md §5)
  STOP_NO_LEVEL: 'No level could be found for this trailing stop.',

  // confirmation cards and intents
  CONFIRM_EXPIRED: 'This confirmation has expired. Send the command again.',
  CONFIRM_FOREIGN: 'This button belongs to someone else.',
  CONFIRM_ALREADY_USED: 'This order was already confirmed.',
  CONFIRM_CANCELLED: 'This order was cancelled.',

  // bot
  BOT_NOT_ALLOWED: 'This bot is private.',
  BOT_BAD_ARGUMENTS: 'The command arguments are not valid.',
  BOT_PAUSED: 'Automation is paused. Use /resume to continue.',
  BOT_PRIVATE_CHAT_ONLY: 'Balances, orders and order cards are shown only in a private chat with this bot, so send the command there.',
  BOT_SLOW_DOWN: 'You are going too fast. Try again in a few seconds.',
  INTERNAL: 'Something went wrong on our side. The details were logged.',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface AppErrorOptions {
  /** A sentence for the trader, replacing the default one of the code. Never include secrets. */
  userMessage?: string;
  /** Structured details for the log (never shown to the user). */
  details?: Record<string, unknown>;
  cause?: unknown;
}

export class AppError extends Error {
  override name = 'AppError';
  readonly code: ErrorCode;
  readonly userMessage: string;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message?: string, options: AppErrorOptions = {}) {
    super(message ?? ERROR_CODES[code], options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.userMessage = options.userMessage ?? ERROR_CODES[code];
    this.details = options.details ?? {};
  }
}

/**
 * How a failed exchange request must be handled (BINANCE.md "Unknown outcome", DESIGN.md §4):
 * - `rejected`: final; the exchange looked at the request and said no. Do not retry.
 * - `rate-limited`: 429/418; wait `retryAfterMs` (the shared gate already holds every request).
 * - `unknown-outcome`: the request may have been executed (5xx, -1006, -1007, time-out after
 *   sending). Never resend an order blindly: reconcile by client order id.
 * - `transient`: the request certainly did not execute (connection refused, DNS): safe to retry.
 */
export type ExchangeErrorKind = 'rejected' | 'rate-limited' | 'unknown-outcome' | 'transient';

export interface ExchangeErrorInit {
  kind: ExchangeErrorKind;
  method: string;
  path: string;
  httpStatus?: number;
  binanceCode?: number;
  binanceMessage?: string;
  retryAfterMs?: number;
  userMessage?: string;
  cause?: unknown;
}

export class ExchangeError extends AppError {
  override name = 'ExchangeError';
  readonly kind: ExchangeErrorKind;
  readonly method: string;
  readonly path: string;
  readonly httpStatus: number | undefined;
  readonly binanceCode: number | undefined;
  readonly binanceMessage: string | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(code: ErrorCode, init: ExchangeErrorInit) {
    const summary = [
      `${init.method} ${init.path}`,
      init.httpStatus !== undefined ? `HTTP ${init.httpStatus}` : undefined,
      init.binanceCode !== undefined ? `code ${init.binanceCode}` : undefined,
      init.binanceMessage,
    ]
      .filter(Boolean)
      .join(': ');
    super(code, `${ERROR_CODES[code]} (${summary})`, {
      userMessage: init.userMessage,
      cause: init.cause,
      details: {
        kind: init.kind,
        method: init.method,
        path: init.path,
        httpStatus: init.httpStatus,
        binanceCode: init.binanceCode,
        binanceMessage: init.binanceMessage,
        retryAfterMs: init.retryAfterMs,
      },
    });
    this.kind = init.kind;
    this.method = init.method;
    this.path = init.path;
    this.httpStatus = init.httpStatus;
    this.binanceCode = init.binanceCode;
    this.binanceMessage = init.binanceMessage;
    this.retryAfterMs = init.retryAfterMs;
  }
}

export const isAppError = (e: unknown): e is AppError => e instanceof AppError;
export const isExchangeError = (e: unknown): e is ExchangeError => e instanceof ExchangeError;

/**
 * ioredis gives up on a command in these ways while the server is down or unreachable: retries
 * exhausted (MaxRetriesPerRequestError), the connection closed under it, the producer's
 * commandTimeout, or a socket error surfacing from the offline queue. Recognised by name and
 * message because ioredis exports no classes for them; a ReplyError (Redis answered) is not one.
 */
const REDIS_OUTAGE_MESSAGES = [/^Connection is closed\.?$/u, /^Command timed out$/u, /Stream isn't writeable/u, /^Reached the max retries per request limit/u];
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTCONN']);

export function isRedisOutage(error: unknown): boolean {
  if (!(error instanceof Error) || error instanceof AppError) return false;
  if (error.name === 'MaxRetriesPerRequestError') return true;
  if (REDIS_OUTAGE_MESSAGES.some((pattern) => pattern.test(error.message))) return true;
  const code = (error as { code?: unknown }).code;
  // Exchange and Telegram socket failures arrive wrapped (ExchangeError, grammY's HttpError), so
  // a bare socket error at a command's edge is the database's.
  return typeof code === 'string' && SOCKET_CODES.has(code);
}

/**
 * Any thrown value as an AppError, for the edges that talk to a trader: a Redis outage reaching
 * a command unwrapped becomes REDIS_UNAVAILABLE ("try again in a minute") rather than INTERNAL.
 */
export function asAppError(error: unknown): AppError {
  if (isAppError(error)) return error;
  if (isRedisOutage(error)) return new AppError('REDIS_UNAVAILABLE', 'redis unavailable', { cause: error });
  return new AppError('INTERNAL', error instanceof Error ? error.message : String(error), { cause: error });
}

/** The sentence a trader sees for any thrown value: never a stack trace or an internal message. */
export function userMessageOf(error: unknown): string {
  return asAppError(error).userMessage;
}
