/**
 * Whole-order rules (filters.md): NOTIONAL and the legacy MIN_NOTIONAL, PERCENT_PRICE and
 * PERCENT_PRICE_BY_SIDE, ICEBERG_PARTS, MAX_NUM_ORDERS, MAX_NUM_ALGO_ORDERS, MAX_POSITION,
 * TRAILING_DELTA. They run on the values the per-value rules produced (adjusted or as sent).
 */
import { add, ceilToStep, div, floorToStep, gt, isZero, lt, mul, normalize, round } from '../decimal.js';
import type { SymbolRules } from './filters-rules.js';
import type { FilterContext, OrderDraft } from './filters-types.js';
import { fail, type ValueCheck } from './filters-values.js';
import type { OrderType, Side } from './types.js';

export const ALGO_TYPES: ReadonlySet<OrderType> = new Set(['STOP_LOSS', 'STOP_LOSS_LIMIT', 'TAKE_PROFIT', 'TAKE_PROFIT_LIMIT']);

/**
 * Orders that execute at market: MARKET, and STOP_LOSS / TAKE_PROFIT once triggered. The
 * apply*ToMarket flags of NOTIONAL and MIN_NOTIONAL govern them. Every capture we hold has the
 * flags on for the minimum, so this reading only matters for maxima.
 */
const MARKET_LIKE: ReadonlySet<OrderType> = new Set(['MARKET', 'STOP_LOSS', 'TAKE_PROFIT']);

/** What the order is worth in quote currency, at each price it may execute at. */
export interface OrderValue {
  /** The headline estimate (CheckedOrder.notional). */
  value: string;
  /** Each value to hold against the notional bounds, with the words for where it was measured. */
  points: { value: string; where: string }[];
}

export type ValuedOrder = Pick<OrderDraft, 'side' | 'type' | 'quantity' | 'quoteOrderQty' | 'price' | 'stopPrice'>;

/**
 * MARKET: quantity × reference price, or the quote amount itself. LIMIT, LIMIT_MAKER: price ×
 * quantity. STOP_LOSS, TAKE_PROFIT: stop price × quantity (the reference price for a trailing
 * stop without one). Stop-limits: at the limit price and at the stop price (the safe side:
 * BINANCE.md "Filters").
 */
export function orderValue(order: ValuedOrder, quoteAsset: string, referencePrice: () => string): OrderValue {
  const { type, quantity, quoteOrderQty, price, stopPrice } = order;
  if (quoteOrderQty !== undefined) return single(quoteOrderQty, '');
  const qty = quantity ?? '0';
  if (type === 'MARKET') return single(mul(qty, referencePrice()), ` (at the current price of ${normalize(referencePrice())} ${quoteAsset})`);
  if (type === 'STOP_LOSS' || type === 'TAKE_PROFIT') {
    return single(mul(qty, stopPrice ?? referencePrice()), stopPrice ? ' (at the stop price)' : ' (at the current price)');
  }
  const atLimit = mul(qty, price ?? '0');
  const points = [{ value: atLimit, where: type === 'LIMIT' || type === 'LIMIT_MAKER' ? '' : ' (at the limit price)' }];
  if (stopPrice !== undefined) points.push({ value: mul(qty, stopPrice), where: ' (at the stop price)' });
  return { value: atLimit, points };
}

const single = (value: string, where: string): OrderValue => ({ value, points: [{ value, where }] });

export function checkNotional(check: ValueCheck, order: ValuedOrder, value: OrderValue): void {
  const { notionalRules, symbol, pricePrecision } = check.rules;
  if (notionalRules.length === 0) return;
  const quote = symbol.quoteAsset;
  const market = MARKET_LIKE.has(order.type);
  const [first, second] = value.points;
  let lowest = first!;
  let highest = first!;
  if (second) [lowest, highest] = lt(second.value, first!.value) ? [second, first!] : [first!, second];
  // Shown rounded away from the limit, so "4.999999999" never reads as "5".
  const shown = (v: string, r: 'down' | 'up') => normalize(round(v, pricePrecision, r));
  for (const rule of notionalRules) {
    if (rule.min && (!market || rule.minToMarket) && lt(lowest.value, rule.min)) {
      fail(check, rule.filter, 'ORDER_FILTER_NOTIONAL', rule.min,
        `The order value ${shown(lowest.value, 'down')} ${quote}${lowest.where} is below the minimum of ${rule.min} ${quote}`);
    } else if (rule.max && (!market || rule.maxToMarket) && gt(highest.value, rule.max)) {
      fail(check, rule.filter, 'ORDER_FILTER_NOTIONAL', rule.max,
        `The order value ${shown(highest.value, 'up')} ${quote}${highest.where} is above the maximum of ${rule.max} ${quote}`);
    }
  }
}

