/**
 * Order lists on the paper exchange (rest-api.md "Order lists", user-data-stream.md "listStatus"):
 * OCO (two legs, one cancels the other), OTO (a working order whose fill places a pending one)
 * and OTOCO (an OTO whose pending part is an OCO pair).
 *
 * The legs are ordinary engine orders carrying `orderListId`. This module places, finds, cancels
 * and persists the lists and announces them (`listStatus`); what happens to the other legs when
 * one moves is order-list-rules.ts.
 *
 * `sync()` runs after every engine change (the engine's onChange), so the rules hold whatever
 * moved the orders: a tick, a REST cancel, a fill at placement.
 */
import type { MatchingEngine } from './matching-engine.js';
import { newClientOrderId } from './matching-engine.js';
import type { OrderBook, SimFill, SimOrder } from './order-book.js';
import { isOpen } from './order-book.js';
import { createListRules } from './order-list-rules.js';
import type { NewOrderRequest } from './order-validation.js';
import { SimError, simErrors } from '../sim-error.js';
import type { ListStatusEvent, UserDataEvent, UserEventSource } from '../types.js';

export type ListKind = 'OCO' | 'OTO' | 'OTOCO';

export interface PendingLeg {
  orderId: number;
  request: NewOrderRequest;
}

/** The persisted record of one order list. */
export interface SimOrderList {
  orderListId: number;
  kind: ListKind;
  listClientOrderId: string;
  symbol: string;
  transactionTime: number;
  listStatusType: 'EXEC_STARTED' | 'ALL_DONE';
  listOrderStatus: 'EXECUTING' | 'ALL_DONE';
  /** Leg ids in the order Binance lists them (OTO/OTOCO: the working order first). */
  orderIds: number[];
  /** The one-cancels-the-other pair: both legs of an OCO, the pending legs of an OTOCO. */
  pair?: [number, number];
  /** OTO/OTOCO legs still to be placed when the working order fills. */
  pending: PendingLeg[];
}

export interface ListLeg {
  request: NewOrderRequest;
  /** The lock this leg takes ('0' for the second leg of an OCO pair). */
  lock?: string;
}

export interface ListPlaced {
  list: SimOrderList;
  placed: Array<{ order: SimOrder; fills: SimFill[] }>;
  transactTime: number;
}

export interface ListCanceled {
  list: SimOrderList;
  canceled: SimOrder[];
  cancelClientOrderId: string;
  transactTime: number;
}

export interface ListRef {
  orderListId?: number;
  listClientOrderId?: string;
}

export interface OrderListsState {
  lists: SimOrderList[];
  nextOrderListId: number;
}

export interface OrderLists extends UserEventSource {
  /** OCO: both legs on the book at once. */
  placeOco(symbol: string, listClientOrderId: string | undefined, legs: [ListLeg, ListLeg]): ListPlaced;
  /** OTO (one pending leg) or OTOCO (two): the working order now, the rest PENDING_NEW. */
  placeOto(symbol: string, listClientOrderId: string | undefined, working: NewOrderRequest, pending: NewOrderRequest[]): ListPlaced;
  cancel(symbol: string, ref: ListRef, cancelClientOrderId?: string): ListCanceled;
  find(ref: ListRef): SimOrderList;
  open(): SimOrderList[];
  all(): SimOrderList[];
  /** Keeps every list's rules after an engine change. */
  sync(): void;
  /** The engine's beforeExecution hook. */
  beforeExecution(order: SimOrder, kind: 'trigger' | 'fill', now: number): void;
  /** True when an open list holds this listClientOrderId. */
  hasOpenClientId(listClientOrderId: string): boolean;
  snapshot(): OrderListsState;
  restore(state: OrderListsState): void;
  clear(): void;
}

export interface OrderListsDeps {
  /** The engine (a getter: the engine is built with this module's hooks). */
  engine: () => MatchingEngine;
  book: OrderBook;
  clock: () => number;
  /** The symbol's current price (a pending stop activated past its price triggers at once). */
  price: (symbol: string) => string | undefined;
}

/** Finished lists kept in the state file (the simulator keeps 1000 closed orders by default). */
const KEPT_FINISHED_LISTS = 1000;

export const listErrors = {
  notFound: () => new SimError(400, -2013, 'Order list does not exist.'),
  cancelUnknown: () => simErrors.cancelRejected(),
} as const;

