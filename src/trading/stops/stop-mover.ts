/**
 * Moving a managed stop on the exchange (DESIGN.md §5; BINANCE.md "Orders"). Called by the
 * evaluator holding the stop's lease (stop-store.ts `withLock`).
 *
 * - Before anything is sent, the new stop is checked with the filter engine at both of its prices
 *   (checkOrder: PRICE_FILTER, PERCENT_PRICE_BY_SIDE on the limit, NOTIONAL at the limit and at
 *   the stop price). A stop that would fail stays where it is, and the trader is told why.
 * - A resting stop moves with `POST /api/v3/order/cancelReplace` in `STOP_ON_FAILURE` mode, so
 *   there is no moment without a stop: HTTP 200 both steps done; 400 nothing done (the stop
 *   stays); 409 the cancel went through and the new order was refused — the position is
 *   unprotected, so the old stop is placed again at once, and the trader is told.
 * - A stop with no order (waiting for its first fractal, or left unprotected) is placed with
 *   `POST /api/v3/order`. A stop with a take-profit is one OCO list, moved by stop-list-mover.ts.
 * - Every order of a stop has a deterministic client order id, `bst-<stop>-<n>`, and a "send
 *   attempted" mark (order-records.ts) while its request is out. A retried job, or a worker that
 *   restarts after a crash, first looks those ids up (`settle`, stop-settle.ts) and adopts what
 *   it finds instead of sending again — the same rule as the order worker (order-lookup.ts).
 * - Before a cancelReplace the old order's record gets `replacedBy`: its cancel is a move, not
 *   news; a later "unknown order" on that id is our own earlier cancel, not one outside the bot.
 * - A worker may die anywhere in a move. Where the move goes is saved on the stop (`moving`)
 *   before its request leaves, and the trader is told before the outcome is recorded, under an
 *   alert key fixed by the order (`moved-<stop>-<n>`, `replaced-…`, `unprotected-…`): whoever
 *   finishes the move (`settle`, `vanished`) knows its basis and tells it again under the same
 *   key, which the alerts queue delivers once.
 */
import { isPositive, normalize } from '../../decimal.js';
import { isAppError, isExchangeError, userMessageOf } from '../../errors.js';
import type { Logger } from '../../logger.js';
import { checkOrder, priceFilterOf } from '../../binance/filters.js';
import type { CancelReplaceResult, Order, SymbolInfo } from '../../binance/types.js';
import type { ExchangeClient } from '../../binance/exchange-client.js';
import type { AuditLog } from '../audit-log.js';
import type { SymbolLookup } from '../orders/order-pricing.js';
import type { OrderRecords } from '../orders/order-records.js';
import { createOrderLookup, isOrderNotFound, type OrderLookupOptions } from '../orders/order-lookup.js';
import { cancelledOutsideText, movedText, refusedText, replacedText, unprotectedText } from './stop-alert-text.js';
import { createStopOrders } from './stop-orders.js';
import { createStopSettle, OPEN } from './stop-settle.js';
import { levelBasis } from './stop-basis.js';
import { createStopListMover } from './stop-list-mover.js';
import { referencePriceOf, stopLimitPrice } from './stop-pricing.js';
import type { StopStore } from './stop-store.js';
import { stopOrderClientId, type ManagedStop, type MoveOutcome, type MoveTarget } from './stop-types.js';
import type { AlertSink } from '../types.js';
import { sleep } from '../../sleep.js';

export interface StopMoverDeps {
  exchange: ExchangeClient;
  symbols: SymbolLookup;
  store: StopStore;
  records: OrderRecords;
  alerts: AlertSink;
  audit?: AuditLog;
  logger: Logger;
  /** STOP_LIMIT_OFFSET_PCT: the limit price sits this far below the stop price. */
  limitOffsetPct: string;
  /** How a lost answer is settled (order-lookup.ts); pass the REST client's recvWindow and 2 × its time-out. */
  reconcile?: OrderLookupOptions;
  now?: () => number;
}

export interface StopMover {
  moveTo(stop: ManagedStop, target: MoveTarget, market: { price: string }): Promise<MoveOutcome>;
  /** Adopts the order of an earlier attempt whose answer was lost; returns the stop as it now is. */
  settle(stop: ManagedStop): Promise<ManagedStop>;
  /** The stop's order was found closed: forget the stop, and say so when it was cancelled outside the bot. */
  retire(stop: ManagedStop, status: string): Promise<MoveOutcome>;
  /** The stop's order is no longer open (found at start-up): placed again if our own interrupted move cancelled it, else retired. */
  vanished(stop: ManagedStop, status: string): Promise<MoveOutcome>;
  /** /tp: the stop's exchange form becomes one OCO list with this take-profit (stop-list-mover.ts). */
  addTarget(stop: ManagedStop, targetPrice: string): Promise<MoveOutcome>;
}

