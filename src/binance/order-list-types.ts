/**
 * Order lists (rest-api.md "Order lists"): OCO, OTO and OTOCO, the endpoints' request parameters
 * and the list they answer with. Brackets (src/trading/brackets/) place their exits through these.
 */
import type { Order, OrderType, Side, TimeInForce } from './types.js';

/** One leg of an order list as the list endpoints name it. */
export interface OrderListLeg {
  symbol: string;
  orderId: number;
  clientOrderId: string;
}

/**
 * An order list (rest-api.md "Order lists"): POST orderList/oco|oto|otoco (`orderReports` present,
 * one per leg), GET /api/v3/orderList, DELETE /api/v3/orderList (`orderReports` of the cancels).
 */
export interface OrderList {
  orderListId: number;
  contingencyType: string;
  /** RESPONSE, EXEC_STARTED, UPDATED, ALL_DONE. */
  listStatusType: string;
  /** EXECUTING, ALL_DONE, REJECT. */
  listOrderStatus: string;
  listClientOrderId: string;
  transactionTime: number;
  symbol: string;
  orders: OrderListLeg[];
  orderReports?: Order[];
}

export type OrderListRef = { orderListId: number } | { origClientOrderId: string };

/** One leg's parameters, without the list's prefix (`above`, `below`, `working`, `pending`, …). */
export interface ListLegParams {
  type: OrderType;
  price?: string;
  stopPrice?: string;
  timeInForce?: TimeInForce;
  clientOrderId?: string;
}

/** POST /api/v3/orderList/oco: a SELL OCO has its take-profit above and its stop below. */
export interface NewOcoParams {
  symbol: string;
  side: Side;
  quantity: string;
  above: ListLegParams;
  below: ListLegParams;
  listClientOrderId?: string;
}

/** POST /api/v3/orderList/oto (one pending leg) or /otoco (`pendingAbove` + `pendingBelow`). */
export interface NewOtoParams {
  symbol: string;
  listClientOrderId?: string;
  working: ListLegParams & { side: Side; quantity: string };
  pendingSide: Side;
  pendingQuantity: string;
  /** OTO: the single pending order. */
  pending?: ListLegParams;
  /** OTOCO: the pending pair. */
  pendingAbove?: ListLegParams;
  pendingBelow?: ListLegParams;
}

