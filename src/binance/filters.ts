/**
 * The filter engine: will Binance accept this order, and if it is only off the grid, what is the
 * nearest order that is safe to send? (filters.md; BINANCE.md "Filters").
 *
 * - `adjust` (the bot and the order worker): quantities are floored to the step; prices move to
 *   the tick in the direction that cannot hurt the trader (see `priceRounding`/`stopRounding`);
 *   values are formatted with exactly the grid's decimals (Binance answers -1111 to more).
 *   Anything a rounding cannot fix (below a minimum, above a maximum, too far from the market) is
 *   a violation: the engine never makes an order bigger or moves it past a limit.
 * - `strict` (the simulator, validating what a client sent): nothing moves; off-grid and
 *   out-of-range values are violations named exactly as Binance's "Filter failure: NAME", and
 *   too many decimals is PRECISION.
 *
 * Checks run in Binance's order of concern: symbol status and permissions, order type and
 * parameters (stop there: the rest would be noise), then each value's grid, then the rules on
 * the whole order. All math is exact (src/decimal.ts); a symbol's filters are indexed once.
 */
import { AppError, ERROR_CODES } from '../errors.js';
import { isPositive } from '../decimal.js';
import {
  checkIcebergParts,
  checkMaxPosition,
  checkNotional,
  checkOpenOrders,
  checkPercentPrice,
  checkTrailingDelta,
  estimatedQuantity,
  orderValue,
} from './filters-order.js';
import { rulesOf } from './filters-rules.js';
import type { CheckedOrder, FilterContext, FilterMode, FilterVerdict, FilterViolation, OrderDraft } from './filters-types.js';
import { checkParameters, checkPermissions, priceLabel } from './filters-gate.js';
import { checkPrice, checkQuantity, checkQuoteAmount, type ValueCheck } from './filters-values.js';
import type { OrderType, Side, SymbolInfo } from './types.js';

export type {
  CheckedOrder,
  FilterContext,
  FilterMode,
  FilterVerdict,
  FilterViolation,
  OrderDraft,
  ViolationKind,
} from './filters-types.js';
export { lotSizeOf, minNotionalOf, priceFilterOf, stepDecimals, tickDecimals, type LotLimits } from './filters-rules.js';

/**
 * The limit price's direction in adjust mode.
 * - LIMIT and LIMIT_MAKER: a BUY rounds down (never pay more), a SELL up (never receive less).
 * - The limit of a STOP_LOSS_LIMIT or TAKE_PROFIT_LIMIT: a SELL rounds down and a BUY up, so the
 *   order the trigger releases can still fill (its whole point is to execute).
 */
export function priceRounding(type: OrderType, side: Side): 'floor' | 'ceil' {
  const limitOnly = type === 'LIMIT' || type === 'LIMIT_MAKER';
  if (limitOnly) return side === 'BUY' ? 'floor' : 'ceil';
  return side === 'SELL' ? 'floor' : 'ceil';
}

/**
 * The stop price's direction in adjust mode.
 * - STOP_LOSS(_LIMIT): a SELL stop rounds down (DESIGN.md §5: the fractal low rounded down, so a
 *   touch of the low itself does not trigger), a BUY stop up (the mirror).
 * - TAKE_PROFIT(_LIMIT): a SELL trigger rounds up and a BUY trigger down: a profit target is
 *   never cashed at a worse price than asked.
 */
export function stopRounding(type: OrderType, side: Side): 'floor' | 'ceil' {
  const takeProfit = type === 'TAKE_PROFIT' || type === 'TAKE_PROFIT_LIMIT';
  if (takeProfit) return side === 'SELL' ? 'ceil' : 'floor';
  return side === 'SELL' ? 'floor' : 'ceil';
}

