/**
 * A taker's turn (a new MARKET or marketable LIMIT order, a triggered stop): its walk planned
 * over the modelled book and the account's own resting orders (take-liquidity.ts), capped by
 * what it may fill this tick and what the account can pay, then carried out: a fill per level,
 * self-trades, and self-trade prevention's expiries (faqs/stp_faq.md).
 */
import { add, lt, min, sub } from '../../decimal.js';
import type { SymbolInfo } from '../../binance/types.js';
import type { Accounts } from './accounts.js';
import type { MarketBook } from './book-model.js';
import type { Executions } from './executions.js';
import type { EngineDeps } from './matching-engine.js';
import type { OrderBook, SimFill, SimOrder } from './order-book.js';
import { isOpen } from './order-book.js';
import type { PreventedMatch } from './order-format.js';
import { lotStep } from './symbol-rules.js';
import { expiresTaker, planTake, type TakePlan } from './take-liquidity.js';

export interface Taken {
  fills: SimFill[];
  prevented: PreventedMatch[];
}

export interface TakerDeps {
  accounts: Accounts;
  book: OrderBook;
  executions: Executions;
  beforeExecution?: EngineDeps['beforeExecution'];
}

export interface Taker {
  /**
   * The taker's walk: quantity capped by what can fill this tick, and (`afford`, default true) a
   * market BUY by what the account can pay (a triggered market stop; a new MARKET order is
   * refused for balance instead).
   */
  plan(order: SimOrder, info: SymbolInfo, liquidity: MarketBook, over?: { limit?: string; quote?: string; afford?: boolean }): TakePlan;
  /** Carries out a plan: taker fills at each level, self-trades, STP expiries. */
  execute(order: SimOrder, info: SymbolInfo, plan: TakePlan, now: number): Taken;
  /**
   * A limit order (new, or a stop-limit just triggered) takes what the book offers up to its
   * limit as a taker; IOC/FOK then expire, GTC rests at its limit as a maker.
   */
  takeAsLimit(order: SimOrder, info: SymbolInfo, liquidity: MarketBook, now: number): Taken;
}

export function createTaker(deps: TakerDeps): Taker {
  const { accounts, book, executions } = deps;
  const { fillable, fill, expire, expireInMatch } = executions;
  let preventedMatchIds = 0;

  const plan: Taker['plan'] = (order, info, liquidity, over = {}) => {
    let quote = over.quote;
    if (over.afford !== false && over.limit === undefined && order.side === 'BUY') {
      const spendable = add(accounts.get(info.quoteAsset).free, order.lockedAsset === info.quoteAsset ? order.locked : '0');
      quote = quote === undefined ? spendable : min(quote, spendable);
    }
    const own = book.open(order.symbol).filter((o) => o !== order && o.isWorking && o.side !== order.side);
    return planTake({
      taker: order,
      book: liquidity,
      own,
      qty: fillable(order),
      step: lotStep(info, over.limit === undefined),
      ...(over.limit !== undefined && { limit: over.limit }),
      ...(quote !== undefined && { quote }),
    });
  };

  const execute: Taker['execute'] = (order, info, p, now) => {
    const fills: SimFill[] = [];
    const prevented: PreventedMatch[] = [];
    for (const step of p.steps) {
      if (step.kind === 'book') {
        fills.push(fill(order, info, step.qty, step.price, false, now));
      } else if (step.kind === 'self-trade') {
        // The maker fills as a resting order does on a tick: its order list hears of it first.
        deps.beforeExecution?.(step.maker, 'fill', now);
        if (!isOpen(step.maker)) continue;
        fill(step.maker, info, step.qty, step.price, true, now);
        fills.push(fill(order, info, step.qty, step.price, false, now));
      } else if (step.kind === 'decrement') {
        const id = preventedMatchIds++;
        const both = { preventedMatchId: id, price: step.price, qty: step.qty };
        expireInMatch(step.maker, { ...both, counterOrderId: order.orderId }, now);
        expireInMatch(order, { ...both, counterOrderId: step.maker.orderId }, now);
        prevented.push({ preventedMatchId: id, makerOrderId: step.maker.orderId, price: step.price, takerPreventedQuantity: step.qty, makerPreventedQuantity: step.qty });
      } else {
        const match = { preventedMatchId: preventedMatchIds++, makerOrderId: step.maker.orderId, price: step.price };
        const entry: PreventedMatch = { ...match };
        if (step.kind !== 'expire-taker') {
          entry.makerPreventedQuantity = expireInMatch(step.maker, { ...match, counterOrderId: order.orderId }, now);
        }
        if (step.kind !== 'expire-maker') {
          entry.takerPreventedQuantity = expireInMatch(order, { ...match, counterOrderId: step.maker.orderId }, now);
        }
        prevented.push(entry);
      }
    }
    return { fills, prevented };
  };

  const takeAsLimit: Taker['takeAsLimit'] = (order, info, liquidity, now) => {
    const p = plan(order, info, liquidity, { limit: order.price });
    let taken: Taken = { fills: [], prevented: [] };
    if (order.timeInForce === 'FOK' && lt(p.qty, sub(order.origQty, order.executedQty)) && !expiresTaker(p)) {
      expire(order, 'UNFILLED_FOK_ORDER_EXPIRED', now);
    } else if (p.steps.length > 0) {
      taken = execute(order, info, p, now);
    }
    if (isOpen(order) && order.timeInForce !== 'GTC') {
      expire(order, order.timeInForce === 'FOK' ? 'UNFILLED_FOK_ORDER_EXPIRED' : 'UNFILLED_IOC_QUANTITY_EXPIRED', now);
    }
    return taken;
  };

  return { plan, execute, takeAsLimit };
}