/** PERCENT_PRICE / PERCENT_PRICE_BY_SIDE bound the limit price around the reference price; orders without one are exempt. */
export function checkPercentPrice(check: ValueCheck, side: Side, price: string, referencePrice: string): void {
  const { symbol, priceGrid } = check.rules;
  const quote = symbol.quoteAsset;
  const tick = priceGrid?.step;
  for (const band of check.rules.percentBands) {
    const [down, up] = band[side];
    // The bound shown is the nearest price on the grid that passes.
    const low = down && mul(referencePrice, down);
    if (low && lt(price, low)) {
      const shown = normalize(tick ? ceilToStep(low, tick) : low);
      fail(check, band.filter, 'ORDER_FILTER_PERCENT_PRICE', shown,
        `Price ${normalize(price)} ${quote} is too far below the market price of ${normalize(referencePrice)} ${quote}: the lowest allowed now is ${shown} ${quote}`);
      continue;
    }
    const high = up && mul(referencePrice, up);
    if (high && gt(price, high)) {
      const shown = normalize(tick ? floorToStep(high, tick) : high);
      fail(check, band.filter, 'ORDER_FILTER_PERCENT_PRICE', shown,
        `Price ${normalize(price)} ${quote} is too far above the market price of ${normalize(referencePrice)} ${quote}: the highest allowed now is ${shown} ${quote}`);
    }
  }
}

/** ICEBERG_PARTS: ceil(quantity / icebergQty) parts at most (filters.md). */
export function checkIcebergParts(check: ValueCheck, quantity: string, icebergQty: string): void {
  const limit = check.rules.icebergParts?.limit;
  if (!limit) return;
  const parts = div(quantity, icebergQty, 0, 'ceil');
  if (gt(parts, String(limit))) {
    const base = check.rules.symbol.baseAsset;
    fail(check, 'ICEBERG_PARTS', 'ORDER_FILTER_ICEBERG', String(limit),
      `An iceberg of ${normalize(quantity)} ${base} in parts of ${normalize(icebergQty)} ${base} has ${parts} parts; at most ${limit} are allowed`);
  }
}

export function checkOpenOrders(check: ValueCheck, type: OrderType, ctx: FilterContext): void {
  const { maxNumOrders, maxNumAlgoOrders, symbol } = check.rules;
  if (maxNumOrders && maxNumOrders.maxNumOrders > 0 && ctx.openOrders !== undefined && ctx.openOrders >= maxNumOrders.maxNumOrders) {
    fail(check, 'MAX_NUM_ORDERS', 'ORDER_FILTER_MAX_NUM_ORDERS', String(maxNumOrders.maxNumOrders),
      `${symbol.symbol} already has ${ctx.openOrders} open orders, the most allowed is ${maxNumOrders.maxNumOrders}`);
  }
  if (
    ALGO_TYPES.has(type) &&
    maxNumAlgoOrders &&
    maxNumAlgoOrders.maxNumAlgoOrders > 0 &&
    ctx.openAlgoOrders !== undefined &&
    ctx.openAlgoOrders >= maxNumAlgoOrders.maxNumAlgoOrders
  ) {
    fail(check, 'MAX_NUM_ALGO_ORDERS', 'ORDER_FILTER_MAX_NUM_ORDERS', String(maxNumAlgoOrders.maxNumAlgoOrders),
      `${symbol.symbol} already has ${ctx.openAlgoOrders} open stop and take-profit orders, the most allowed is ${maxNumAlgoOrders.maxNumAlgoOrders}`);
  }
}

/** MAX_POSITION: a BUY may not take free + locked + open-buy base above the limit (filters.md). */
export function checkMaxPosition(check: ValueCheck, side: Side, buyQuantity: string, basePosition: string | undefined): void {
  const max = check.rules.maxPosition?.maxPosition;
  if (side !== 'BUY' || basePosition === undefined || max === undefined || isZero(max)) return;
  const after = add(basePosition, buyQuantity);
  if (gt(after, max)) {
    const base = check.rules.symbol.baseAsset;
    fail(check, 'MAX_POSITION', 'ORDER_FILTER_MAX_POSITION', max,
      `Buying ${normalize(buyQuantity)} ${base} would bring the position to ${after} ${base}, above the maximum of ${max} ${base}`);
  }
}

/**
 * TRAILING_DELTA (filters.md): STOP_LOSS(_LIMIT) BUY and TAKE_PROFIT(_LIMIT) SELL trail above the
 * market, the other stops below. The bot does not place trailing stops yet; the simulator may be
 * sent one.
 */
export function checkTrailingDelta(check: ValueCheck, side: Side, type: OrderType, delta: number): void {
  const f = check.rules.trailingDelta;
  if (!f) return;
  const stopLoss = type === 'STOP_LOSS' || type === 'STOP_LOSS_LIMIT';
  const above = stopLoss ? side === 'BUY' : side === 'SELL';
  const [min, max] = above ? [f.minTrailingAboveDelta, f.maxTrailingAboveDelta] : [f.minTrailingBelowDelta, f.maxTrailingBelowDelta];
  if (min > 0 && delta < min) {
    fail(check, 'TRAILING_DELTA', 'ORDER_FILTER_TRAILING_DELTA', String(min),
      `A trailing delta of ${delta} basis points is below the minimum of ${min}`);
  } else if (max > 0 && delta > max) {
    fail(check, 'TRAILING_DELTA', 'ORDER_FILTER_TRAILING_DELTA', String(max),
      `A trailing delta of ${delta} basis points is above the maximum of ${max}`);
  }
}

/** The base quantity a quote-sized BUY is expected to get at the reference price, on the step. */
export function estimatedQuantity(rules: SymbolRules, quoteOrderQty: string, referencePrice: string): string {
  const step = rules.marketStep;
  const raw = div(quoteOrderQty, referencePrice, rules.quantityPrecision, 'down');
  return step ? floorToStep(raw, step) : raw;
}