const isOrder = (value: unknown): value is Order => typeof value === 'object' && value !== null && 'orderId' in value;

/** Re-placing a stop that is off the book: attempts, and the longest wait between them. */
const URGENT = { attempts: 4, maxWaitMs: 15_000 };

export function createStopMover(deps: StopMoverDeps): StopMover {
  const { exchange, store, records } = deps;
  const now = deps.now ?? Date.now;
  const log = deps.logger.child({ module: 'stop-mover' });
  const lookup = createOrderLookup(exchange, deps.reconcile);
  const orders = createStopOrders({ ...deps, lookup, log });
  const { alert, audit, update, recordNew, markOld, adoption, place, orderParams } = orders;
  const settleOrders = createStopSettle({ exchange, records, symbols: deps.symbols, lookup, orders, log });
  const lists = createStopListMover({ ...deps, orders, lookup, log, retire: (s, status) => retire(s, status) });
  const listed = (stop: ManagedStop) => stop.target !== undefined || stop.moving?.targetPrice !== undefined;
  const settle = async (stop: ManagedStop) => lists.settle(await settleOrders(stop));

  /** The position has no stop: a 429 or a connection that never carried it is waited out and tried again, briefly. */
  async function placeUrgently(stop: ManagedStop, n: number, params: ReturnType<typeof orderParams>): Promise<Order> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await place(stop, n, params);
      } catch (error) {
        const retry = isExchangeError(error) && (error.kind === 'rate-limited' || error.kind === 'transient') && attempt < URGENT.attempts;
        if (!retry) throw error;
        const waitMs = Math.min(Math.max(error.retryAfterMs ?? 0, exchange.usage().blockedUntil - now(), 500), URGENT.maxWaitMs);
        log.warn({ stopId: stop.id, attempt, waitMs, code: error.code }, 'stop off the book and the exchange is not taking orders; waiting to place it again');
        await sleep(waitMs);
      }
    }
  }

  /** After a cancel that went through without its replacement: place the old stop again (409). */
  async function reprotect(stop: ManagedStop, n: number, target: MoveTarget, reason: string, info: SymbolInfo | undefined): Promise<MoveOutcome> {
    await markOld(stop, { status: 'CANCELED' });
    try {
      const order = await placeUrgently(stop, n, orderParams(stop, stop.stopPrice!, stop.limitPrice!));
      // Told before it is recorded (see finishMove): a crash in between leaves the send mark, and
      // whoever adopts the order tells it again under the same key.
      const patch: Partial<ManagedStop> = { status: 'active', orderId: order.orderId, clientOrderId: order.clientOrderId, orders: n, moving: undefined };
      await alert({ ...stop, ...patch }, `replaced-${stop.id}-${n}`, replacedText({ ...stop, ...patch }, target, reason, info));
      await recordNew(stop, order);
      const after = await update(stop, patch);
      log.warn({ stopId: stop.id, reason, orderId: order.orderId }, 'stop move refused after the cancel; old stop placed again');
      await audit(after, 're-placed', reason, order.orderId);
      return { kind: 're-placed', stop: after, reason };
    } catch (error) {
      const why = userMessageOf(error);
      // Told first: recorded first, a crash in between would leave a bare position nobody hears about.
      const patch: Partial<ManagedStop> = { status: 'waiting', orders: n, stopPrice: undefined, limitPrice: undefined, orderId: undefined, clientOrderId: undefined, moving: undefined };
      await alert({ ...stop, ...patch }, `unprotected-${stop.id}-${n}`, unprotectedText({ ...stop, ...patch }, `${reason}; then: ${why}`));
      const after = await update(stop, patch);
      log.error({ stopId: stop.id, err: error }, 'stop move refused and the old stop could not be placed again: position unprotected');
      await audit(after, 'unprotected', isAppError(error) ? error.code : 'INTERNAL');
      return { kind: 'unprotected', stop: after, reason: why };
    }
  }

  async function retire(stop: ManagedStop, status: string): Promise<MoveOutcome> {
    if (status === 'FILLED') {
      await store.remove(stop.id);
      // The fill itself is reported by the user data stream (src/alerts), from the order record.
      log.info({ stopId: stop.id, orderId: stop.orderId }, 'managed stop filled; forgotten');
      await audit(stop, 'filled', undefined, stop.orderId);
    } else {
      // Told before it is forgotten (as in finishMove): forgotten first, a crash in between would
      // leave an unprotected position nobody is told about; told twice, the alert key dedupes.
      const info = await deps.symbols.symbol(stop.symbol).catch(() => undefined);
      await alert(stop, `outside-${stop.id}-${stop.orderId ?? 'none'}`, cancelledOutsideText(stop, status, info));
      await store.remove(stop.id);
      log.warn({ stopId: stop.id, orderId: stop.orderId, status }, 'managed stop cancelled outside the bot; forgotten');
      await audit(stop, 'cancelled-outside', status, stop.orderId);
    }
    return { kind: 'gone', stop, status };
  }

  /** The old order was not there to cancel: filled, cancelled by an earlier attempt of ours, or cancelled outside. */
  async function oldOrderGone(stop: ManagedStop, priorReplace: string | undefined, n: number, target: MoveTarget, info: SymbolInfo | undefined): Promise<MoveOutcome> {
    let order: Order | undefined;
    try {
      order = await exchange.getOrder({ symbol: stop.symbol, orderId: stop.orderId! });
    } catch (error) {
      if (!isOrderNotFound(error)) throw error;
    }
    if (order && OPEN.has(order.status)) return { kind: 'unknown', stop };
    if (order?.status === 'CANCELED' && priorReplace !== undefined) {
      return reprotect(stop, n + 1, target, 'an earlier attempt cancelled it and did not finish', info);
    }
    return retire(stop, order?.status ?? 'MISSING');
  }

  async function finishMove(before: ManagedStop, order: Order, n: number, target: MoveTarget, info: SymbolInfo | undefined): Promise<MoveOutcome> {
    if (before.orderId !== undefined) await markOld(before, { status: 'CANCELED' });
    // The trader is told before the move is recorded: a crash in between leaves the send mark, so
    // whoever adopts the order (settle) tells it again under the same key, which the alerts queue
    // delivers once. Recorded first, a crash in between would leave a move nobody is told about.
    const patch = adoption(before, order, n, target);
    await alert({ ...before, ...patch }, `moved-${before.id}-${n}`, movedText(before, { ...before, ...patch }, info));
    await recordNew(before, order);
    const after = await update(before, patch);
    log.info({ stopId: before.id, from: before.stopPrice, to: after.stopPrice, orderId: order.orderId }, before.orderId === undefined ? 'stop placed' : 'stop moved');
    await audit(after, before.orderId === undefined ? 'placed' : 'moved', `${before.stopPrice ?? 'none'} -> ${after.stopPrice}`, order.orderId);
    return { kind: 'moved', stop: after };
  }

  return {
    retire,

    async vanished(stop, status) {
      const asList = listed(stop) ? await lists.vanished(stop, status) : undefined;
      if (asList) return asList;
      const record = stop.clientOrderId ? await records.get(stop.clientOrderId) : undefined;
      if (status === 'CANCELED' && record?.replacedBy !== undefined && stop.stopPrice !== undefined && stop.limitPrice !== undefined) {
        const info = await deps.symbols.symbol(stop.symbol).catch(() => undefined);
        const target = {
          stopPrice: stop.moving?.stopPrice ?? stop.candidate?.stopPrice ?? stop.stopPrice,
          basis: stop.moving?.basis ?? stop.candidate?.basis ?? stop.basis ?? levelBasis(stop.stopPrice),
          closeTime: stop.moving?.closeTime ?? stop.lastEvaluatedClose ?? 0,
        };
        return reprotect(stop, stop.orders + 2, target, 'a move was interrupted after the old stop was cancelled', info);
      }
      return retire(stop, status);
    },

    settle,

    async addTarget(stop, targetPrice) {
      if (stop.stopPrice === undefined || stop.limitPrice === undefined) return { kind: 'refused', stop, reason: 'the stop has no order on the exchange yet' };
      return lists.replace(stop, { stopPrice: stop.stopPrice, limitPrice: stop.limitPrice, targetPrice }, undefined);
    },

    async moveTo(stop, target, market) {
      if (stop.awaitsEntry !== undefined) return { kind: 'unknown', stop }; // pending with its plan's entry: a cancel would cancel the entry (stop-entry.ts)
      const info = await deps.symbols.symbol(stop.symbol);
      const tick = info ? priceFilterOf(info)?.tickSize : undefined;
      if (!info || !tick) return { kind: 'refused', stop, reason: `${stop.symbol} is no longer listed` };
      const limit = stopLimitPrice(target.stopPrice, deps.limitOffsetPct, tick);
      const refuse = async (reason: string, tag: string): Promise<MoveOutcome> => {
        log.warn({ stopId: stop.id, target: target.stopPrice, reason }, 'stop move refused; the stop stays');
        await audit(stop, 'refused', reason);
        await alert(stop, `refused-${stop.id}-${target.basis.openTime}-${tag}`, refusedText(stop, target, reason, info));
        return { kind: 'refused', stop, reason };
      };
      if (!isPositive(limit)) return refuse(`the limit price ${deps.limitOffsetPct}% below ${target.stopPrice} rounds to zero`, 'limit');

      const referencePrice = await referencePriceOf(exchange, stop.symbol, market.price);
      const verdict = checkOrder(
        info,
        { side: 'SELL', type: 'STOP_LOSS_LIMIT', timeInForce: 'GTC', quantity: stop.quantity, price: limit, stopPrice: target.stopPrice },
        { referencePrice },
        'adjust',
      );
      if (!verdict.ok) {
        const filters = [...new Set(verdict.violations.map((v) => v.filter))].join('-');
        return refuse(verdict.violations.map((v) => v.message).join('; '), filters);
      }
      const checked = verdict.order;
      if (stop.target) {
        if (!(await store.get(stop.id))) return { kind: 'gone', stop, status: 'SOLD' };
        return lists.replace(stop, { stopPrice: checked.stopPrice!, limitPrice: checked.price!, targetPrice: stop.target.price }, target);
      }
      const params = orderParams(stop, checked.stopPrice!, checked.price!);
      const n = stop.orders + 1;
      const newId = stopOrderClientId(stop.id, n);
      // Saved before anything leaves: a worker adopting this order after a crash learns its basis here.
      const moving = { clientOrderId: newId, stopPrice: normalize(checked.stopPrice!), basis: target.basis, closeTime: target.closeTime };

      if (stop.orderId === undefined) {
        stop = await update(stop, { moving });
        try {
          return await finishMove(stop, await place(stop, n, params), n, target, info);
        } catch (error) {
          if (isExchangeError(error) && error.kind === 'rejected') return refuse(userMessageOf(error), 'exchange');
          if (isExchangeError(error) && error.kind === 'unknown-outcome') return { kind: 'unknown', stop };
          throw error;
        }
      }

      // cancelReplace STOP_ON_FAILURE: the exchange's own filter check runs before either step.
      if (info.cancelReplaceAllowed !== true) return refuse(`the exchange does not allow cancel-replace on ${stop.symbol}, and a stop is never left off the book to move it`, 'no-cancel-replace');
      const oldOrderId = stop.orderId;
      const priorReplace = stop.clientOrderId ? (await records.get(stop.clientOrderId))?.replacedBy : undefined;
      stop = await update(stop, { moving });
      await markOld(stop, { replacedBy: newId });
      await records.markSendAttempted(newId, now());
      let result: CancelReplaceResult;
      try {
        result = await exchange.cancelReplace({ ...params, cancelReplaceMode: 'STOP_ON_FAILURE', cancelOrderId: oldOrderId, newClientOrderId: newId, newOrderRespType: 'FULL' });
      } catch (error) {
        if (!isExchangeError(error)) throw error;
        const data = error.details.cancelReplace as CancelReplaceResult | undefined;
        if (data && data.cancelResult === 'SUCCESS' && data.newOrderResult !== 'SUCCESS') {
          // 409: the stop is off the book. Put the old one back before anything else.
          await records.clearSendAttempted(newId);
          const failed = data.newOrderResponse;
          return reprotect(stop, n + 1, target, failed && !isOrder(failed) ? failed.msg : userMessageOf(error), info);
        }
        if (data && data.cancelResult === 'FAILURE') {
          await records.clearSendAttempted(newId);
          await markOld(stop, { replacedBy: priorReplace });
          const cancel = data.cancelResponse;
          if (!isOrder(cancel) && (cancel.code === -2011 || cancel.code === -2013)) return oldOrderGone(stop, priorReplace, n, target, info);
          return refuse(userMessageOf(error), 'exchange');
        }
        if (error.kind !== 'unknown-outcome') {
          // Refused, rate-limited before it ran, or never sent: nothing was done.
          await records.clearSendAttempted(newId);
          await markOld(stop, { replacedBy: priorReplace });
          if (error.kind === 'rejected') return refuse(userMessageOf(error), 'exchange');
          throw error;
        }
        // Lost answer: the new id tells whether the move happened; the old order whether the cancel did.
        const found = await lookup.find({ symbol: stop.symbol, clientOrderId: newId }, now());
        if (found) return finishMove(stop, found, n, target, info);
        await records.clearSendAttempted(newId);
        const old = await exchange.getOrder({ symbol: stop.symbol, orderId: oldOrderId }).catch(() => undefined);
        if (old?.status === 'CANCELED') return reprotect(stop, n + 1, target, 'the exchange did not confirm the new stop', info);
        if (old?.status === 'FILLED') return retire(stop, 'FILLED');
        await markOld(stop, { replacedBy: priorReplace });
        return { kind: 'unknown', stop };
      }
      const order = result.newOrderResponse;
      if (!isOrder(order)) throw new Error(`cancelReplace for stop ${stop.id} answered 200 without the new order`);
      return finishMove(stop, order, n, target, info);
    },
  };
}
