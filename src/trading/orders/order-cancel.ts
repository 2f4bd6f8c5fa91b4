/**
 * Cancelling an order from /cancel or an order's button (DESIGN.md §2 "/cancel"): a cancel whose
 * answer was lost is settled by the order's own status, a refusal becomes a sentence the trader
 * can act on, and a done cancel is told with what filled before it.
 */
import { isPositive } from '../../decimal.js';
import { AppError, isAppError, isExchangeError } from '../../errors.js';
import { escapeHtml, formatAmount } from '../../format.js';
import { stepDecimals, tickDecimals } from '../../binance/filters.js';
import type { Order } from '../../binance/types.js';
import type { ExchangeClient } from '../../binance/exchange-client.js';
import { auditActor, type AuditLog } from '../audit-log.js';
import type { Requester } from '../types.js';
import { isOrderNotFound } from './order-lookup.js';
import type { SymbolLookup } from './order-pricing.js';
import type { OrderRecords } from './order-records.js';

type OrderRef = { symbol: string; orderId: number };

/** A cancel whose answer was lost: the order's own status says whether it went through. */
export async function settleUnknownCancel(exchange: ExchangeClient, ref: OrderRef, error: unknown): Promise<Order | undefined> {
  if (!isExchangeError(error) || error.kind !== 'unknown-outcome') return undefined;
  try {
    const order = await exchange.getOrder(ref);
    return order.status === 'CANCELED' ? order : undefined;
  } catch {
    return undefined;
  }
}

export function cancelError(ref: OrderRef, error: unknown): unknown {
  if (isOrderNotFound(error) || (isExchangeError(error) && error.binanceCode === -2011)) {
    return new AppError('EXCHANGE_ORDER_NOT_FOUND', `cancel ${ref.symbol} ${ref.orderId}`, {
      cause: error,
      userMessage: `There is no open order ${ref.orderId} on ${ref.symbol}: it may have filled or been cancelled already.`,
    });
  }
  if (isExchangeError(error) && error.kind === 'unknown-outcome') {
    return new AppError('EXCHANGE_UNKNOWN_OUTCOME', `cancel ${ref.symbol} ${ref.orderId}`, {
      cause: error,
      userMessage: `The exchange did not confirm the cancel of order ${ref.orderId}. Check /orders before trying again.`,
    });
  }
  return error;
}

export function cancelledText(order: Order, info: Parameters<typeof tickDecimals>[0] | undefined): string {
  const base = info ? ` ${escapeHtml(info.baseAsset)}` : '';
  const quote = info ? ` ${escapeHtml(info.quoteAsset)}` : '';
  const qty = (v: string) => (info ? formatAmount(v, stepDecimals(info, order.type), 'down') : v);
  const price = info && order.type !== 'MARKET' ? ` at ${formatAmount(order.price, tickDecimals(info))}${quote}` : '';
  const lines = [`✖️ Cancelled order <code>${order.orderId}</code>: ${order.side} ${qty(order.origQty)}${base} on ${escapeHtml(order.symbol)}${price}.`];
  // Only news when something did fill: "filled 0" reads like a problem.
  if (isPositive(order.executedQty)) lines.push(`Filled before the cancel: ${qty(order.executedQty)}${base} of ${qty(order.origQty)}${base}.`);
  return lines.join('\n');
}

export interface OrderCancelDeps {
  exchange: ExchangeClient;
  audit: AuditLog;
  symbols: SymbolLookup;
  /** Updated when an order is cancelled here. */
  records: OrderRecords | undefined;
  now: () => number;
}

/** Cancels one open order at once; returns what the trader is told. */
export function createOrderCancel(deps: OrderCancelDeps): (ref: OrderRef, requester: Requester) => Promise<string> {
  const { exchange, audit, records } = deps;
  return async (ref, requester) => {
    const base = { event: 'cancel' as const, ...auditActor(requester), symbol: ref.symbol, orderId: ref.orderId };
    let order: Order;
    // The trader is answered here; the stream's cancel event must not become a second message.
    await records?.markCancelling(ref.symbol, ref.orderId);
    try {
      order = await exchange.cancelOrder({ symbol: ref.symbol, orderId: ref.orderId });
    } catch (error) {
      const settled = await settleUnknownCancel(exchange, ref, error);
      if (!settled) {
        await records?.clearCancelling(ref.symbol, ref.orderId).catch(() => undefined);
        await audit.record({ ...base, outcome: 'failed', detail: isAppError(error) ? error.code : 'INTERNAL' });
        throw cancelError(ref, error);
      }
      order = settled;
    }
    await audit.record({ ...base, clientOrderId: order.origClientOrderId ?? order.clientOrderId, outcome: order.status.toLowerCase() });
    const record = records ? await records.get(order.origClientOrderId ?? order.clientOrderId).catch(() => undefined) : undefined;
    if (record && records) await records.save({ ...record, status: order.status, executedQty: order.executedQty, cummulativeQuoteQty: order.cummulativeQuoteQty, updatedAt: deps.now() });
    return cancelledText(order, await deps.symbols.symbol(order.symbol).catch(() => undefined));
  };
}