export function checkOrder(symbol: SymbolInfo, draft: OrderDraft, ctx: FilterContext, mode: FilterMode): FilterVerdict {
  const rules = rulesOf(symbol);
  const check: ValueCheck = { rules, mode, violations: [], adjustments: [] };
  checkPermissions(check, draft);
  if (check.violations.length > 0) return { ok: false, violations: check.violations };
  const timeInForce = checkParameters(check, draft);
  if (check.violations.length > 0) return { ok: false, violations: check.violations };

  const { side, type } = draft;
  const market = type === 'MARKET';
  const quantity = draft.quantity === undefined ? undefined : checkQuantity(check, 'quantity', draft.quantity, market);
  const quoteOrderQty = draft.quoteOrderQty === undefined ? undefined : checkQuoteAmount(check, draft.quoteOrderQty);
  const price = draft.price === undefined ? undefined : checkPrice(check, priceLabel(type), draft.price, priceRounding(type, side));
  const stopPrice =
    draft.stopPrice === undefined ? undefined : checkPrice(check, 'Stop price', draft.stopPrice, stopRounding(type, side));
  const icebergQty = draft.icebergQty === undefined ? undefined : checkQuantity(check, 'icebergQty', draft.icebergQty, false);
  const valuesOk = check.violations.length === 0;

  let referenceChecked = false;
  const referencePrice = (): string => {
    if (!referenceChecked && !isPositiveDecimal(ctx.referencePrice)) {
      throw new AppError('INTERNAL', `checkOrder(${symbol.symbol}): referencePrice must be a positive decimal string`);
    }
    referenceChecked = true;
    return ctx.referencePrice;
  };

  // Whole-order rules need every value they read to be valid; a grid failure already says why.
  const valued = { side, type, quantity, quoteOrderQty, price, stopPrice };
  const value = valuesOk ? orderValue(valued, symbol.quoteAsset, referencePrice) : undefined;
  if (value) {
    checkNotional(check, valued, value);
    if (price !== undefined && rules.percentBands.length > 0) {
      checkPercentPrice(check, side, price, referencePrice());
    }
    if (quantity !== undefined && icebergQty !== undefined) checkIcebergParts(check, quantity, icebergQty);
    if (side === 'BUY' && rules.maxPosition && ctx.basePosition !== undefined) {
      const bought = quantity ?? estimatedQuantity(rules, quoteOrderQty ?? '0', referencePrice());
      checkMaxPosition(check, side, bought, ctx.basePosition);
    }
  }
  checkOpenOrders(check, type, ctx);
  if (draft.trailingDelta !== undefined) checkTrailingDelta(check, side, type, draft.trailingDelta);

  if (check.violations.length > 0 || !value) return { ok: false, violations: check.violations };
  const order: CheckedOrder = { symbol: symbol.symbol, side, type, notional: value.value, adjustments: check.adjustments };
  if (quantity !== undefined) order.quantity = quantity;
  if (quoteOrderQty !== undefined) order.quoteOrderQty = quoteOrderQty;
  if (price !== undefined) order.price = price;
  if (stopPrice !== undefined) order.stopPrice = stopPrice;
  if (icebergQty !== undefined) order.icebergQty = icebergQty;
  if (timeInForce !== undefined) order.timeInForce = timeInForce;
  if (draft.trailingDelta !== undefined) order.trailingDelta = draft.trailingDelta;
  return { ok: true, order };
}

function isPositiveDecimal(value: string): boolean {
  try {
    return isPositive(value);
  } catch {
    return false;
  }
}

/** One AppError for a refused order: the first violation's code, every sentence for the trader. */
export function violationsToError(violations: readonly FilterViolation[]): AppError {
  const first = violations[0];
  if (!first) return new AppError('ORDER_INVALID_INPUT');
  const userMessage = violations.map((v) => `${v.message}.`).join(' ');
  return new AppError(first.code, `${ERROR_CODES[first.code]} (${violations.map((v) => v.filter).join(', ')})`, {
    userMessage,
    details: { violations },
  });
}

/**
 * The base quantity a MARKET BUY sized by quoteOrderQty gets at `price`: the exchange rounds it
 * down to the market step, so a small amount can buy noticeably less than it names.
 */
export function quoteOrderQuantityAt(symbol: SymbolInfo, quoteOrderQty: string, price: string): string {
  return estimatedQuantity(rulesOf(symbol), quoteOrderQty, price);
}
