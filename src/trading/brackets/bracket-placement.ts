/**
 * Placing a plan's exits exactly once (DESIGN.md §4, §5b), inside the order worker's job:
 *
 * - LIMIT entry: one list, `POST /api/v3/orderList/otoco` (stop and target pending as an OCO) or
 *   `/oto` (one exit), whose working leg is the entry under the intent's own client order id.
 * - MARKET entry: after the order (placed by the pipeline as any order), the exits for the quantity
 *   received, net of a commission paid in the base asset: `POST /api/v3/orderList/oco` with both,
 *   `POST /api/v3/order` with one.
 *
 * Each placement is the pipeline's §4 step for one client id: look it up first (an earlier
 * attempt, or a worker that died, may have placed it), take the "send attempted" mark fenced by
 * the job's lock, send signed by the bound a taker-over waits out, and on an unknown outcome look
 * again until the request can no longer execute (order-lookup.ts). The list's and the legs' ids
 * derive from the intent id (bracket-ids.ts), so two attempts can never place two lists.
 */
import { add, div, floorToStep, isPositive, normalize, sub } from '../../decimal.js';
import { isExchangeError } from '../../errors.js';
import type { ListLegParams, NewOrderParams, Order, OrderList, SymbolInfo } from '../../binance/types.js';
import type { ExchangeClient } from '../../binance/exchange-client.js';
import { createLookup, createOrderLookup, OutcomeUnknownError, type OrderLookupOptions } from '../orders/order-lookup.js';
import { recordOf, type OrderRecords, type SendFence } from '../orders/order-records.js';
import type { SymbolLookup } from '../orders/order-pricing.js';
import type { OrderIntent } from '../types.js';
import { bracketListId, bracketStopId, bracketTargetId, legOf } from './bracket-ids.js';
import type { BracketPlan } from './bracket-types.js';

export interface BracketPlacementDeps {
  exchange: ExchangeClient;
  records: OrderRecords;
  symbols: SymbolLookup;
  reconcile?: OrderLookupOptions;
  now?: () => number;
}

/** What protects a position after its MARKET entry filled. */
export type Protection =
  | { kind: 'list'; list: OrderList; quantity: string; adopted: boolean }
  | { kind: 'order'; order: Order; quantity: string; adopted: boolean }
  /** Nothing was bought (the entry expired unfilled): nothing to protect. */
  | { kind: 'nothing' };

export interface BracketPlacement {
  /** A LIMIT entry's list: found by its id, or placed. */
  placeList(intent: OrderIntent, params: Promise<NewOrderParams>, fence: SendFence, beforeSend: () => void): Promise<{ list: OrderList; entry: Order; adopted: boolean }>;
  /** The exits of a filled MARKET entry, for what it received. Throws the exchange's refusal as is. */
  protect(intent: OrderIntent, entry: Order, fence: SendFence, attempt: number): Promise<Protection>;
  /** Records of a list's legs, so fills are told against the entry (`entryPrice`: the fill's average, when known). */
  recordLegs(intent: OrderIntent, reports: Order[], entryPrice?: string): Promise<void>;
}

