/**
 * A symbol's filters indexed once (filters.md), so checking an order scans no arrays: the filter
 * engine and the helpers below read a `SymbolRules` kept in a WeakMap keyed by the SymbolInfo
 * object. A new exchangeInfo load brings new SymbolInfo objects, hence fresh rules; the old ones
 * are collected with them.
 *
 * Every numeric rule that is "0" is disabled (filters.md). Values are kept canonical ("0.01", not
 * "0.01000000") so messages read well and the math does not re-parse padding.
 */
import { decimalsOf, gt, isZero, normalize } from '../decimal.js';
import type { SymbolFilter } from './symbol-filter-types.js';
import type { OrderType, SymbolInfo } from './types.js';

type FilterOf<T extends SymbolFilter['filterType']> = Extract<SymbolFilter, { filterType: T }>;

export interface LotLimits {
  /** "0" when no minimum applies. */
  minQty: string;
  /** "0" when no maximum applies. */
  maxQty: string;
  /** "0" when quantities are not on a grid. */
  stepSize: string;
}

/** The enabled parts of a grid filter: a rule whose value is "0" is absent here. */
export interface Grid {
  min?: string;
  max?: string;
  step?: string;
}

export interface NotionalRule {
  filter: 'NOTIONAL' | 'MIN_NOTIONAL';
  min?: string;
  max?: string;
  minToMarket: boolean;
  maxToMarket: boolean;
}

export interface PercentBand {
  filter: 'PERCENT_PRICE' | 'PERCENT_PRICE_BY_SIDE';
  /** [down, up] multipliers per side; a "0" multiplier is undefined (disabled). */
  BUY: [string | undefined, string | undefined];
  SELL: [string | undefined, string | undefined];
}

/** The filter types the engine reads, by the SymbolRules field that holds each (the first of its type, canonical). */
const ENGINE_FILTERS = {
  price: 'PRICE_FILTER',
  lot: 'LOT_SIZE',
  marketLot: 'MARKET_LOT_SIZE',
  notional: 'NOTIONAL',
  minNotional: 'MIN_NOTIONAL',
  percentPrice: 'PERCENT_PRICE',
  percentPriceBySide: 'PERCENT_PRICE_BY_SIDE',
  icebergParts: 'ICEBERG_PARTS',
  maxNumOrders: 'MAX_NUM_ORDERS',
  maxNumAlgoOrders: 'MAX_NUM_ALGO_ORDERS',
  maxPosition: 'MAX_POSITION',
  trailingDelta: 'TRAILING_DELTA',
} as const satisfies Record<string, SymbolFilter['filterType']>;

type EngineFilters = { readonly [K in keyof typeof ENGINE_FILTERS]?: FilterOf<(typeof ENGINE_FILTERS)[K]> };

export interface SymbolRules extends EngineFilters {
  readonly symbol: SymbolInfo;
  readonly orderTypes: ReadonlySet<OrderType>;
  /** The hot path reads these: enabled rules only, so no "is it zero?" per check. */
  readonly priceGrid?: Grid;
  readonly lotGrid?: Grid;
  readonly marketLotGrid?: Grid;
  /** The step a quantity is floored to: LOT_SIZE's, or for MARKET the common step of both grids. */
  readonly limitStep?: string;
  readonly marketStep?: string;
  readonly notionalRules: readonly NotionalRule[];
  readonly percentBands: readonly PercentBand[];
  /** LOT_SIZE alone: every order type but MARKET. */
  readonly limitLot: LotLimits;
  /** LOT_SIZE and MARKET_LOT_SIZE together: the tighter bounds and a step on both grids. */
  readonly marketLimits: LotLimits;
  /** Decimals a price may be sent with: the tick's, or the quote asset precision when the tick is disabled. */
  readonly tickDecimals: number;
  readonly stepDecimals: number;
  readonly marketStepDecimals: number;
  /** -1111 "Precision is over the maximum defined for this asset" (errors.md) beyond these. */
  readonly quantityPrecision: number;
  readonly pricePrecision: number;
}

