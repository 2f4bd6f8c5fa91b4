/**
 * Per-value rules: the grid filters (PRICE_FILTER for price and stopPrice, LOT_SIZE and
 * MARKET_LOT_SIZE for quantity and icebergQty, filters.md) and precision (-1111, errors.md).
 *
 * In `adjust` mode a value is first moved onto the grid in the direction the caller chose, then
 * checked against the range; landing below a minimum or at zero is a violation, never a silent
 * bump up. In `strict` mode nothing moves: a value with more meaningful decimals than the asset
 * allows is PRECISION, a value off the grid or out of range is the filter itself.
 */
import {
  eq,
  formatFixed,
  gt,
  isDecimal,
  isMultipleOf,
  isZero,
  lt,
  normalize,
  round,
  toStep,
  type Rounding,
} from '../decimal.js';
import { groupThousands } from '../format.js';
import type { ErrorCode } from '../errors.js';
import type { Grid, SymbolRules } from './filters-rules.js';
import type { FilterMode, FilterViolation } from './filters-types.js';

export interface ValueCheck {
  rules: SymbolRules;
  mode: FilterMode;
  violations: FilterViolation[];
  adjustments: string[];
}

/** Binance's accepted number shape (rest-api.md "General API information"): no sign, no exponent. */
const WIRE_DECIMAL = /^([0-9]{1,20})(\.[0-9]{1,20})?$/;
/**
 * Strict mode takes only what Binance would parse (-1100 otherwise). Adjust mode also takes a
 * longer plain decimal (a computed quantity with 30 decimals), since it rounds it anyway.
 */
export const isAcceptedDecimal = (value: string, mode: FilterMode): boolean =>
  mode === 'strict' ? WIRE_DECIMAL.test(value) : isDecimal(value);

/** Decimals that carry value: "1.50000000" has 1 (trailing zeros are padding, not precision). */
function meaningfulDecimals(value: string): number {
  const dot = value.indexOf('.');
  if (dot < 0) return 0;
  let end = value.length;
  while (end > dot + 1 && value.charCodeAt(end - 1) === 48) end--;
  return end - dot - 1;
}

/**
 * PRICE_FILTER on one price field. Returns the value to send (adjust: on the tick, formatted with
 * exactly the tick's decimals; strict: as sent), or undefined after recording a violation.
 */
export function checkPrice(
  check: ValueCheck,
  label: string,
  value: string,
  rounding: Extract<Rounding, 'floor' | 'ceil'>,
): string | undefined {
  const { rules, mode } = check;
  const quote = rules.symbol.quoteAsset;
  const grid = rules.priceGrid;
  const tick = grid?.step;
  let price = value;
  let moved = false;
  if (mode === 'strict') {
    if (meaningfulDecimals(value) > rules.pricePrecision) {
      return fail(check, 'PRECISION', 'ORDER_FILTER_PRICE', String(rules.pricePrecision),
        `${label} ${value} has more decimals than ${rules.symbol.symbol} allows (${rules.pricePrecision})`);
    }
  } else {
    price = tick ? toStep(value, tick, rounding) : round(value, rules.pricePrecision, rounding);
    moved = !eq(price, value);
    if (moved) {
      const dir = rounding === 'floor' ? 'down' : 'up';
      const on = tick ? `tick ${tick}` : `${rules.pricePrecision} decimals`;
      check.adjustments.push(`${lower(label)} rounded ${dir} from ${groupThousands(normalize(value))} to ${groupThousands(normalize(price))} (${on})`);
    }
  }
  if (isZero(price)) {
    const at = tick ? `the tick size ${tick} ${quote}` : `${rules.pricePrecision} decimals`;
    const message = moved ? `${label} ${normalize(value)} rounds to 0 at ${at}` : `${label} must be above zero`;
    return fail(check, 'PRICE_FILTER', 'ORDER_FILTER_PRICE', tick ?? '0', message);
  }
  if (grid) {
    if (grid.min && lt(price, grid.min)) {
      return fail(check, 'PRICE_FILTER', 'ORDER_FILTER_PRICE', grid.min,
        `${label} ${normalize(price)} ${quote} is below the minimum price of ${grid.min} ${quote}`);
    }
    if (grid.max && gt(price, grid.max)) {
      return fail(check, 'PRICE_FILTER', 'ORDER_FILTER_PRICE', grid.max,
        `${label} ${normalize(price)} ${quote} is above the maximum price of ${grid.max} ${quote}`);
    }
    if (mode === 'strict' && tick && !isMultipleOf(price, tick)) {
      return fail(check, 'PRICE_FILTER', 'ORDER_FILTER_PRICE', tick, `${label} ${value} is not a multiple of the tick size ${tick}`);
    }
  }
  return mode === 'strict' ? value : formatFixed(price, rules.tickDecimals);
}

export type QuantityField = 'quantity' | 'icebergQty';

/**
 * LOT_SIZE (and for MARKET quantities MARKET_LOT_SIZE) on one quantity field. Adjust mode floors:
 * a quantity never grows, so an order never costs or sells more than asked.
 */
