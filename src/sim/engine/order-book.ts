/**
 * The paper account's orders: every order by id, the open ones per symbol (the only ones a tick
 * has to look at), and client order ids. Binance's rule for `newClientOrderId` is "unique among
 * open orders" (rest-api.md "New order"): a filled or cancelled order's id may be used again, and
 * a lookup by `origClientOrderId` then finds the most recent order that carried it.
 */
import type { OrderStatus, OrderType, Side, TimeInForce } from '../../binance/types.js';

export interface SimFill {
  price: string;
  qty: string;
  commission: string;
  commissionAsset: string;
  tradeId: number;
  /** The order rested on the book and was hit (m in executionReport). */
  maker: boolean;
}

/** The engine's order record. Decimal fields are canonical strings; "0" where Binance shows zeros. */
export interface SimOrder {
  symbol: string;
  orderId: number;
  clientOrderId: string;
  side: Side;
  type: OrderType;
  timeInForce: TimeInForce;
  price: string;
  origQty: string;
  origQuoteOrderQty: string;
  stopPrice: string;
  icebergQty?: string;
  executedQty: string;
  cummulativeQuoteQty: string;
  status: OrderStatus;
  time: number;
  updateTime: number;
  /** -1 until the order is on the book (a stop before it triggers). */
  workingTime: number;
  isWorking: boolean;
  selfTradePreventionMode: string;
  /** What this order still holds locked, in `lockedAsset`. */
  lockedAsset: string;
  locked: string;
  /** Stop and take-profit orders: true once the stop price was crossed. */
  triggered: boolean;
  expiryReason?: string;
  /** Set when self-trade prevention expired the order (status EXPIRED_IN_MATCH). */
  preventedMatchId?: number;
  preventedQuantity?: string;
  /** The order list this order is a leg of (order-lists.ts); absent for a lone order (-1 on the wire). */
  orderListId?: number;
}

export const OPEN_STATUSES: ReadonlySet<OrderStatus> = new Set<OrderStatus>(['NEW', 'PARTIALLY_FILLED', 'PENDING_NEW']);

export const isOpen = (order: SimOrder): boolean => OPEN_STATUSES.has(order.status);

export interface OrderBook {
  add(order: SimOrder): void;
  byId(orderId: number): SimOrder | undefined;
  /** The most recent order of the symbol that carried this client order id. */
  byClientId(symbol: string, clientOrderId: string): SimOrder | undefined;
  /** The open order of the symbol holding this client order id, if any. */
  openByClientId(symbol: string, clientOrderId: string): SimOrder | undefined;
  /** Open orders of one symbol, oldest first (time priority). */
  open(symbol: string): SimOrder[];
  openSymbols(): string[];
  allOpen(): SimOrder[];
  /** Every order kept (open and closed), oldest first, optionally of one symbol. */
  all(symbol?: string): SimOrder[];
  /** Call after an order's status changed, so the open index follows. */
  statusChanged(order: SimOrder): void;
  clear(): void;
}

export interface OrderBookOptions {
  /** Closed orders kept for GET /api/v3/order and allOrders (oldest dropped first). Default 10 000. */
  closedHistory?: number;
}

export function createOrderBook(options: OrderBookOptions = {}): OrderBook {
  const closedHistory = options.closedHistory ?? 10_000;
  const orders = new Map<number, SimOrder>(); // insertion order = orderId order
  const openBySymbol = new Map<string, Map<number, SimOrder>>();
  const latestClientId = new Map<string, number>();
  let closedCount = 0;

  const clientKey = (symbol: string, clientOrderId: string) => `${symbol}\u0000${clientOrderId}`;

  const index = (order: SimOrder): void => {
    let open = openBySymbol.get(order.symbol);
    if (isOpen(order)) {
      if (open === undefined) {
        open = new Map();
        openBySymbol.set(order.symbol, open);
      }
      open.set(order.orderId, order);
    } else if (open?.delete(order.orderId)) {
      if (open.size === 0) openBySymbol.delete(order.symbol);
    }
  };

  const trimHistory = (): void => {
    if (closedCount <= closedHistory) return;
    for (const [id, order] of orders) {
      if (closedCount <= closedHistory) break;
      if (isOpen(order)) continue;
      orders.delete(id);
      closedCount -= 1;
      const key = clientKey(order.symbol, order.clientOrderId);
      if (latestClientId.get(key) === id) latestClientId.delete(key);
    }
  };

  return {
    add(order) {
      orders.set(order.orderId, order);
      latestClientId.set(clientKey(order.symbol, order.clientOrderId), order.orderId);
      index(order);
      if (!isOpen(order)) {
        closedCount += 1;
        trimHistory();
      }
    },
    byId: (orderId) => orders.get(orderId),
    byClientId(symbol, clientOrderId) {
      const id = latestClientId.get(clientKey(symbol, clientOrderId));
      return id === undefined ? undefined : orders.get(id);
    },
    openByClientId(symbol, clientOrderId) {
      const open = openBySymbol.get(symbol);
      if (open === undefined) return undefined;
      for (const order of open.values()) if (order.clientOrderId === clientOrderId) return order;
      return undefined;
    },
    open: (symbol) => [...(openBySymbol.get(symbol)?.values() ?? [])],
    openSymbols: () => [...openBySymbol.keys()],
    allOpen: () => [...openBySymbol.values()].flatMap((m) => [...m.values()]).sort((a, b) => a.orderId - b.orderId),
    all: (symbol) => [...orders.values()].filter((o) => symbol === undefined || o.symbol === symbol),
    statusChanged(order) {
      const wasOpen = openBySymbol.get(order.symbol)?.has(order.orderId) ?? false;
      index(order);
      if (wasOpen && !isOpen(order)) {
        closedCount += 1;
        trimHistory();
      }
    },
    clear() {
      orders.clear();
      openBySymbol.clear();
      latestClientId.clear();
      closedCount = 0;
    },
  };
}