const cache = new WeakMap<SymbolInfo, SymbolRules>();

export function rulesOf(symbol: SymbolInfo): SymbolRules {
  let rules = cache.get(symbol);
  if (!rules) {
    rules = buildRules(symbol);
    cache.set(symbol, rules);
  }
  return rules;
}

/** Their decimal fields were validated by parseExchangeInfo. */
const ENGINE_FILTER_TYPES: ReadonlySet<string> = new Set<SymbolFilter['filterType']>(Object.values(ENGINE_FILTERS));

function buildRules(symbol: SymbolInfo): SymbolRules {
  const found: Partial<{ [K in SymbolFilter['filterType']]: FilterOf<K> }> = {};
  for (const filter of symbol.filters) {
    // The first of a type wins; unknown types (kept as sent by parseExchangeInfo) are ignored.
    if (!ENGINE_FILTER_TYPES.has(filter.filterType)) continue;
    (found as Record<string, SymbolFilter>)[filter.filterType] ??= canonical(filter);
  }
  const lot = found.LOT_SIZE;
  const marketLot = found.MARKET_LOT_SIZE;
  const limitLot: LotLimits = lot
    ? { minQty: lot.minQty, maxQty: lot.maxQty, stepSize: lot.stepSize }
    : { minQty: '0', maxQty: '0', stepSize: '0' };
  const marketLimits: LotLimits = marketLot
    ? {
        minQty: maxOf(limitLot.minQty, marketLot.minQty),
        maxQty: minEnabled(limitLot.maxQty, marketLot.maxQty),
        stepSize: commonStep(limitLot.stepSize, marketLot.stepSize),
      }
    : limitLot;
  const pricePrecision = symbol.quoteAssetPrecision;
  const quantityPrecision = symbol.baseAssetPrecision;
  const gridDecimals = (step: string, fallback: number) => (isZero(step) ? fallback : decimalsOf(step));
  const on = (v: string): string | undefined => (isZero(v) ? undefined : v);
  const grid = (f: { minQty: string; maxQty: string; stepSize: string } | undefined): Grid | undefined =>
    f && { min: on(f.minQty), max: on(f.maxQty), step: on(f.stepSize) };
  const engineFilters: Record<string, SymbolFilter | undefined> = {};
  for (const [field, type] of Object.entries(ENGINE_FILTERS)) engineFilters[field] = found[type];
  const pf = found.PRICE_FILTER;
  const notionalRules: NotionalRule[] = [];
  const n = found.NOTIONAL;
  if (n) {
    notionalRules.push({ filter: 'NOTIONAL', min: on(n.minNotional), max: on(n.maxNotional), minToMarket: n.applyMinToMarket, maxToMarket: n.applyMaxToMarket });
  }
  const mn = found.MIN_NOTIONAL;
  if (mn) notionalRules.push({ filter: 'MIN_NOTIONAL', min: on(mn.minNotional), minToMarket: mn.applyToMarket, maxToMarket: false });
  const percentBands: PercentBand[] = [];
  const pp = found.PERCENT_PRICE;
  if (pp) {
    const band: [string | undefined, string | undefined] = [on(pp.multiplierDown), on(pp.multiplierUp)];
    percentBands.push({ filter: 'PERCENT_PRICE', BUY: band, SELL: band });
  }
  const ps = found.PERCENT_PRICE_BY_SIDE;
  if (ps) {
    percentBands.push({
      filter: 'PERCENT_PRICE_BY_SIDE',
      BUY: [on(ps.bidMultiplierDown), on(ps.bidMultiplierUp)],
      SELL: [on(ps.askMultiplierDown), on(ps.askMultiplierUp)],
    });
  }
  return {
    priceGrid: pf && { min: on(pf.minPrice), max: on(pf.maxPrice), step: on(pf.tickSize) },
    lotGrid: grid(lot),
    marketLotGrid: grid(marketLot),
    limitStep: on(limitLot.stepSize),
    marketStep: on(marketLimits.stepSize),
    notionalRules,
    percentBands,
    symbol,
    orderTypes: new Set(symbol.orderTypes),
    ...(engineFilters as EngineFilters),
    limitLot,
    marketLimits,
    tickDecimals: gridDecimals(found.PRICE_FILTER?.tickSize ?? '0', pricePrecision),
    stepDecimals: gridDecimals(limitLot.stepSize, quantityPrecision),
    marketStepDecimals: gridDecimals(marketLimits.stepSize, quantityPrecision),
    quantityPrecision,
    pricePrecision,
  };
}