export function createOrderLists(deps: OrderListsDeps): OrderLists {
  const { book, clock } = deps;
  const lists = new Map<number, SimOrderList>();
  const listeners = new Set<(event: UserDataEvent) => void>();
  let nextOrderListId = 0;
  /** Set while a list is being placed or cancelled: its own engine calls must not trigger sync. */
  let busy = false;
  let syncing = false;
  let again = false;

  const emit = (list: SimOrderList, now: number): void => {
    const event: ListStatusEvent = {
      e: 'listStatus',
      E: now,
      s: list.symbol,
      g: list.orderListId,
      c: list.kind === 'OCO' ? 'OCO' : 'OTO',
      l: list.listStatusType,
      L: list.listOrderStatus,
      r: 'NONE',
      C: list.listClientOrderId,
      T: now,
      O: list.orderIds.map((id) => ({ s: list.symbol, i: id, c: book.byId(id)?.clientOrderId ?? '' })),
    };
    for (const listener of listeners) {
      try {
        listener(event);
      } catch {
        // A subscriber's failure must not break matching.
      }
    }
  };

  const placing = <T>(run: () => T): T => {
    busy = true;
    try {
      return run();
    } finally {
      busy = false;
    }
  };
  const rules = createListRules({ engine: deps.engine, book, price: deps.price, list: (id) => lists.get(id), emit, quietly: placing });
  const { done, legs } = rules;

  const sync = (): void => {
    if (busy) return;
    if (syncing) {
      again = true;
      return;
    }
    syncing = true;
    try {
      do {
        again = false;
        for (const list of lists.values()) {
          if (list.listOrderStatus === 'EXECUTING') rules.apply(list, clock());
        }
      } while (again);
    } finally {
      syncing = false;
    }
  };

  const register = (symbol: string, kind: ListKind, listClientOrderId: string | undefined, now: number): SimOrderList => {
    const clientId = listClientOrderId ?? newClientOrderId();
    const list: SimOrderList = {
      orderListId: nextOrderListId,
      kind,
      listClientOrderId: clientId,
      symbol,
      transactionTime: now,
      listStatusType: 'EXEC_STARTED',
      listOrderStatus: 'EXECUTING',
      orderIds: [],
      pending: [],
    };
    return list;
  };

  const commit = (list: SimOrderList): void => {
    lists.set(list.orderListId, list);
    nextOrderListId += 1;
  };

  const find = (ref: ListRef): SimOrderList => {
    if (ref.orderListId !== undefined) {
      const list = lists.get(ref.orderListId);
      if (list === undefined) throw listErrors.notFound();
      if (ref.listClientOrderId !== undefined && list.listClientOrderId !== ref.listClientOrderId) throw listErrors.notFound();
      return list;
    }
    // The most recent list that carried the id (ids are unique among open lists only).
    const matches = [...lists.values()].filter((l) => l.listClientOrderId === ref.listClientOrderId);
    const list = matches.at(-1);
    if (list === undefined) throw listErrors.notFound();
    return list;
  };

  return {
    placeOco(symbol, listClientOrderId, [first, second]) {
      const engine = deps.engine();
      const now = clock();
      const list = register(symbol, 'OCO', listClientOrderId, now);
      const placed = placing(() => {
        const a = engine.place(first.request, { orderListId: list.orderListId, ...(first.lock !== undefined && { lock: first.lock }) });
        let b;
        try {
          b = engine.place(second.request, { orderListId: list.orderListId, lock: second.lock ?? '0' });
        } catch (error) {
          // The pair goes on the book whole or not at all.
          if (isOpen(a.order)) engine.expire(a.order, 'REJECTED');
          throw error;
        }
        return [a, b];
      });
      list.orderIds = placed.map((p) => p.order.orderId);
      list.pair = [placed[0]!.order.orderId, placed[1]!.order.orderId];
      commit(list);
      emit(list, now);
      sync();
      return { list, placed, transactTime: now };
    },
    placeOto(symbol, listClientOrderId, working, pending) {
      const engine = deps.engine();
      const now = clock();
      const list = register(symbol, pending.length === 2 ? 'OTOCO' : 'OTO', listClientOrderId, now);
      const placed = placing(() => {
        const w = engine.place(working, { orderListId: list.orderListId });
        const rest = pending.map((request) => engine.place(request, { orderListId: list.orderListId, pending: true }));
        return [w, ...rest];
      });
      list.orderIds = placed.map((p) => p.order.orderId);
      list.pending = placed.slice(1).map((p, i) => ({ orderId: p.order.orderId, request: pending[i]! }));
      if (pending.length === 2) list.pair = [list.orderIds[1]!, list.orderIds[2]!];
      commit(list);
      emit(list, now);
      // The placement answer shows the pending legs as PENDING_NEW even when the working order filled at once.
      const snapshot = placed.map((p) => ({ order: { ...p.order }, fills: p.fills }));
      sync();
      return { list, placed: snapshot, transactTime: now };
    },
    cancel(symbol, ref, cancelClientOrderId) {
      let list: SimOrderList;
      try {
        list = find(ref);
      } catch {
        throw listErrors.cancelUnknown();
      }
      if (list.symbol !== symbol || list.listOrderStatus !== 'EXECUTING') throw listErrors.cancelUnknown();
      const engine = deps.engine();
      const now = clock();
      const cancelId = cancelClientOrderId ?? newClientOrderId();
      const canceled = placing(() => legs(list).filter(isOpen).map((o) => engine.cancel(symbol, { orderId: o.orderId }, cancelId).order));
      done(list, now);
      return { list, canceled, cancelClientOrderId: cancelId, transactTime: now };
    },
    find,
    open: () => [...lists.values()].filter((l) => l.listOrderStatus === 'EXECUTING'),
    all: () => [...lists.values()],
    sync,
    beforeExecution: (order, kind, now) => rules.beforeExecution(order, kind, now),
    hasOpenClientId: (id) => [...lists.values()].some((l) => l.listOrderStatus === 'EXECUTING' && l.listClientOrderId === id),
    snapshot() {
      // Every open list and the most recent finished ones, as the orders themselves are kept.
      const all = [...lists.values()];
      const finished = all.filter((l) => l.listOrderStatus !== 'EXECUTING');
      const kept = new Set(finished.slice(-KEPT_FINISHED_LISTS));
      return { lists: all.filter((l) => l.listOrderStatus === 'EXECUTING' || kept.has(l)), nextOrderListId };
    },
    restore(state) {
      lists.clear();
      for (const l of state.lists) lists.set(l.orderListId, l);
      nextOrderListId = Math.max(nextOrderListId, state.nextOrderListId);
    },
    clear() {
      lists.clear();
    },
    onUserEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
