/**
 * An error the simulator answers with, exactly as Binance does: an HTTP status and a body
 * `{ "code": -1013, "msg": "Filter failure: LOT_SIZE" }` (errors.md). The messages are
 * Binance's own words; clients match on them.
 */
export class SimError extends Error {
  override readonly name = 'SimError';
  constructor(
    readonly httpStatus: number,
    readonly code: number,
    message: string,
    /** Extra body fields (cancelReplace puts its `data` here). */
    readonly extra?: Record<string, unknown>,
  ) {
    super(message);
  }

  body(): Record<string, unknown> {
    return { code: this.code, msg: this.message, ...this.extra };
  }
}

/** Binance's messages for the codes the simulator produces (binance-spot-api-docs errors.md). */
export const simErrors = {
  unknown: () => new SimError(500, -1000, 'An unknown error occurred while processing the request.'),
  disconnected: () => new SimError(503, -1001, 'Internal error; unable to process your request. Please try again.'),
  unauthorized: () => new SimError(401, -1002, 'You are not authorized to execute this request.'),
  tooManyRequests: (bannedUntil?: number) =>
    new SimError(
      429,
      -1003,
      bannedUntil === undefined
        ? 'Too much request weight used; current limit is 6000 request weight per 1 MINUTE. Please use WebSocket Streams for live updates to avoid polling the API.'
        : `Way too much request weight used; IP banned until ${bannedUntil}. Please use WebSocket Streams for live updates to avoid bans.`,
    ),
  timeout: () =>
    new SimError(503, -1007, 'Timeout waiting for response from backend server. Send status unknown; execution status unknown.'),
  tooManyOrders: () => new SimError(429, -1015, 'Too many new orders; current limit is 50 orders per 10 SECOND.'),
  timestampOutside: () => new SimError(400, -1021, "Timestamp for this request is outside of the recvWindow."),
  timestampAhead: () => new SimError(400, -1021, "Timestamp for this request was 1000ms ahead of the server's time."),
  badSignature: () => new SimError(400, -1022, 'Signature for this request is not valid.'),
  illegalChars: (param: string) => new SimError(400, -1100, `Illegal characters found in parameter '${param}'; legal range is '^([0-9]{1,20})(\\.[0-9]{1,20})?$'.`),
  mandatoryMissing: (param: string) =>
    new SimError(400, -1102, `Mandatory parameter '${param}' was not sent, was empty/null, or malformed.`),
  tooManyDecimals: () => new SimError(400, -1111, 'Parameter \'quantity\' has too much precision.'),
  badInterval: () => new SimError(400, -1120, 'Invalid interval.'),
  invalidSymbol: () => new SimError(400, -1121, 'Invalid symbol.'),
  notRequired: (param: string) => new SimError(400, -1106, `Parameter '${param}' sent when not required.`),
  filterFailure: (filter: string) => new SimError(400, -1013, `Filter failure: ${filter}`),
  orderRejected: (message: string) => new SimError(400, -2010, message),
  cancelRejected: (message = 'Unknown order sent.') => new SimError(400, -2011, message),
  noSuchOrder: () => new SimError(400, -2013, 'Order does not exist.'),
  badApiKey: () => new SimError(401, -2014, 'API-key format invalid.'),
  rejectedMbxKey: () => new SimError(401, -2015, 'Invalid API-key, IP, or permissions for action.'),
} as const;

export const ORDER_REJECT_MESSAGES = {
  insufficientBalance: 'Account has insufficient balance for requested action.',
  wouldTrigger: 'Order would trigger immediately.',
  duplicate: 'Duplicate order sent.',
  marketClosed: 'Market is closed.',
  unsupportedType: 'Unsupported order combination',
  quoteQtyNotAllowed: 'Quote order qty market orders are not support for this symbol.',
  wouldMatchImmediately: 'Order would immediately match and take.',
} as const;
