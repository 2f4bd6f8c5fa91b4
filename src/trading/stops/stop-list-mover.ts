/**
 * A managed stop with a take-profit (DESIGN.md §5b): its exchange form is one OCO list, the stop
 * leg (STOP_LOSS_LIMIT) below and the target (LIMIT_MAKER) above, on the same quantity: spot
 * Binance cannot hold two orders on one balance. Binance has no replace for lists, so a move
 * (a trailing rule's, or /tp turning a lone stop into a list) is, in one call under the stop's
 * lease:
 *
 *   1. save where the move goes on the stop (`moving`: stop, limit, target, the new list's stop
 *      leg id) and mark the old orders' records `replacedBy` (their cancel is a move, not news);
 *   2. cancel the old form: `DELETE /api/v3/orderList`, or `DELETE /api/v3/order` for a lone stop;
 *   3. read the price: at or below the stop (the old one, or the one it moves to), the stop would
 *      have fired, so sell at market (`bsx-<stop>-<n>`) and tell the trader; otherwise
 *   4. `POST /api/v3/orderList/oco` under `bkl-<stop>-m<n>` with the §4 rules: a send mark, a
 *      sign-by deadline, and on an unknown outcome a look-up by listClientOrderId
 *      (createLookup, order-lookup.ts) before anything else;
 *   5. tell the trader, then record the legs and the stop.
 *
 * A worker may die anywhere in it. `settle` adopts a list (or a market sell) whose answer was
 * lost; `vanished` finishes a move whose cancel went through and whose list never came (the old
 * stop leg is found CANCELED with `replacedBy` set), under the next id, after the same price
 * check. So the position is without a stop only between steps 2 and 4 of one move.
 */
import { isPositive, lte, max, normalize } from '../../decimal.js';
import { isExchangeError, userMessageOf } from '../../errors.js';
import type { Logger } from '../../logger.js';
import type { Order, OrderList, SymbolInfo } from '../../binance/types.js';
import type { ExchangeClient } from '../../binance/exchange-client.js';
import { bracketStopId, bracketTargetId, crossedSellId, legOf, stopListId } from '../brackets/bracket-ids.js';
import { createLookup, isOrderNotFound, type OrderLookup, type OrderLookupOptions } from '../orders/order-lookup.js';
import { recordOf, type OrderRecords } from '../orders/order-records.js';
import type { SymbolLookup } from '../orders/order-pricing.js';
import { movedText, unprotectedText } from './stop-alert-text.js';
import { crossedText, targetLine, targetSetText } from './stop-list-text.js';
import type { StopOrders } from './stop-orders.js';
import type { StopStore } from './stop-store.js';
import type { ManagedStop, MoveOutcome, MoveTarget } from './stop-types.js';
import { levelBasis } from './stop-basis.js';
import { OPEN } from './stop-settle.js';
import { markedSend } from '../orders/marked-send.js';

export interface StopListMoverDeps {
  exchange: ExchangeClient;
  symbols: SymbolLookup;
  store: StopStore;
  records: OrderRecords;
  orders: Pick<StopOrders, 'alert' | 'audit' | 'update' | 'markOld' | 'adoption'>;
  /** Orders looked up by client order id (the crossed-stop market sell). */
  lookup: OrderLookup;
  log: Logger;
  reconcile?: OrderLookupOptions;
  /** The stop's orders are closed: forget it (stop-mover.ts). */
  retire(stop: ManagedStop, status: string): Promise<MoveOutcome>;
  now?: () => number;
}

/** What the new list carries. */
export interface ListExits {
  stopPrice: string;
  limitPrice: string;
  targetPrice: string;
}

export interface StopListMover {
  /** Cancels the stop's exchange form and places one OCO list with `exits` (or sells, if the price crossed the stop). */
  replace(stop: ManagedStop, exits: ListExits, target: MoveTarget | undefined): Promise<MoveOutcome>;
  /** Adopts a list or a crossed-stop sell whose answer was lost; returns the stop as it now is. */
  settle(stop: ManagedStop): Promise<ManagedStop>;
  /** The stop leg is closed (found at a sweep); undefined when it is not this module's case. */
  vanished(stop: ManagedStop, status: string): Promise<MoveOutcome | undefined>;
}

