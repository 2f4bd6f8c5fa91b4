/**
 * Cancelling an order from /cancel or an order's button (DESIGN.md §2 "/cancel"): a cancel whose
 * answer was lost is settled by the order's own status, a refusal becomes a sentence the trader
 * can act on, and a done cancel is told with what filled before it.
 */
import { isPositive } from '../../decimal.js';
import { AppError, isExchangeError } from '../../errors.js';
import { escapeHtml, formatAmount } from '../../format.js';
import { stepDecimals, tickDecimals } from '../../binance/filters.js';
import type { Order } from '../../binance/types.js';
import type { ExchangeClient } from '../../binance/exchange-client.js';
import { isOrderNotFound } from './order-lookup.js';

/** A cancel whose answer was lost: the order's own status says whether it went through. */
export async function settleUnknownCancel(exchange: ExchangeClient, ref: { symbol: string; orderId: number }, error: unknown): Promise<Order | undefined> {
  if (!isExchangeError(error) || error.kind !== 'unknown-outcome') return undefined;
  try {
    const order = await exchange.getOrder(ref);
    return order.status === 'CANCELED' ? order : undefined;
  } catch {
    return undefined;
  }
}

export function cancelError(ref: { symbol: string; orderId: number }, error: unknown): unknown {
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