export function checkQuantity(check: ValueCheck, field: QuantityField, value: string, market: boolean): string | undefined {
  const { rules, mode } = check;
  const base = rules.symbol.baseAsset;
  const what = field === 'icebergQty' ? 'The iceberg part' : undefined;
  // An iceberg part is a LIMIT slice: LOT_SIZE only (filters.md).
  const step = market ? rules.marketStep : rules.limitStep;
  let qty = value;
  let moved = false;
  if (mode === 'strict') {
    if (meaningfulDecimals(value) > rules.quantityPrecision) {
      return fail(check, 'PRECISION', 'ORDER_FILTER_LOT_SIZE', String(rules.quantityPrecision),
        `${what ?? 'Quantity'} ${value} ${base} has more decimals than ${rules.symbol.symbol} allows (${rules.quantityPrecision})`);
    }
  } else {
    qty = step ? toStep(value, step, 'floor') : round(value, rules.quantityPrecision, 'floor');
    moved = !eq(qty, value);
    if (moved) {
      const on = step ? `step ${step}` : `${rules.quantityPrecision} decimals`;
      check.adjustments.push(`${field === 'icebergQty' ? 'iceberg part' : 'quantity'} rounded down from ${groupThousands(normalize(value))} to ${groupThousands(normalize(qty))} (${on})`);
    }
  }
  if (isZero(qty)) {
    const message = !moved
      ? `${what ?? 'The quantity'} must be above zero`
      : step
        ? `${normalize(value)} ${base} is smaller than the step size ${step} ${base}`
        : `${normalize(value)} ${base} rounds to 0 at ${rules.quantityPrecision} decimals`;
    return fail(check, 'LOT_SIZE', 'ORDER_FILTER_LOT_SIZE', step ?? '0', message);
  }
  let failed = checkLot(check, 'LOT_SIZE', rules.lotGrid, value, qty, moved, what, '');
  if (market) failed = checkLot(check, 'MARKET_LOT_SIZE', rules.marketLotGrid, value, qty, moved, what, 'market ') || failed;
  if (failed) return undefined;
  return mode === 'strict' ? value : formatFixed(qty, market ? rules.marketStepDecimals : rules.stepDecimals);
}

/** One lot filter's range (and, strict, its step). True when it recorded a violation. */
function checkLot(
  check: ValueCheck,
  name: 'LOT_SIZE' | 'MARKET_LOT_SIZE',
  grid: Grid | undefined,
  value: string,
  qty: string,
  moved: boolean,
  what: string | undefined,
  kind: string,
): boolean {
  if (!grid) return false;
  const base = check.rules.symbol.baseAsset;
  const code = name === 'LOT_SIZE' ? 'ORDER_FILTER_LOT_SIZE' : 'ORDER_FILTER_MARKET_LOT_SIZE';
  if (grid.min && lt(qty, grid.min)) {
    const subject = what ? `${what} of ${normalize(value)} ${base}` : `${normalize(value)} ${base}`;
    const how = moved && !lt(value, grid.min) ? ` rounds down to ${normalize(qty)} ${base}, which` : '';
    fail(check, name, code, grid.min, `${subject}${how} is below the minimum ${kind}order of ${grid.min} ${base}`);
    return true;
  }
  if (grid.max && gt(qty, grid.max)) {
    const subject = what ? `${what} of ${normalize(qty)} ${base}` : `${normalize(qty)} ${base}`;
    fail(check, name, code, grid.max, `${subject} is above the maximum ${kind}order of ${grid.max} ${base}`);
    return true;
  }
  if (check.mode === 'strict' && grid.step && !isMultipleOf(qty, grid.step)) {
    fail(check, name, code, grid.step, `${what ?? 'Quantity'} ${value} ${base} is not a multiple of the step size ${grid.step} ${base}`);
    return true;
  }
  return false;
}

/**
 * The quote amount of a quote-sized MARKET order: at most the quote asset's precision (-1111);
 * adjust mode rounds down (never spend more than asked).
 */
export function checkQuoteAmount(check: ValueCheck, value: string): string | undefined {
  const { rules, mode } = check;
  const quote = rules.symbol.quoteAsset;
  const precision = rules.symbol.quoteAssetPrecision;
  let amount = value;
  if (mode === 'strict') {
    if (meaningfulDecimals(value) > precision) {
      return fail(check, 'PRECISION', 'ORDER_INVALID_INPUT', String(precision),
        `The amount ${value} ${quote} has more decimals than ${rules.symbol.symbol} allows (${precision})`);
    }
  } else {
    amount = round(value, precision, 'floor');
    if (!eq(amount, value)) check.adjustments.push(`amount rounded down from ${groupThousands(normalize(value))} to ${groupThousands(amount)} ${quote} (${precision} decimals)`);
  }
  if (isZero(amount)) return fail(check, 'PARAMETER', 'ORDER_INVALID_INPUT', '0', `The amount in ${quote} must be above zero`);
  return mode === 'strict' ? value : amount;
}

export function fail(check: ValueCheck, filter: FilterViolation['filter'], code: ErrorCode, limit: string, message: string): undefined {
  check.violations.push({ filter, code, limit, message });
  return undefined;
}

const lower = (label: string): string => label.charAt(0).toLowerCase() + label.slice(1);