export function createBracketPlacement(deps: BracketPlacementDeps): BracketPlacement {
  const { exchange, records } = deps;
  const now = deps.now ?? Date.now;
  const orders = createOrderLookup(exchange, deps.reconcile);
  const lists = createLookup<{ listClientOrderId: string }, OrderList>(
    (ref) => exchange.getOrderList({ origClientOrderId: ref.listClientOrderId }),
    (ref, cause) => new OutcomeUnknownError({ symbol: '', clientOrderId: ref.listClientOrderId }, cause),
    deps.reconcile,
  );

  /** §4 for one client id: look up, fenced mark, send, reconcile an unknown outcome. */
  async function fencedSend<T>(id: string, fence: SendFence, find: (signedBy: number | undefined) => Promise<T | undefined>, signedByFromMark: (at: number) => number, send: (signBy: number) => Promise<T>, beforeSend: () => void): Promise<{ value: T; adopted: boolean }> {
    const markedAt = await records.sendAttemptedAt(id);
    const existing = await find(markedAt === undefined ? undefined : signedByFromMark(markedAt));
    if (existing) return { value: existing, adopted: true };
    beforeSend();
    const at = now();
    await records.markSendAttempted(id, at, fence);
    try {
      return { value: await send(signedByFromMark(at)), adopted: false };
    } catch (error) {
      if (isExchangeError(error) && (error.kind === 'unknown-outcome' || error.code === 'EXCHANGE_DUPLICATE_ORDER')) {
        const found = await find(now());
        if (found) return { value: found, adopted: true };
        await records.clearSendAttempted(id, fence);
        throw new OutcomeUnknownError({ symbol: '', clientOrderId: id }, error, true);
      }
      if (isExchangeError(error)) await records.clearSendAttempted(id, fence);
      throw error;
    }
  }

  return {
    async placeList(intent, params, fence, beforeSend) {
      const plan = intent.preview.bracket!;
      const listId = bracketListId(intent.id);
      const entryParams = await params;
      const { value: list, adopted } = await fencedSend(
        listId,
        fence,
        (signedBy) => lists.find({ listClientOrderId: listId }, signedBy),
        (at) => lists.signedByFromMark(at),
        (signBy) =>
          exchange.newOto(
            {
              symbol: entryParams.symbol,
              listClientOrderId: listId,
              working: { type: 'LIMIT', side: 'BUY', quantity: entryParams.quantity!, price: entryParams.price!, timeInForce: 'GTC', clientOrderId: intent.clientOrderId },
              pendingSide: 'SELL',
              pendingQuantity: plan.exitQuantity,
              ...exitLegs(plan, listId),
            },
            { signBy },
          ),
        beforeSend,
      );
      const entry = list.orderReports?.find((o) => o.clientOrderId === intent.clientOrderId) ?? (await exchange.getOrder({ symbol: list.symbol, origClientOrderId: intent.clientOrderId }));
      return { list, entry, adopted };
    },

    async protect(intent, entry, fence, attempt) {
      const plan = intent.preview.bracket!;
      const info = await deps.symbols.symbol(entry.symbol);
      if (!info) throw new Error(`${entry.symbol} is not listed any more`);
      const quantity = await receivedQuantity(exchange, entry, info);
      if (!isPositive(quantity)) return { kind: 'nothing' };
      const listId = bracketListId(intent.id, attempt);
      const legs = exitLegs(plan, listId);
      if (legs.pendingAbove && legs.pendingBelow) {
        const { value: list, adopted } = await fencedSend(
          listId,
          fence,
          (signedBy) => lists.find({ listClientOrderId: listId }, signedBy),
          (at) => lists.signedByFromMark(at),
          (signBy) => exchange.newOco({ symbol: entry.symbol, side: 'SELL', quantity, listClientOrderId: listId, above: legs.pendingAbove!, below: legs.pendingBelow! }, { signBy }),
          () => undefined,
        );
        return { kind: 'list', list, quantity, adopted };
      }
      const leg = legs.pending!;
      const clientOrderId = leg.clientOrderId!;
      const { value: order, adopted } = await fencedSend(
        clientOrderId,
        fence,
        (signedBy) => orders.find({ symbol: entry.symbol, clientOrderId }, signedBy),
        (at) => orders.signedByFromMark(at),
        (signBy) =>
          exchange.newOrder(
            { symbol: entry.symbol, side: 'SELL', type: leg.type, quantity, ...(leg.price ? { price: leg.price } : {}), ...(leg.stopPrice ? { stopPrice: leg.stopPrice } : {}), ...(leg.timeInForce ? { timeInForce: leg.timeInForce } : {}), newClientOrderId: clientOrderId, newOrderRespType: 'FULL' },
            { signBy },
          ),
        () => undefined,
      );
      return { kind: 'order', order, quantity, adopted };
    },

    async recordLegs(intent, reports, entryPrice = intent.preview.bracket!.entryPrice) {
      const plan = intent.preview.bracket!;
      const at = now();
      for (const report of reports) {
        if (report.clientOrderId === intent.clientOrderId) continue;
        const leg = legOf(report.clientOrderId);
        // 1R stays what the card promised (planned entry − stop); the result is against the real entry.
        const riskPerUnit = plan.stop ? sub(plan.entryPrice, plan.stop.stopPrice) : undefined;
        await records.save(
          recordOf(report, { intentId: intent.id, userId: intent.userId, chatId: intent.chatId, entryPrice, ...(leg ? { leg } : {}), ...(riskPerUnit ? { riskPerUnit } : {}) }, at),
        );
      }
    },
  };
}

/** The exits as list legs: the take-profit above (LIMIT_MAKER), the stop below (STOP_LOSS_LIMIT). */
function exitLegs(plan: BracketPlan, listId: string): { pending?: ListLegParams; pendingAbove?: ListLegParams; pendingBelow?: ListLegParams } {
  const stop = plan.stop ? { type: 'STOP_LOSS_LIMIT' as const, stopPrice: plan.stop.stopPrice, price: plan.stop.limitPrice, timeInForce: 'GTC' as const, clientOrderId: bracketStopId(listId) } : undefined;
  const target = plan.target ? { type: 'LIMIT_MAKER' as const, price: plan.target.price, clientOrderId: bracketTargetId(listId) } : undefined;
  if (stop && target) return { pendingAbove: target, pendingBelow: stop };
  return { pending: (stop ?? target)! };
}

/** What a BUY left in the base asset: its executed quantity less a commission paid in it, floored to the step. */
export async function receivedQuantity(exchange: Pick<ExchangeClient, 'orderTrades'>, entry: Order, info: SymbolInfo): Promise<string> {
  let commission = '0';
  // GET order has no fills: the trades of the order say what it paid.
  const fills = entry.fills ?? (isPositive(entry.executedQty) ? await exchange.orderTrades(entry.symbol, entry.orderId) : []);
  for (const f of fills) if (f.commissionAsset === info.baseAsset) commission = add(commission, f.commission);
  const lot = info.filters.find((f) => f.filterType === 'LOT_SIZE') as { stepSize?: string } | undefined;
  const step = lot?.stepSize && isPositive(lot.stepSize) ? lot.stepSize : '0.00000001';
  return normalize(floorToStep(sub(entry.executedQty, commission), step));
}

/** A filled order's average price, to the symbol's price precision plus a few digits. */
export function averageFillPrice(order: Order): string | undefined {
  if (!isPositive(order.executedQty)) return undefined;
  return normalize(div(order.cummulativeQuoteQty, order.executedQty, 12, 'half-up'));
}
