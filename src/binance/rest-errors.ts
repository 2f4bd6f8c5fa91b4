/**
 * Turns a failed REST exchange into an ExchangeError with a stable code and a `kind` that says
 * how to handle it (src/errors.ts; rest-api.md "HTTP Return Codes", errors.md, BINANCE.md
 * "Unknown outcome"). Pure functions: the transport decides what to do with the result.
 *
 * The rule that matters most: a request that changes state (POST/PUT/DELETE) and got no
 * definite answer is `unknown-outcome`, never `transient`, because resending an order blindly
 * can buy twice. A read has no such risk and is `transient`.
 */
import { ExchangeError, type ErrorCode, type ExchangeErrorKind } from '../errors.js';

export const isWrite = (method: string): boolean => method !== 'GET' && method !== 'HEAD';

/** -1013 "Filter failure: NAME" → our filter code (filters.md names). */
const FILTER_CODES: Record<string, ErrorCode> = {
  PRICE_FILTER: 'ORDER_FILTER_PRICE',
  LOT_SIZE: 'ORDER_FILTER_LOT_SIZE',
  MARKET_LOT_SIZE: 'ORDER_FILTER_MARKET_LOT_SIZE',
  NOTIONAL: 'ORDER_FILTER_NOTIONAL',
  MIN_NOTIONAL: 'ORDER_FILTER_NOTIONAL',
  PERCENT_PRICE: 'ORDER_FILTER_PERCENT_PRICE',
  PERCENT_PRICE_BY_SIDE: 'ORDER_FILTER_PERCENT_PRICE',
  MAX_NUM_ORDERS: 'ORDER_FILTER_MAX_NUM_ORDERS',
  MAX_NUM_ALGO_ORDERS: 'ORDER_FILTER_MAX_NUM_ORDERS',
  MAX_NUM_ORDER_LISTS: 'ORDER_FILTER_MAX_NUM_ORDERS',
  MAX_NUM_ORDER_AMENDS: 'ORDER_FILTER_MAX_NUM_ORDERS',
  EXCHANGE_MAX_NUM_ORDERS: 'ORDER_FILTER_MAX_NUM_ORDERS',
  EXCHANGE_MAX_NUM_ALGO_ORDERS: 'ORDER_FILTER_MAX_NUM_ORDERS',
  EXCHANGE_MAX_NUM_ORDER_LISTS: 'ORDER_FILTER_MAX_NUM_ORDERS',
  MAX_NUM_ICEBERG_ORDERS: 'ORDER_FILTER_ICEBERG',
  EXCHANGE_MAX_NUM_ICEBERG_ORDERS: 'ORDER_FILTER_ICEBERG',
  ICEBERG_PARTS: 'ORDER_FILTER_ICEBERG',
  TRAILING_DELTA: 'ORDER_FILTER_TRAILING_DELTA',
  MAX_POSITION: 'ORDER_FILTER_MAX_POSITION',
};

/** -2010 "NEW_ORDER_REJECTED" carries the reason in its message (errors.md "Messages for -1010, -2010, -2011"). */
const ORDER_REJECTED_CODES: Record<string, ErrorCode> = {
  'Account has insufficient balance for requested action.': 'EXCHANGE_INSUFFICIENT_BALANCE',
  'Order would trigger immediately.': 'EXCHANGE_WOULD_TRIGGER',
  'Duplicate order sent.': 'EXCHANGE_DUPLICATE_ORDER',
};

/** Our code for a Binance error code and message (4xx answers). */
export function errorCodeFor(binanceCode: number, message: string): ErrorCode {
  switch (binanceCode) {
    case -1021:
      return 'EXCHANGE_CLOCK_SKEW';
    case -1022:
      return 'EXCHANGE_BAD_SIGNATURE';
    case -1002:
    case -2014:
    case -2015:
      return 'EXCHANGE_PERMISSION';
    case -1121:
      return 'EXCHANGE_UNKNOWN_SYMBOL';
    case -2013:
      return 'EXCHANGE_ORDER_NOT_FOUND';
    case -2011:
      // The cancel of an order that is already gone (filled, cancelled, expired).
      return message === 'Unknown order sent.' ? 'EXCHANGE_ORDER_NOT_FOUND' : 'EXCHANGE_REJECTED';
    case -1013: {
      const filter = /^Filter failure: ([A-Z_]+)/.exec(message)?.[1];
      return (filter !== undefined ? FILTER_CODES[filter] : undefined) ?? 'EXCHANGE_REJECTED';
    }
    case -2010:
      return ORDER_REJECTED_CODES[message] ?? 'EXCHANGE_REJECTED';
    case -1003:
    case -1015:
      return 'EXCHANGE_RATE_LIMITED';
    default:
      return 'EXCHANGE_REJECTED';
  }
}

