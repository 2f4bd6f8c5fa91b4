/**
 * When a stop triggers and when a resting limit can fill: STOP_LOSS(_LIMIT) and
 * TAKE_PROFIT(_LIMIT) trigger when the price crosses the stop (SELL stop: price <= stop; BUY
 * stop: price >= stop; take-profits the other way); a resting LIMIT fills when the price trades
 * at or through its limit.
 */
import { gte, lte } from '../../decimal.js';
import type { SimOrder } from './order-book.js';
import { toScaled } from './price-scale.js';

/** A stop-loss SELL and a take-profit BUY trigger on the way down; the other two on the way up. */
function fallsThrough(order: Pick<SimOrder, 'side' | 'type'>): boolean {
  return (order.side === 'SELL') === (order.type === 'STOP_LOSS' || order.type === 'STOP_LOSS_LIMIT');
}

export function wouldTrigger(order: Pick<SimOrder, 'side' | 'type' | 'stopPrice'>, price: string): boolean {
  return fallsThrough(order) ? lte(price, order.stopPrice) : gte(price, order.stopPrice);
}

/** The per-tick checks, on a price already scaled with toScaled (price-scale.ts). */
export interface TickChecks {
  triggersAt(order: SimOrder, price: bigint): boolean;
  marketableAt(order: SimOrder, price: bigint): boolean;
}

/** The per-tick versions compare scaled integers, parsed once per order and once per tick. */
export function createTickChecks(): TickChecks {
  const levels = new WeakMap<SimOrder, { stop: bigint; limit: bigint }>();
  const levelsOf = (order: SimOrder) => {
    let l = levels.get(order);
    if (l === undefined) {
      l = { stop: toScaled(order.stopPrice), limit: toScaled(order.price) };
      levels.set(order, l);
    }
    return l;
  };
  return {
    triggersAt: (order, price) => (fallsThrough(order) ? price <= levelsOf(order).stop : price >= levelsOf(order).stop),
    marketableAt: (order, price) => (order.side === 'BUY' ? price <= levelsOf(order).limit : price >= levelsOf(order).limit),
  };
}