/** Every decimal-string field of a filter, canonicalised; numbers and booleans as sent. */
function canonical<F extends SymbolFilter>(filter: F): F {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(filter)) {
    out[key] = typeof value === 'string' && key !== 'filterType' ? normalize(value) : value;
  }
  return out as F;
}

const maxOf = (a: string, b: string): string => (gt(a, b) ? a : b);

/** The smaller of two maxima, where "0" means "no maximum". */
function minEnabled(a: string, b: string): string {
  if (isZero(a)) return b;
  if (isZero(b)) return a;
  return gt(a, b) ? b : a;
}

/**
 * The least common multiple of two steps ("0" = no grid): a quantity floored to it lies on both
 * grids. Binance's MARKET_LOT_SIZE step is "0" or equal to LOT_SIZE's in every capture we hold;
 * this keeps the result right if that ever changes.
 */
export function commonStep(a: string, b: string): string {
  if (isZero(a)) return b;
  if (isZero(b)) return a;
  const scale = Math.max(decimalsOf(a), decimalsOf(b));
  const x = unitsAt(a, scale);
  const y = unitsAt(b, scale);
  const lcm = (x / gcd(x, y)) * y;
  return fromUnits(lcm, scale);
}

function unitsAt(value: string, scale: number): bigint {
  const [int = '0', frac = ''] = value.split('.');
  return BigInt(int + frac.padEnd(scale, '0'));
}

function fromUnits(units: bigint, scale: number): string {
  if (scale === 0) return units.toString();
  const digits = units.toString().padStart(scale + 1, '0');
  return normalize(`${digits.slice(0, -scale)}.${digits.slice(-scale)}`);
}

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

// ---- helpers for callers that size orders before building a draft ----

export function priceFilterOf(symbol: SymbolInfo): FilterOf<'PRICE_FILTER'> | undefined {
  return rulesOf(symbol).price;
}

/** The quantity bounds an order of this type must meet (MARKET: LOT_SIZE and MARKET_LOT_SIZE combined). */
export function lotSizeOf(symbol: SymbolInfo, type: OrderType): LotLimits {
  const rules = rulesOf(symbol);
  return type === 'MARKET' ? rules.marketLimits : rules.limitLot;
}

/**
 * The minimum order value in quote currency that applies to this order type: NOTIONAL when the
 * symbol has it, else the legacy MIN_NOTIONAL; for MARKET only when the filter applies to market
 * orders. "0" when no minimum applies.
 */
export function minNotionalOf(symbol: SymbolInfo, type: OrderType): string {
  const { notional, minNotional } = rulesOf(symbol);
  const market = type === 'MARKET';
  let min = '0';
  if (notional && (!market || notional.applyMinToMarket)) min = notional.minNotional;
  if (minNotional && (!market || minNotional.applyToMarket)) min = maxOf(min, minNotional.minNotional);
  return min;
}

export function tickDecimals(symbol: SymbolInfo): number {
  return rulesOf(symbol).tickDecimals;
}

export function stepDecimals(symbol: SymbolInfo, type: OrderType = 'LIMIT'): number {
  const rules = rulesOf(symbol);
  return type === 'MARKET' ? rules.marketStepDecimals : rules.stepDecimals;
}
