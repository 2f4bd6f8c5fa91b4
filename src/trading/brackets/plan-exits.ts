/**
 * The exits of plans that are open on the exchange (DESIGN.md §5b): each order list the bot placed
 * for a plan (`bkl-…`), with its stop and its target, read from GET /api/v3/openOrderList (weight 6)
 * and the open orders of the symbols it names (6 each). For /stops, and for any view of a position
 * that shows its stop and take-profit (/positions).
 */
import type { ExchangeClient } from '../../binance/exchange-client.js';
import type { Order } from '../../binance/types.js';
import { legOf } from './bracket-ids.js';

export interface PlanExit {
  symbol: string;
  orderListId: number;
  listClientOrderId: string;
  quantity: string;
  stop?: { orderId: number; stopPrice: string; limitPrice: string };
  target?: { orderId: number; price: string };
  /** The legs wait for the entry to fill (an OTO/OTOCO's pending orders). */
  waitingForEntry: boolean;
}

export async function openPlanExits(exchange: Pick<ExchangeClient, 'openOrderLists' | 'openOrders'>): Promise<PlanExit[]> {
  const lists = (await exchange.openOrderLists()).filter((l) => l.listClientOrderId.startsWith('bkl-'));
  if (lists.length === 0) return [];
  const bySymbol = new Map<string, Order[]>();
  for (const symbol of new Set(lists.map((l) => l.symbol))) bySymbol.set(symbol, await exchange.openOrders(symbol));
  return lists.map((list) => {
    const orders = (bySymbol.get(list.symbol) ?? []).filter((o) => list.orders.some((leg) => leg.orderId === o.orderId));
    const stop = orders.find((o) => legOf(o.clientOrderId) === 'stop');
    const target = orders.find((o) => legOf(o.clientOrderId) === 'target');
    const exit = stop ?? target;
    return {
      symbol: list.symbol,
      orderListId: list.orderListId,
      listClientOrderId: list.listClientOrderId,
      quantity: exit?.origQty ?? '0',
      ...(stop ? { stop: { orderId: stop.orderId, stopPrice: stop.stopPrice ?? '0', limitPrice: stop.price } } : {}),
      ...(target ? { target: { orderId: target.orderId, price: target.price } } : {}),
      waitingForEntry: exit?.status === 'PENDING_NEW',
    };
  });
}
