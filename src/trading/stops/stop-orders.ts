/**
 * The exchange orders and order records of managed stops (stop-mover.ts uses them): placing a
 * stop's n-th order under its deterministic client order id with a "send attempted" mark,
 * recording every order with the stop's id and entry price (what the fill alerts read,
 * src/alerts), marking a replaced order with `replacedBy`, adopting an order as the stop's
 * current one, and saving the stop over its newest version.
 */
import { markedSend } from '../orders/marked-send.js';
import { normalize } from '../../decimal.js';
import type { Logger } from '../../logger.js';
import type { NewOrderParams, Order } from '../../binance/types.js';
import type { ExchangeClient } from '../../binance/exchange-client.js';
import type { AuditLog } from '../audit-log.js';
import { recordOf, type OrderRecords } from '../orders/order-records.js';
import type { OrderLookup } from '../orders/order-lookup.js';
import type { StopStore } from './stop-store.js';
import { stopOrderClientId, type ManagedStop, type StopBasis } from './stop-types.js';
import type { AlertSink } from '../types.js';

export interface StopOrdersDeps {
  exchange: ExchangeClient;
  store: StopStore;
  records: OrderRecords;
  alerts: AlertSink;
  audit?: AuditLog;
  lookup: OrderLookup;
  log: Logger;
  now?: () => number;
}

/** What an adopted order moved to, when known (the evaluation's target). */
export interface AdoptTarget {
  basis: StopBasis;
  closeTime: number;
}

export type StopOrderParams = Omit<NewOrderParams, 'newClientOrderId'>;

export function createStopOrders(deps: StopOrdersDeps) {
  const { exchange, store, records, alerts, lookup, log } = deps;
  const now = deps.now ?? Date.now;

  const alert = (stop: ManagedStop, key: string, text: string) =>
    alerts.enqueue({ key: `stop-${key}`, chatId: stop.chatId, userId: stop.userId, category: 'stop', text }).catch((error: unknown) =>
      log.error({ err: error, stopId: stop.id, key }, 'could not queue a stop alert'),
    );
  const audit = (stop: ManagedStop, outcome: string, detail?: string, orderId?: number) =>
    deps.audit?.record({ event: 'stop', userId: stop.userId, intentId: stop.id, symbol: stop.symbol, outcome, ...(detail ? { detail } : {}), ...(orderId !== undefined ? { orderId } : {}) });

  /** Saves `patch` over the newest version of the stop (we hold its lease: only non-exchange fields can have moved). */
  async function update(stop: ManagedStop, patch: Partial<ManagedStop>): Promise<ManagedStop> {
    let current: ManagedStop | undefined = stop;
    for (let attempt = 0; attempt < 5 && current; attempt++) {
      const saved = await store.save({ ...current, ...patch });
      if (saved) return saved;
      current = await store.get(stop.id);
    }
    log.warn({ stopId: stop.id }, 'stop vanished while its order changed');
    return { ...stop, ...patch };
  }

  async function recordNew(stop: ManagedStop, order: Order): Promise<void> {
    await records.save(
      recordOf(order, { intentId: stop.id, userId: stop.userId, chatId: stop.chatId, stopId: stop.id, ...(stop.entryPrice !== undefined ? { entryPrice: stop.entryPrice } : {}) }, now()),
    );
    await records.clearSendAttempted(order.clientOrderId);
  }

  async function markOld(stop: ManagedStop, patch: { status?: 'CANCELED'; replacedBy?: string | undefined }): Promise<void> {
    if (!stop.clientOrderId) return;
    const record = await records.get(stop.clientOrderId);
    if (!record) return;
    const next = { ...record, ...(patch.status ? { status: patch.status } : {}), updatedAt: now() };
    if ('replacedBy' in patch) {
      if (patch.replacedBy === undefined) delete next.replacedBy;
      else next.replacedBy = patch.replacedBy;
    }
    await records.save(next);
  }

  /**
   * What the stop becomes once order `n` protects it. Where it moved to: the evaluation's target,
   * else the move saved before the request left (`moving`, for that order only), else the
   * candidate or the current basis.
   */
  function adoption(stop: ManagedStop, order: Order, n: number, target: AdoptTarget | undefined): Partial<ManagedStop> {
    const stopPrice = normalize(order.stopPrice ?? stop.stopPrice ?? '0');
    const pending = stop.moving?.clientOrderId === order.clientOrderId ? stop.moving : undefined;
    const basis = target?.basis ?? pending?.basis ?? stop.candidate?.basis ?? stop.basis;
    const closeTime = target?.closeTime ?? pending?.closeTime ?? stop.lastEvaluatedClose ?? 0;
    const moved = stop.stopPrice === undefined || stopPrice !== normalize(stop.stopPrice);
    return {
      status: 'active',
      orderId: order.orderId,
      clientOrderId: order.clientOrderId,
      stopPrice,
      limitPrice: normalize(order.price),
      orders: Math.max(stop.orders, n),
      moving: undefined,
      ...(moved && basis ? { basis, lastMove: { at: now(), ...(stop.stopPrice !== undefined ? { from: stop.stopPrice } : {}), to: stopPrice, basis, closeTime } } : {}),
    };
  }

  /** The order `n` now protects the stop. */
  async function adopt(stop: ManagedStop, order: Order, n: number, target: AdoptTarget | undefined): Promise<ManagedStop> {
    await recordNew(stop, order);
    return update(stop, adoption(stop, order, n, target));
  }

  async function place(stop: ManagedStop, n: number, params: StopOrderParams): Promise<Order> {
    const id = stopOrderClientId(stop.id, n);
    return markedSend(
      records,
      id,
      now,
      () => exchange.newOrder({ ...params, newClientOrderId: id, newOrderRespType: 'FULL' }),
      () => lookup.find({ symbol: stop.symbol, clientOrderId: id }, now()),
    );
  }

  const orderParams = (stop: ManagedStop, stopPrice: string, limitPrice: string): StopOrderParams => ({
    symbol: stop.symbol,
    side: 'SELL',
    type: 'STOP_LOSS_LIMIT',
    timeInForce: 'GTC',
    quantity: stop.quantity,
    price: limitPrice,
    stopPrice,
  });

  return { alert, audit, update, recordNew, markOld, adoption, adopt, place, orderParams };
}

export type StopOrders = ReturnType<typeof createStopOrders>;