export interface FailedResponse {
  method: string;
  path: string;
  status: number;
  /** The parsed body, or undefined when it was not JSON (a WAF or proxy page). */
  body: unknown;
  /** From the `Retry-After` header, already converted to ms. */
  retryAfterMs?: number;
}

interface BinanceErrorBody {
  code: number;
  msg: string;
  data?: unknown;
}

function binanceErrorOf(body: unknown): BinanceErrorBody | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const { code, msg, data } = body as Record<string, unknown>;
  if (typeof code !== 'number') return undefined;
  return { code, msg: typeof msg === 'string' ? msg : '', data };
}

/** The ExchangeError for a non-2xx HTTP answer. */
export function errorFromResponse(failed: FailedResponse): ExchangeError {
  const { method, path, status, retryAfterMs } = failed;
  const binance = binanceErrorOf(failed.body);
  const base = { method, path, httpStatus: status, binanceCode: binance?.code, binanceMessage: binance?.msg };

  if (status === 418) return new ExchangeError('EXCHANGE_IP_BANNED', { ...base, kind: 'rate-limited', retryAfterMs });
  if (status === 429) return new ExchangeError('EXCHANGE_RATE_LIMITED', { ...base, kind: 'rate-limited', retryAfterMs });

  // -1006/-1007: the message bus lost track of the request; "execution status unknown". A 408
  // from a proxy in between says as little about the order as a 5xx.
  const statusUnknown = status >= 500 || status === 408 || binance?.code === -1006 || binance?.code === -1007;
  if (statusUnknown) {
    if (isWrite(method)) return new ExchangeError('EXCHANGE_UNKNOWN_OUTCOME', { ...base, kind: 'unknown-outcome' });
    return new ExchangeError('EXCHANGE_UNAVAILABLE', { ...base, kind: 'transient' });
  }

  if (binance === undefined) {
    // A 4xx without a Binance body: the WAF (403) or a proxy refused it before the engine saw it.
    return new ExchangeError('EXCHANGE_REJECTED', { ...base, kind: 'rejected' });
  }

  const error = new ExchangeError(rejectionCode(path, binance), { ...base, kind: 'rejected' });
  if (path === '/api/v3/order/cancelReplace' && typeof binance.data === 'object' && binance.data !== null) {
    // 400: nothing done; 409: one step done and the other not. The stop manager reads which.
    error.details.cancelReplace = binance.data;
  }
  return error;
}

/**
 * For cancel-replace (-2021 partial / -2022 total failure) the useful reason is the failing
 * step's own error: "Order would trigger immediately." for the new stop, say.
 */
function rejectionCode(path: string, binance: BinanceErrorBody): ErrorCode {
  if (path === '/api/v3/order/cancelReplace' && typeof binance.data === 'object' && binance.data !== null) {
    const data = binance.data as Record<string, unknown>;
    const failed = data.newOrderResult === 'FAILURE' ? data.newOrderResponse : data.cancelResult === 'FAILURE' ? data.cancelResponse : undefined;
    const inner = binanceErrorOf(failed);
    if (inner !== undefined) return errorCodeFor(inner.code, inner.msg);
  }
  return errorCodeFor(binance.code, binance.msg);
}

/** Error codes of a connection that never carried the request (BINANCE.md: safe to retry). */
const NEVER_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL']);

export interface NetworkFailure {
  method: string;
  path: string;
  /** axios / Node error code: ECONNREFUSED, ETIMEDOUT, ECONNRESET, … */
  code: string | undefined;
  message: string;
  timedOut: boolean;
  /** Whether the connection was up when the request was written (it may have reached Binance). */
  sent: boolean;
}

/**
 * The ExchangeError for a request that got no HTTP answer. The cause is a plain Error with the
 * code and message only: HTTP client errors can carry the request (URL with the signature,
 * headers with the API key), which must never reach a log.
 */
export function errorFromNetwork(failure: NetworkFailure): ExchangeError {
  const { method, path, code, timedOut } = failure;
  const sent = failure.sent && !(code !== undefined && NEVER_SENT.has(code));
  const kind: ExchangeErrorKind = sent && isWrite(method) ? 'unknown-outcome' : 'transient';
  const what = timedOut ? 'timed out' : `failed (${code ?? 'network error'})`;
  return new ExchangeError(kind === 'unknown-outcome' ? 'EXCHANGE_UNKNOWN_OUTCOME' : 'EXCHANGE_UNAVAILABLE', {
    kind,
    method,
    path,
    binanceMessage: undefined,
    cause: new Error(`${method} ${path} ${what}${sent ? ' after the request was sent' : ' before the request was sent'}: ${failure.message}`),
  });
}

/** `Retry-After` is seconds (rest-api.md "IP Limits"); an HTTP date is tolerated. */
export function parseRetryAfter(header: unknown, now: number): number | undefined {
  if (typeof header !== 'string' || header.trim() === '') return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
