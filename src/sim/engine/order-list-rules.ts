/**
 * What happens to an order list's other legs when one moves (rest-api.md "Order lists",
 * user-data-stream.md "listStatus"):
 * - OCO: the legs share one lock (the first leg holds it, the second locks nothing). When a stop
 *   leg triggers, the other is expired (eR OCO_TRIGGER) before the stop executes; when the limit
 *   leg is hit it takes the lock and fills first, then the other is expired (CHANGELOG, the OCO
 *   "Execution Order"). The list is ALL_DONE from then on.
 * - OTO/OTOCO: pending legs are PENDING_NEW records, inert and locking nothing, until the working
 *   order is FILLED; then they go on the book with the same ids. A pending leg the engine refuses
 *   then (funds, LIMIT_MAKER that would take) expires with eR REJECTED (user-data-stream.md).
 * - Cancelling any leg (DELETE /api/v3/order) cancels the whole list; a working order that
 *   expires expires the pending legs (OTO_PHASE_ONE_EXPIRED).
 */
import { add, isPositive } from '../../decimal.js';
import type { MatchingEngine } from './matching-engine.js';
import type { OrderBook, SimOrder } from './order-book.js';
import { isOpen } from './order-book.js';
import { isStopType } from './order-format.js';
import type { SimOrderList } from './order-lists.js';
import { SimError } from '../sim-error.js';

export interface ListRulesDeps {
  /** The engine (a getter: the engine is built with the lists' hooks). */
  engine: () => MatchingEngine;
  book: OrderBook;
  /** The symbol's current price (a pending stop activated past its price triggers at once). */
  price: (symbol: string) => string | undefined;
  list: (orderListId: number) => SimOrderList | undefined;
  /** Announces a list's state (`listStatus`). */
  emit: (list: SimOrderList, now: number) => void;
  /** Runs the rules' own engine calls without re-entering the lists' sync. */
  quietly: <T>(run: () => T) => T;
}

export interface ListRules {
  /** Brings one executing list in line with its legs after an engine change. */
  apply(list: SimOrderList, now: number): void;
  /** Ends a list: ALL_DONE, nothing left pending, announced. */
  done(list: SimOrderList, now: number): void;
  /** The list's legs still on record, in the list's order. */
  legs(list: SimOrderList): SimOrder[];
  /** The engine's beforeExecution hook: an OCO leg about to execute takes the lock, a triggered stop expires its sibling. */
  beforeExecution(order: SimOrder, kind: 'trigger' | 'fill', now: number): void;
}

export function createListRules(deps: ListRulesDeps): ListRules {
  const { book, emit } = deps;

  const done = (list: SimOrderList, now: number): void => {
    list.listStatusType = 'ALL_DONE';
    list.listOrderStatus = 'ALL_DONE';
    list.pending = [];
    emit(list, now);
  };

  const legs = (list: SimOrderList): SimOrder[] => list.orderIds.map((id) => book.byId(id)).filter((o): o is SimOrder => o !== undefined);
  const started = (o: SimOrder): boolean => !isOpen(o) || isPositive(o.executedQty) || (isStopType(o.type) && o.triggered);

  /** Shared-lock OCO: the leg about to execute takes its sibling's lock (same asset, no balance moves). */
  const takeLock = (order: SimOrder, sibling: SimOrder): void => {
    if (!isPositive(sibling.locked) || sibling.lockedAsset !== order.lockedAsset) return;
    order.locked = add(order.locked, sibling.locked);
    sibling.locked = '0';
  };

  const siblingOf = (order: SimOrder): SimOrder | undefined => {
    if (order.orderListId === undefined) return undefined;
    const list = deps.list(order.orderListId);
    if (list === undefined || list.listOrderStatus !== 'EXECUTING' || list.pair === undefined) return undefined;
    const [a, b] = list.pair;
    if (order.orderId !== a && order.orderId !== b) return undefined;
    const other = book.byId(order.orderId === a ? b : a);
    return other !== undefined && isOpen(other) && other.status !== 'PENDING_NEW' ? other : undefined;
  };

  /** OCO rules on a pair: once one leg started, the other expires and the list is done. */
  const settlePair = (list: SimOrderList, pair: SimOrder[], now: number): void => {
    const first = pair.find(started);
    if (first === undefined) return;
    for (const other of pair) {
      if (other === first || !isOpen(other)) continue;
      takeLock(first, other);
      deps.engine().expire(other, 'OCO_TRIGGER');
    }
    done(list, now);
  };

  const activate = (list: SimOrderList, now: number): void => {
    const engine = deps.engine();
    const pendingLegs = list.pending;
    list.pending = [];
    const isPair = pendingLegs.length === 2;
    let holder: SimOrder | undefined;
    for (const leg of pendingLegs) {
      const record = book.byId(leg.orderId);
      if (record === undefined || record.status !== 'PENDING_NEW') continue;
      try {
        const extras = { orderId: leg.orderId, orderListId: list.orderListId, ...(isPair && holder !== undefined && { lock: '0' }) };
        const placed = engine.place(leg.request, extras);
        holder ??= placed.order;
      } catch (error) {
        if (!(error instanceof SimError)) throw error;
        engine.expire(record, 'REJECTED');
      }
    }
    emit(list, now);
    // A stop placed past its price (the entry filled on a gap) triggers at once, at the current price.
    const price = deps.price(list.symbol);
    const stops = pendingLegs.some((leg) => isStopType(leg.request.type));
    if (stops && price !== undefined) engine.onTick({ symbol: list.symbol, price, time: now });
  };

  const apply = (list: SimOrderList, now: number): void => {
    const all = legs(list);
    const engine = deps.engine();
    if (all.some((o) => o.status === 'CANCELED')) {
      for (const o of all) if (isOpen(o)) engine.cancel(o.symbol, { orderId: o.orderId });
      done(list, now);
      return;
    }
    if (list.kind === 'OCO') {
      settlePair(list, all, now);
      return;
    }
    const working = all[0]!;
    if (isOpen(working)) return;
    if (working.status !== 'FILLED') {
      for (const o of all.slice(1)) if (isOpen(o)) engine.expire(o, 'OTO_PHASE_ONE_EXPIRED');
      done(list, now);
      return;
    }
    if (list.pending.length > 0) activate(list, now);
    const after = legs(list).slice(1);
    if (list.kind === 'OTOCO') settlePair(list, after, now);
    else if (after.every((o) => !isOpen(o))) done(list, now);
  };

  return {
    apply,
    done,
    legs,
    beforeExecution(order, kind, now) {
      const sibling = siblingOf(order);
      if (sibling === undefined) return;
      takeLock(order, sibling);
      // A stop that triggers cancels the other leg before it executes; a limit leg fills first (apply expires the other).
      if (kind !== 'trigger') return;
      deps.quietly(() => deps.engine().expire(sibling, 'OCO_TRIGGER'));
      done(deps.list(order.orderListId!)!, now);
    },
  };
}
