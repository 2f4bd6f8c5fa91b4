/**
 * One shape for an order's state, whether it came live from an `executionReport` (with the
 * execution that produced it) or from REST after a gap (`GET openOrders`/`allOrders`/`order`),
 * so execution-alerts.ts treats both alike.
 */
import type { Order } from '../binance/types.js';
import { orderClientId, type ExecutionReport } from '../binance/user-data-events.js';

/** An order's state, from an executionReport or a REST order. */
export interface OrderUpdate {
  symbol: string;
  orderId: number;
  clientOrderId: string;
  side: string;
  type: string;
  status: string;
  origQty: string;
  executedQty: string;
  cumulativeQuote: string;
  price: string;
  stopPrice: string;
  /** Epoch ms of the change (T live, updateTime from REST). */
  time: number;
  /** Live only: the execution that produced this update. */
  execution?: {
    id: number;
    type: string;
    lastQty: string;
    lastPrice: string;
    commission: string;
    commissionAsset: string | null;
    rejectReason: string;
    expiryReason?: string;
  };
}

export function updateFromReport(r: ExecutionReport): OrderUpdate {
  return {
    symbol: r.s,
    orderId: r.i,
    clientOrderId: orderClientId(r),
    side: r.S,
    type: r.o,
    status: r.X,
    origQty: r.q,
    executedQty: r.z,
    cumulativeQuote: r.Z,
    price: r.p,
    stopPrice: r.P,
    time: r.T,
    execution: {
      id: r.I,
      type: r.x,
      lastQty: r.l,
      lastPrice: r.L,
      commission: r.n,
      commissionAsset: r.N,
      rejectReason: r.r,
      ...(r.eR !== undefined ? { expiryReason: r.eR } : {}),
    },
  };
}

export function updateFromOrder(o: Order): OrderUpdate {
  return {
    symbol: o.symbol,
    orderId: o.orderId,
    clientOrderId: o.clientOrderId,
    side: o.side,
    type: o.type,
    status: o.status,
    origQty: o.origQty,
    executedQty: o.executedQty,
    cumulativeQuote: o.cummulativeQuoteQty,
    price: o.price,
    stopPrice: o.stopPrice ?? '0',
    time: o.updateTime ?? o.transactTime ?? o.time ?? 0,
  };
}