export function createStopListMover(deps: StopListMoverDeps): StopListMover {
  const { exchange, records, store, log } = deps;
  const { alert, audit, update, markOld, adoption } = deps.orders;
  const now = deps.now ?? Date.now;
  const lists = createLookup<string, OrderList>(
    (id) => exchange.getOrderList({ origClientOrderId: id }),
    (id, cause) => Object.assign(new Error(`${id}: could not find out whether the list was placed`), { cause }),
    deps.reconcile,
  );
  const info = (symbol: string): Promise<SymbolInfo | undefined> => deps.symbols.symbol(symbol).catch(() => undefined);

  /** Both legs' records: their cancel is a move (the alerts stay quiet), or done. */
  async function markLegs(stop: ManagedStop, patch: { status?: 'CANCELED'; replacedBy?: string | undefined }): Promise<void> {
    await markOld(stop, patch);
    if (stop.target?.orderId !== undefined) await markOld({ ...stop, clientOrderId: bracketTargetId(stop.target.listClientOrderId ?? 'b') }, patch);
  }

  /** `gone`: the stop leg was closed before our cancel (its status says how). */
  async function cancelOld(stop: ManagedStop): Promise<'cancelled' | 'open' | { gone: string }> {
    if (stop.orderId === undefined) return 'cancelled';
    try {
      if (stop.target?.orderListId !== undefined) await exchange.cancelOrderList({ symbol: stop.symbol, orderListId: stop.target.orderListId });
      else await exchange.cancelOrder({ symbol: stop.symbol, orderId: stop.orderId });
      return 'cancelled';
    } catch (error) {
      const missing = isOrderNotFound(error) || (isExchangeError(error) && error.binanceCode === -2011);
      if (!missing && !(isExchangeError(error) && error.kind === 'unknown-outcome')) throw error;
      const leg = await exchange.getOrder({ symbol: stop.symbol, orderId: stop.orderId }).catch(() => undefined);
      if (leg && OPEN.has(leg.status)) return 'open';
      return leg?.status === 'CANCELED' && !missing ? 'cancelled' : { gone: leg?.status ?? 'MISSING' };
    }
  }

  /** §4 for one client id (marked-send.ts), signed by the bound a taker-over waits out. */
  const send = <T>(id: string, find: (signedBy: number) => Promise<T | undefined>, signedBy: (at: number) => number, post: (signBy: number) => Promise<T>): Promise<T> =>
    markedSend(records, id, now, (at) => post(signedBy(at)), () => find(now()));

  async function sellCrossed(stop: ManagedStop, n: number, price: string, found?: Order): Promise<MoveOutcome> {
    const id = crossedSellId(stop.id, n);
    const symbolInfo = await info(stop.symbol);
    let order: Order | undefined = found;
    try {
      order ??= await send(
        id,
        (signedBy) => deps.lookup.find({ symbol: stop.symbol, clientOrderId: id }, signedBy),
        (at) => deps.lookup.signedByFromMark(at),
        (signBy) => exchange.newOrder({ symbol: stop.symbol, side: 'SELL', type: 'MARKET', quantity: stop.quantity, newClientOrderId: id, newOrderRespType: 'FULL' }, { signBy }),
      );
    } catch (error) {
      const why = userMessageOf(error);
      await alert(stop, `crossed-${stop.id}-${n}`, crossedText(stop, price, undefined, symbolInfo, why));
      const after = await update(stop, { status: 'waiting', orders: n, stopPrice: undefined, limitPrice: undefined, orderId: undefined, clientOrderId: undefined, moving: undefined });
      log.error({ stopId: stop.id, err: error }, 'stop crossed during a list move and the market sell failed: position unprotected');
      await audit(after, 'unprotected', 'crossed-sell-failed');
      return { kind: 'unprotected', stop: after, reason: why };
    }
    // Told before it is forgotten: a crash in between is settled by the sell's send mark, and told again under this key.
    await alert(stop, `crossed-${stop.id}-${n}`, crossedText(stop, price, order, symbolInfo));
    await records.save(recordOf(order, { intentId: stop.id, userId: stop.userId, chatId: stop.chatId, stopId: stop.id, ...(stop.entryPrice !== undefined ? { entryPrice: stop.entryPrice } : {}) }, now()));
    await records.clearSendAttempted(id);
    await store.remove(stop.id);
    log.warn({ stopId: stop.id, price, orderId: order.orderId }, 'stop crossed while its list was replaced: sold at market');
    await audit(stop, 'crossed-sold', `${price} <= ${stop.moving?.stopPrice ?? stop.stopPrice}`, order.orderId);
    return { kind: 'gone', stop, status: 'SOLD' };
  }

  /** The list `n` protects the stop now: tell, record the legs, save the stop. */
  async function finish(before: ManagedStop, list: OrderList, n: number, target: MoveTarget | undefined): Promise<MoveOutcome> {
    const legs = list.orderReports ?? (await Promise.all(list.orders.map((leg) => exchange.getOrder({ symbol: leg.symbol, orderId: leg.orderId }))));
    const stopLeg = legs.find((o) => legOf(o.clientOrderId) === 'stop');
    const targetLeg = legs.find((o) => legOf(o.clientOrderId) === 'target');
    if (!stopLeg || !targetLeg) throw new Error(`list ${list.listClientOrderId} of stop ${before.id} lacks a leg`);
    const patch: Partial<ManagedStop> = {
      ...adoption(before, stopLeg, n, target),
      target: { price: normalize(targetLeg.price), orderId: targetLeg.orderId, orderListId: list.orderListId, listClientOrderId: list.listClientOrderId },
    };
    const after = { ...before, ...patch };
    const symbolInfo = await info(before.symbol);
    const moved = before.stopPrice !== undefined && before.stopPrice !== after.stopPrice;
    const text = before.target === undefined || !moved ? targetSetText(after, symbolInfo) : `${movedText(before, after, symbolInfo)}\n${targetLine(after, symbolInfo)}`;
    await alert(after, `moved-${before.id}-${n}`, text);
    for (const leg of legs) {
      const owner = { intentId: before.id, userId: before.userId, chatId: before.chatId, stopId: before.id, leg: legOf(leg.clientOrderId)!, ...(before.entryPrice !== undefined ? { entryPrice: before.entryPrice } : {}) };
      await records.save(recordOf(leg, owner, now()));
    }
    if (before.orderId !== undefined) await markLegs(before, { status: 'CANCELED' });
    await records.clearSendAttempted(list.listClientOrderId);
    const saved = await update(before, patch);
    log.info({ stopId: before.id, from: before.stopPrice, to: saved.stopPrice, target: saved.target?.price, orderListId: list.orderListId }, 'stop list placed');
    await audit(saved, moved ? 'moved' : 'target-set', `${before.stopPrice ?? 'none'} -> ${saved.stopPrice} target ${saved.target?.price}`, stopLeg.orderId);
    return { kind: 'moved', stop: saved };
  }

  /** Step 3 and 4: the old form is off the book; the stop's exits go back on it as one list, or it sells. */
  async function placeList(stop: ManagedStop, n: number, exits: ListExits, target: MoveTarget | undefined): Promise<MoveOutcome> {
    const price = (await exchange.tickerPrice(stop.symbol)).price;
    if (lte(price, max(exits.stopPrice, stop.stopPrice ?? exits.stopPrice))) return sellCrossed(stop, n, price);
    const listId = stopListId(stop.id, n);
    let list: OrderList;
    try {
      list = await send(
        listId,
        async (signedBy) => lists.find(listId, signedBy),
        (at) => lists.signedByFromMark(at),
        (signBy) =>
          exchange.newOco(
            {
              symbol: stop.symbol,
              side: 'SELL',
              quantity: stop.quantity,
              listClientOrderId: listId,
              above: { type: 'LIMIT_MAKER', price: exits.targetPrice, clientOrderId: bracketTargetId(listId) },
              below: { type: 'STOP_LOSS_LIMIT', stopPrice: exits.stopPrice, price: exits.limitPrice, timeInForce: 'GTC', clientOrderId: bracketStopId(listId) },
            },
            { signBy },
          ),
      );
    } catch (error) {
      if (!isExchangeError(error) || error.kind !== 'rejected') throw error;
      // Refused: if the market fell to the stop meanwhile, do what the stop would have done.
      const now_ = (await exchange.tickerPrice(stop.symbol)).price;
      if (lte(now_, max(exits.stopPrice, stop.stopPrice ?? exits.stopPrice))) return sellCrossed(stop, n, now_);
      const why = userMessageOf(error);
      const patch: Partial<ManagedStop> = { status: 'waiting', orders: n, stopPrice: undefined, limitPrice: undefined, orderId: undefined, clientOrderId: undefined, moving: undefined };
      await alert({ ...stop, ...patch }, `unprotected-${stop.id}-${n}`, unprotectedText({ ...stop, ...patch }, `the new stop and target list was refused: ${why}`));
      const after = await update(stop, patch);
      log.error({ stopId: stop.id, err: error }, 'stop list refused after the old one was cancelled: position unprotected until the next close');
      await audit(after, 'unprotected', error.code);
      return { kind: 'unprotected', stop: after, reason: why };
    }
    return finish(stop, list, n, target);
  }

  /** A move whose cancel went through and whose list never came: the list, under id `n` (the earlier one was proved absent by `settle`). */
  async function resume(stop: ManagedStop, n: number, exits: ListExits, target: MoveTarget | undefined): Promise<MoveOutcome> {
    log.warn({ stopId: stop.id, n }, 'finishing a stop list move interrupted after its cancel');
    const moving = { ...(stop.moving ?? { basis: stop.basis ?? levelBasis(exits.stopPrice), closeTime: stop.lastEvaluatedClose ?? 0 }), ...(target ? { basis: target.basis, closeTime: target.closeTime } : {}) };
    stop = await update(stop, { moving: { ...moving, clientOrderId: bracketStopId(stopListId(stop.id, n)), stopPrice: exits.stopPrice, limitPrice: exits.limitPrice, targetPrice: exits.targetPrice } });
    return placeList(stop, n, exits, target);
  }

  return {
    async replace(stop, exits, target) {
      if (stop.target?.orderListId !== undefined && stop.orders === 0 && stop.orderId !== undefined) {
        // A plan's own list: its exits wait for the entry until it fills, and cancelling it would cancel the entry.
        const leg = await exchange.getOrder({ symbol: stop.symbol, orderId: stop.orderId });
        if (leg.status === 'PENDING_NEW') return { kind: 'unknown', stop };
      }
      const prior = stop.clientOrderId ? (await records.get(stop.clientOrderId))?.replacedBy : undefined;
      if (prior !== undefined && stop.orderId !== undefined) {
        // An earlier move of ours may have cancelled the old exits and died before its list.
        const leg = await exchange.getOrder({ symbol: stop.symbol, orderId: stop.orderId }).catch(() => undefined);
        if (leg?.status === 'CANCELED') return resume(stop, stop.orders + 2, exits, target);
        if (leg && !OPEN.has(leg.status)) return (await this.vanished(stop, leg.status)) ?? deps.retire(stop, leg.status);
      }
      const n = stop.orders + 1;
      const moving = { clientOrderId: bracketStopId(stopListId(stop.id, n)), stopPrice: normalize(exits.stopPrice), limitPrice: normalize(exits.limitPrice), targetPrice: normalize(exits.targetPrice), basis: target?.basis ?? stop.basis ?? levelBasis(exits.stopPrice), closeTime: target?.closeTime ?? stop.lastEvaluatedClose ?? 0 };
      stop = await update(stop, { moving });
      await markLegs(stop, { replacedBy: moving.clientOrderId });
      const old: Awaited<ReturnType<typeof cancelOld>> = await cancelOld(stop).catch(async (error: unknown) => {
        await markLegs(stop, { replacedBy: undefined });
        throw error;
      });
      if (old === 'open') {
        await markLegs(stop, { replacedBy: undefined });
        return { kind: 'unknown', stop };
      }
      if (old !== 'cancelled') {
        await markLegs(stop, { replacedBy: undefined });
        return (await this.vanished(stop, old.gone)) ?? deps.retire(stop, old.gone);
      }
      return placeList(stop, n, exits, target);
    },

    async settle(stop) {
      for (const n of [stop.orders + 2, stop.orders + 1]) {
        const sellId = crossedSellId(stop.id, n);
        const sellMark = await records.sendAttemptedAt(sellId);
        if (sellMark !== undefined) {
          const sold = await deps.lookup.find({ symbol: stop.symbol, clientOrderId: sellId }, deps.lookup.signedByFromMark(sellMark));
          if (sold) {
            await sellCrossed(stop, n, sold.price, sold);
            // Forgotten: the caller's next step (a move) finds it gone from the store.
            return { ...stop, status: 'removing', orderId: undefined };
          }
          await records.clearSendAttempted(sellId);
        }
        const listId = stopListId(stop.id, n);
        const markedAt = await records.sendAttemptedAt(listId);
        if (markedAt === undefined) continue;
        const found = await lists.find(listId, lists.signedByFromMark(markedAt));
        if (found && found.listOrderStatus !== 'ALL_DONE') {
          log.warn({ stopId: stop.id, listClientOrderId: listId }, 'adopting a stop list whose answer was lost');
          const outcome = await finish(stop, found, n, undefined);
          return outcome.stop;
        }
        await records.clearSendAttempted(listId);
      }
      return stop;
    },

    async vanished(stop, status) {
      const record = stop.clientOrderId ? await records.get(stop.clientOrderId) : undefined;
      const moving = stop.moving;
      if (status === 'CANCELED' && record?.replacedBy !== undefined && moving?.targetPrice !== undefined && moving.limitPrice !== undefined) {
        // Our own move cancelled it and died before its list: finish it under the next id.
        const n = Math.max(stop.orders + 2, Number(/-m(\d+)$/.exec(record.replacedBy)?.[1] ?? 0) + 1);
        return resume(stop, n, { stopPrice: moving.stopPrice, limitPrice: moving.limitPrice, targetPrice: moving.targetPrice }, undefined);
      }
      if (stop.target?.orderId === undefined || (status !== 'EXPIRED' && status !== 'CANCELED')) return undefined;
      // The stop leg expired: the target filled (the exchange cancels the other leg), or the list was cancelled.
      const targetLeg = await exchange.getOrder({ symbol: stop.symbol, orderId: stop.target.orderId }).catch(() => undefined);
      if (targetLeg && isPositive(targetLeg.executedQty)) return deps.retire(stop, 'FILLED');
      return undefined;
    },
  };
}
