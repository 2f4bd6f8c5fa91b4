/**
 * A taker order walking the book: the modelled levels of the rest of the market (book-model.ts)
 * merged with the account's own resting orders on the other side, best price first (the model's
 * level before an own order at the same price: it was there first). Planned without side
 * effects, so a MARKET order can be sized and its balance checked before anything happens
 * (an order rejected for balance leaves no trace, as on Binance).
 *
 * Self-trade prevention (faqs/stp_faq.md): reaching one of the account's own orders applies the
 * taker's `selfTradePreventionMode`:
 * - NONE: the trade happens (the own order is the maker);
 * - EXPIRE_TAKER: the taker's remaining quantity expires (EXPIRED_IN_MATCH) and the walk stops;
 * - EXPIRE_MAKER: the own resting order expires, the walk goes on;
 * - EXPIRE_BOTH: both expire;
 * - DECREMENT (TRANSFER within one account is DECREMENT): both orders lose the smaller of their
 *   available quantities; the one left with nothing expires, the taker walks on if it has some.
 */
import { add, ceilToStep, compare, div, floorToStep, gt, isPositive, lt, min, mul, sub } from '../../decimal.js';
import type { BookLevel, MarketBook } from './book-model.js';
import { MAX_LEVELS } from './book-model.js';
import type { SimOrder } from './order-book.js';
import { availableQty } from './executions.js';

export type TakeStep =
  | { kind: 'book'; price: string; qty: string }
  | { kind: 'self-trade'; maker: SimOrder; price: string; qty: string }
  | { kind: 'expire-maker'; maker: SimOrder; price: string }
  | { kind: 'expire-taker'; maker: SimOrder; price: string }
  | { kind: 'expire-both'; maker: SimOrder; price: string }
  /** DECREMENT (and TRANSFER, which is DECREMENT within one account): both lose `qty`, the smaller expires. */
  | { kind: 'decrement'; maker: SimOrder; price: string; qty: string };

export interface TakePlan {
  steps: TakeStep[];
  /** Base quantity that trades (book and self-trades). */
  qty: string;
  /** Quote quantity that trades. */
  quote: string;
}

export interface TakeRequest {
  taker: Pick<SimOrder, 'side' | 'selfTradePreventionMode'>;
  book: MarketBook;
  /** The account's open, working orders on the other side of the same symbol. */
  own: SimOrder[];
  /** A limit price (LIMIT, triggered stop-limit); undefined for market executions. */
  limit?: string;
  /** Most base quantity to trade. */
  qty: string;
  /**
   * Most quote to trade: a quoteOrderQty, or what a market BUY can afford. A BUY never spends
   * more; a quote-sized SELL sells until it has received this much (the last lot may overshoot).
   */
  quote?: string;
  /** The lot step trade quantities are multiples of. */
  step: string;
}

const CHUNK = 50;

export function planTake(request: TakeRequest): TakePlan {
  const { taker, book, step } = request;
  const buy = taker.side === 'BUY';
  const better = (a: string, b: string) => (buy ? lt(a, b) : gt(a, b));
  const own = [...request.own]
    .filter((o) => o.side !== taker.side)
    .sort((a, b) => (compare(a.price, b.price) === 0 ? a.orderId - b.orderId : better(a.price, b.price) ? -1 : 1));

  let levels: BookLevel[] = [];
  let fetched = 0;
  const levelAt = (i: number): BookLevel | undefined => {
    if (i >= levels.length && fetched < MAX_LEVELS) {
      fetched = Math.min(MAX_LEVELS, Math.max(CHUNK, fetched * 4));
      levels = buy ? book.asks(fetched) : book.bids(fetched);
    }
    return levels[i];
  };

  const steps: TakeStep[] = [];
  let qtyLeft = request.qty;
  let quoteLeft = request.quote;
  let qty = '0';
  let quote = '0';
  let i = 0;
  let j = 0;
  const within = (price: string) => request.limit === undefined || !better(request.limit, price);
  /** What can trade at `price` given the quantity and quote still wanted, capped at `available`. */
  const tradable = (price: string, available: string): string => {
    let q = min(qtyLeft, available);
    if (quoteLeft !== undefined) {
      const byQuote = buy ? floorToStep(div(quoteLeft, price, 16), step) : ceilToStep(div(quoteLeft, price, 16), step);
      q = min(q, byQuote);
    }
    return q;
  };
  const take = (price: string, q: string) => {
    qtyLeft = sub(qtyLeft, q);
    qty = add(qty, q);
    const notional = mul(q, price);
    quote = add(quote, notional);
    if (quoteLeft !== undefined) quoteLeft = sub(quoteLeft, notional);
  };

  while (isPositive(qtyLeft) && (quoteLeft === undefined || isPositive(quoteLeft))) {
    const level = levelAt(i);
    const mine = own[j];
    const useOwn = mine !== undefined && (level === undefined || better(mine.price, level.price));
    const price = useOwn ? mine.price : level?.price;
    if (price === undefined || !within(price)) break;
    if (!useOwn) {
      const q = tradable(price, level!.qty);
      if (!isPositive(q)) break;
      steps.push({ kind: 'book', price, qty: q });
      take(price, q);
      i += 1;
      continue;
    }
    j += 1;
    const mode = taker.selfTradePreventionMode;
    if (mode === 'NONE') {
      const q = tradable(price, availableQty(mine));
      if (!isPositive(q)) break;
      steps.push({ kind: 'self-trade', maker: mine, price, qty: q });
      take(price, q);
    } else if (mode === 'EXPIRE_MAKER') {
      steps.push({ kind: 'expire-maker', maker: mine, price });
    } else if (mode === 'DECREMENT' || mode === 'TRANSFER') {
      const prevented = min(qtyLeft, availableQty(mine));
      steps.push({ kind: 'decrement', maker: mine, price, qty: prevented });
      qtyLeft = sub(qtyLeft, prevented);
    } else {
      steps.push({ kind: mode === 'EXPIRE_TAKER' ? 'expire-taker' : 'expire-both', maker: mine, price });
      break;
    }
  }
  return { steps, qty, quote };
}

/** True when the plan ends the taker by STP (EXPIRE_TAKER or EXPIRE_BOTH). */
export function expiresTaker(plan: TakePlan): boolean {
  const last = plan.steps[plan.steps.length - 1];
  return last?.kind === 'expire-taker' || last?.kind === 'expire-both';
}
