/**
 * Edge validation of GET /api/v3/exchangeInfo (rest-api.md "Exchange information", filters.md).
 *
 * Three vintages are understood, because captures of all three exist and replay must read them:
 * - the full response (`{ timezone, serverTime, rateLimits, exchangeFilters, symbols }`) with
 *   NOTIONAL and PERCENT_PRICE_BY_SIDE (2023+);
 * - a bare `symbols` array (how test and replay captures are often stored): wrapped with an empty
 *   rate-limit list and `serverTime: 0`;
 * - the legacy response with MIN_NOTIONAL and PERCENT_PRICE (before 2023) and symbols in BREAK.
 *
 * Only the fields we use are checked; anything else on a symbol is kept as sent (the simulator
 * serves exchangeInfo back to clients). A filter type we do not know is kept in `filters` but
 * never interpreted: Binance adds filter types from time to time (MAX_NUM_ORDER_AMENDS, …) and an
 * unknown one must not take the whole symbol list down. Consumers switch on `filterType` and must
 * ignore types they do not know.
 *
 * A symbol that fails validation is skipped and reported through `onSkippedSymbol` rather than
 * failing the whole list: one malformed listing must not stop trading on the others. A response
 * whose outer shape is wrong, or in which every symbol is malformed, throws EXCHANGE_BAD_RESPONSE.
 */
import { z } from 'zod';
import { isDecimal } from '../decimal.js';
import { AppError } from '../errors.js';
import type { SymbolFilter } from './symbol-filter-types.js';
import type { ExchangeInfo, OrderType, RateLimit, SymbolInfo, SymbolStatus } from './types.js';

const decimal = z.string().refine((v) => isDecimal(v), { message: 'not a plain non-negative decimal string' });
const count = z.number().int().nonnegative();

const KNOWN_FILTERS = {
  PRICE_FILTER: z.object({ filterType: z.literal('PRICE_FILTER'), minPrice: decimal, maxPrice: decimal, tickSize: decimal }),
  LOT_SIZE: z.object({ filterType: z.literal('LOT_SIZE'), minQty: decimal, maxQty: decimal, stepSize: decimal }),
  MARKET_LOT_SIZE: z.object({
    filterType: z.literal('MARKET_LOT_SIZE'),
    minQty: decimal,
    maxQty: decimal,
    stepSize: decimal,
  }),
  ICEBERG_PARTS: z.object({ filterType: z.literal('ICEBERG_PARTS'), limit: count }),
  TRAILING_DELTA: z.object({
    filterType: z.literal('TRAILING_DELTA'),
    minTrailingAboveDelta: count,
    maxTrailingAboveDelta: count,
    minTrailingBelowDelta: count,
    maxTrailingBelowDelta: count,
  }),
  PERCENT_PRICE: z.object({
    filterType: z.literal('PERCENT_PRICE'),
    multiplierUp: decimal,
    multiplierDown: decimal,
    avgPriceMins: count,
  }),
  PERCENT_PRICE_BY_SIDE: z.object({
    filterType: z.literal('PERCENT_PRICE_BY_SIDE'),
    bidMultiplierUp: decimal,
    bidMultiplierDown: decimal,
    askMultiplierUp: decimal,
    askMultiplierDown: decimal,
    avgPriceMins: count,
  }),
  NOTIONAL: z.object({
    filterType: z.literal('NOTIONAL'),
    minNotional: decimal,
    applyMinToMarket: z.boolean(),
    maxNotional: decimal,
    applyMaxToMarket: z.boolean(),
    avgPriceMins: count,
  }),
  MIN_NOTIONAL: z.object({
    filterType: z.literal('MIN_NOTIONAL'),
    minNotional: decimal,
    applyToMarket: z.boolean(),
    avgPriceMins: count,
  }),
  MAX_NUM_ORDERS: z.object({ filterType: z.literal('MAX_NUM_ORDERS'), maxNumOrders: count }),
  MAX_NUM_ALGO_ORDERS: z.object({ filterType: z.literal('MAX_NUM_ALGO_ORDERS'), maxNumAlgoOrders: count }),
  MAX_NUM_ICEBERG_ORDERS: z.object({ filterType: z.literal('MAX_NUM_ICEBERG_ORDERS'), maxNumIcebergOrders: count }),
  MAX_POSITION: z.object({ filterType: z.literal('MAX_POSITION'), maxPosition: decimal }),
  MAX_NUM_ORDER_LISTS: z.object({ filterType: z.literal('MAX_NUM_ORDER_LISTS'), maxNumOrderLists: count }),
  MAX_NUM_ORDER_AMENDS: z.object({ filterType: z.literal('MAX_NUM_ORDER_AMENDS'), maxNumOrderAmends: count }),
} satisfies Record<SymbolFilter['filterType'], z.ZodType>;

const filterEnvelope = z.looseObject({ filterType: z.string() });

