/**
 * A plan whose stop trails (`sl=fractal`, or `sl=atr` as a chandelier stop; DESIGN.md §5b) becomes a managed stop once its exits
 * are on the exchange: the stop manager then follows its rule and moves the exits (stop-mover.ts,
 * and stop-list-mover.ts when a target shares the list). The managed stop's id is the intent's,
 * so a retried job adopts the same stop (the store's create is idempotent), and its moves are
 * lists `bkl-<intent>-m<n>`, apart from the plan's own ids.
 *
 * The plan's first list is adopted as it stands, at once, in the job that placed it, so no fill
 * can come before the stop is managed. Exits placed with a LIMIT entry (OTO, OTOCO) wait in the
 * list as PENDING_NEW until the entry fills, and cancelling or replacing a pending leg cancels the
 * whole list, entry included: such a stop is adopted `awaitsEntry`, is not moved while it waits,
 * and starts trailing from the entry's fill (stop-entry.ts). Once the entry filled, the leg is an
 * ordinary order on the book: moving it cancels nothing else (the entry is done).
 */
import type { Redis } from 'ioredis';
import { normalize } from '../../decimal.js';
import type { Order, OrderList } from '../../binance/types.js';
import { createStopStore, type StopStore } from '../stops/stop-store.js';
import type { ManagedStop, StopKind } from '../stops/stop-types.js';
import type { OrderIntent } from '../types.js';
import type { StopSpec } from './bracket-types.js';
import { legOf } from './bracket-ids.js';

/** The managed stop kind a plan's stop follows after placement; undefined: it stays where it was put. */
export function trailingKindOf(spec: StopSpec): StopKind | undefined {
  return spec.kind === 'fractal' || spec.kind === 'atr' ? spec.kind : undefined;
}

/** The trailing rule's own fields: the fractal the stop sits on, or the chandelier's multiple, ATR and high (the entry at first). */
function trailingFields(stop: NonNullable<NonNullable<OrderIntent['preview']['bracket']>['stop']>, entryPrice: string, armedAt: number): Partial<ManagedStop> {
  const spec = stop.spec;
  if (spec.kind === 'fractal') return stop.fractal ? { basis: { kind: 'fractal', ...stop.fractal } } : {};
  if (spec.kind !== 'atr') return {};
  const high = { price: normalize(entryPrice), openTime: armedAt };
  return { atrMultiple: spec.multiple, high, ...(stop.atr ? { basis: { kind: 'atr', multiple: spec.multiple, atr: stop.atr, high: high.price, openTime: armedAt } } : {}) };
}

export interface PlanTrailing {
  /** Stores the managed stop of a plan whose exits are on the exchange; false when the plan does not trail. */
  adopt(intent: OrderIntent, exits: { list?: OrderList; legs: Order[] }, entryPrice: string): Promise<boolean>;
}

export function createPlanTrailing(options: { redis: Redis; prefix: string; store?: StopStore; now?: () => number }): PlanTrailing {
  const store = options.store ?? createStopStore({ redis: options.redis, prefix: options.prefix });
  const now = options.now ?? Date.now;
  return {
    async adopt(intent, exits, entryPrice) {
      const plan = intent.preview.bracket;
      const kind = plan?.stop ? trailingKindOf(plan.stop.spec) : undefined;
      if (!plan?.stop || !kind || (plan.stop.spec.kind !== 'fractal' && plan.stop.spec.kind !== 'atr')) return false;
      const stopLeg = exits.legs.find((o) => legOf(o.clientOrderId) === 'stop');
      const targetLeg = exits.legs.find((o) => legOf(o.clientOrderId) === 'target');
      if (!stopLeg) return false;
      // Candle time, as a /stop card's: fractals formed (or highs made) after the card's forming candle count.
      const armedAt = plan.stop.armedAt ?? exits.list?.transactionTime ?? stopLeg.transactTime ?? now();
      const stop: Omit<ManagedStop, 'version'> = {
        id: intent.id,
        kind,
        symbol: stopLeg.symbol,
        interval: plan.stop.spec.interval,
        userId: intent.userId,
        chatId: intent.chatId,
        ...(intent.displayName !== undefined ? { displayName: intent.displayName } : {}),
        quantity: normalize(stopLeg.origQty),
        entryPrice: normalize(entryPrice),
        entrySource: 'position',
        armedAt,
        createdAt: now(),
        status: 'active',
        stopPrice: normalize(stopLeg.stopPrice ?? plan.stop.stopPrice),
        limitPrice: normalize(stopLeg.price),
        orderId: stopLeg.orderId,
        clientOrderId: stopLeg.clientOrderId,
        ...trailingFields(plan.stop, entryPrice, armedAt),
        ...(stopLeg.status === 'PENDING_NEW' ? { awaitsEntry: intent.clientOrderId } : {}),
        orders: 0,
        ...(targetLeg && exits.list
          ? { target: { price: normalize(targetLeg.price), orderId: targetLeg.orderId, orderListId: exits.list.orderListId, listClientOrderId: exits.list.listClientOrderId } }
          : {}),
      };
      await store.create(stop);
      return true;
    },
  };
}