/** A known filter is validated strictly; an unknown one is passed through untouched (see header). */
const filterSchema = filterEnvelope.transform((raw, ctx): SymbolFilter => {
  const schema = (KNOWN_FILTERS as Record<string, z.ZodType<SymbolFilter> | undefined>)[raw.filterType];
  if (!schema) return raw as unknown as SymbolFilter;
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) ctx.addIssue({ ...issue, code: 'custom', message: `${raw.filterType}: ${issue.message}` });
    return z.NEVER;
  }
  return parsed.data;
});

const ORDER_TYPES: ReadonlySet<string> = new Set<OrderType>([
  'LIMIT',
  'MARKET',
  'STOP_LOSS',
  'STOP_LOSS_LIMIT',
  'TAKE_PROFIT',
  'TAKE_PROFIT_LIMIT',
  'LIMIT_MAKER',
]);

const symbolSchema = z.looseObject({
  // Not only ASCII: rest-api.md signs a request for the symbol "１２３４５６" (full-width digits),
  // and symbols with non-Latin base assets exist. No whitespace, no lower case.
  symbol: z.string().regex(/^[^\s\p{Ll}]{1,50}$/u, 'symbol must be 1-50 characters, no spaces or lower case'),
  // A status we have not heard of is kept as sent: the filter engine refuses anything but TRADING.
  status: z.string().min(1).transform((s) => s as SymbolStatus),
  baseAsset: z.string().min(1),
  baseAssetPrecision: count,
  quoteAsset: z.string().min(1),
  quotePrecision: count,
  quoteAssetPrecision: count,
  // Order types we cannot place (a future type) are dropped: "not allowed" is the safe reading.
  orderTypes: z.array(z.string()).transform((types) => types.filter((t): t is OrderType => ORDER_TYPES.has(t))),
  icebergAllowed: z.boolean(),
  ocoAllowed: z.boolean(),
  quoteOrderQtyMarketAllowed: z.boolean().optional(),
  cancelReplaceAllowed: z.boolean().optional(),
  isSpotTradingAllowed: z.boolean(),
  filters: z.array(filterSchema),
  // 2024+ responses send `permissions: []` and the real sets in `permissionSets`.
  permissions: z.array(z.string()).default([]),
  defaultSelfTradePreventionMode: z.string().optional(),
});

const rateLimitSchema = z.object({
  rateLimitType: z.enum(['REQUEST_WEIGHT', 'ORDERS', 'RAW_REQUESTS']),
  interval: z.enum(['SECOND', 'MINUTE', 'HOUR', 'DAY']),
  intervalNum: z.number().int().positive(),
  limit: z.number().int().nonnegative(),
});

const envelopeSchema = z.looseObject({
  timezone: z.string().default('UTC'),
  serverTime: z.number().int().nonnegative().default(0),
  rateLimits: z.array(z.unknown()).default([]),
  exchangeFilters: z.array(z.unknown()).default([]),
  symbols: z.array(z.unknown()),
});

export interface ParseExchangeInfoOptions {
  /** Called for each symbol skipped because its payload is malformed (log it). */
  onSkippedSymbol?: (symbol: string, reason: string) => void;
}

export function parseExchangeInfo(json: unknown, options: ParseExchangeInfoOptions = {}): ExchangeInfo {
  const envelope = envelopeSchema.safeParse(Array.isArray(json) ? { symbols: json } : json);
  if (!envelope.success) throw badResponse(`exchangeInfo: ${summarize(envelope.error)}`);
  const { timezone, serverTime, rateLimits, exchangeFilters, symbols: rawSymbols } = envelope.data;

  const symbols: SymbolInfo[] = [];
  const skipped: string[] = [];
  for (const raw of rawSymbols) {
    const parsed = symbolSchema.safeParse(raw);
    if (parsed.success) {
      symbols.push(parsed.data as SymbolInfo);
      continue;
    }
    const name = nameOf(raw);
    const reason = summarize(parsed.error);
    skipped.push(`${name}: ${reason}`);
    options.onSkippedSymbol?.(name, reason);
  }
  if (rawSymbols.length > 0 && symbols.length === 0) {
    throw badResponse(`exchangeInfo: every symbol is malformed (first: ${skipped[0] ?? '?'})`);
  }

  return {
    timezone,
    serverTime,
    // An unknown rate-limit type is not ours to enforce; the known ones drive the request gate.
    rateLimits: rateLimits.flatMap((r): RateLimit[] => {
      const parsed = rateLimitSchema.safeParse(r);
      return parsed.success ? [parsed.data] : [];
    }),
    exchangeFilters,
    symbols,
  };
}

function nameOf(raw: unknown): string {
  if (raw && typeof raw === 'object' && 'symbol' in raw && typeof raw.symbol === 'string') return raw.symbol;
  return '(unnamed)';
}

function summarize(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
    .join('; ');
}

function badResponse(message: string): AppError {
  return new AppError('EXCHANGE_BAD_RESPONSE', message, { details: { endpoint: '/api/v3/exchangeInfo' } });
}
