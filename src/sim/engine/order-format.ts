/**
 * Renders the engine's orders as Binance sends them: the ACK / RESULT / FULL new-order
 * responses, the query and cancel responses (rest-api.md "New order", "Query order",
 * "Cancel order") and the `executionReport` event (user-data-stream.md "Order Update").
 *
 * Binance pads decimals to the asset precision ("0.01000000"); clients that compare strings or
 * parse with a fixed format see exactly that here. Field order follows the docs' examples.
 */
import { formatFixed, mul } from '../../decimal.js';
import type { Order, OrderFill, SymbolInfo } from '../../binance/types.js';
import type { ExecutionReportEvent } from '../types.js';
import type { SimFill, SimOrder } from './order-book.js';

export type ResponseType = 'ACK' | 'RESULT' | 'FULL';

export interface Precision {
  base: number;
  quote: number;
}

export function precisionOf(info: SymbolInfo | undefined): Precision {
  return { base: info?.baseAssetPrecision ?? 8, quote: info?.quoteAssetPrecision ?? 8 };
}

const STOP_TYPES = new Set(['STOP_LOSS', 'STOP_LOSS_LIMIT', 'TAKE_PROFIT', 'TAKE_PROFIT_LIMIT']);
export const isStopType = (type: string): boolean => STOP_TYPES.has(type);

const px = (value: string, p: Precision) => formatFixed(value, p.quote);
const qty = (value: string, p: Precision) => formatFixed(value, p.base);
const COMMISSION_DECIMALS = 8;

export function renderFill(fill: SimFill, p: Precision): OrderFill {
  return {
    price: px(fill.price, p),
    qty: qty(fill.qty, p),
    commission: formatFixed(fill.commission, COMMISSION_DECIMALS),
    commissionAsset: fill.commissionAsset,
    tradeId: fill.tradeId,
  };
}

function body(order: SimOrder, p: Precision): Omit<Order, 'symbol' | 'orderId' | 'orderListId' | 'clientOrderId'> {
  const out: Omit<Order, 'symbol' | 'orderId' | 'orderListId' | 'clientOrderId'> = {
    price: px(order.price, p),
    origQty: qty(order.origQty, p),
    executedQty: qty(order.executedQty, p),
    origQuoteOrderQty: px(order.origQuoteOrderQty, p),
    cummulativeQuoteQty: px(order.cummulativeQuoteQty, p),
    status: order.status,
    timeInForce: order.timeInForce,
    type: order.type,
    side: order.side,
  };
  if (isStopType(order.type)) out.stopPrice = px(order.stopPrice, p);
  if (order.icebergQty !== undefined) out.icebergQty = qty(order.icebergQty, p);
  return out;
}

/** POST /api/v3/order (and the new leg of cancelReplace). */
export function renderNewOrder(
  order: SimOrder,
  fills: SimFill[],
  type: ResponseType,
  transactTime: number,
  p: Precision,
  prevented?: readonly PreventedMatch[],
): Order {
  const ack = {
    symbol: order.symbol,
    orderId: order.orderId,
    orderListId: order.orderListId ?? -1,
    clientOrderId: order.clientOrderId,
    transactTime,
  };
  if (type === 'ACK') return ack as Order;
  const result: Order = {
    ...ack,
    ...body(order, p),
    workingTime: order.workingTime,
    selfTradePreventionMode: order.selfTradePreventionMode,
  };
  if (order.expiryReason !== undefined) (result as Order & { expiryReason?: string }).expiryReason = order.expiryReason;
  if (type === 'FULL') result.fills = fills.map((f) => renderFill(f, p));
  if (prevented !== undefined && prevented.length > 0) {
    // stp_faq.md scenarios B-D: the taker's answer lists each prevented match, then its own prevented quantity.
    Object.assign(result, {
      preventedMatches: prevented.map((m) => ({
        preventedMatchId: m.preventedMatchId,
        makerOrderId: m.makerOrderId,
        price: px(m.price, p),
        ...(m.takerPreventedQuantity !== undefined && { takerPreventedQuantity: qty(m.takerPreventedQuantity, p) }),
        ...(m.makerPreventedQuantity !== undefined && { makerPreventedQuantity: qty(m.makerPreventedQuantity, p) }),
      })),
    });
  }
  Object.assign(result, preventionFields(order, p));
  return result;
}

/** GET /api/v3/order, openOrders, allOrders: stopPrice and icebergQty always present. */
export function renderQueriedOrder(order: SimOrder, p: Precision): Order {
  const b = body(order, p);
  const out: Order = {
    symbol: order.symbol,
    orderId: order.orderId,
    orderListId: order.orderListId ?? -1,
    clientOrderId: order.clientOrderId,
    price: b.price,
    origQty: b.origQty,
    executedQty: b.executedQty,
    cummulativeQuoteQty: b.cummulativeQuoteQty,
    status: b.status,
    timeInForce: b.timeInForce,
    type: b.type,
    side: b.side,
    stopPrice: px(order.stopPrice, p),
    icebergQty: qty(order.icebergQty ?? '0', p),
    time: order.time,
    updateTime: order.updateTime,
    isWorking: order.isWorking,
    workingTime: order.workingTime,
    origQuoteOrderQty: b.origQuoteOrderQty,
    selfTradePreventionMode: order.selfTradePreventionMode,
  };
  if (order.expiryReason !== undefined) (out as Order & { expiryReason?: string }).expiryReason = order.expiryReason;
  return Object.assign(out, preventionFields(order, p));
}

/** A match self-trade prevention stopped (stp_faq.md "What is a Prevented Match?"). */
export interface PreventedMatch {
  preventedMatchId: number;
  makerOrderId: number;
  price: string;
  takerPreventedQuantity?: string;
  makerPreventedQuantity?: string;
}

/** `preventedMatchId` and `preventedQuantity` of an order STP expired (absent otherwise). */
function preventionFields(order: SimOrder, p: Precision): Record<string, unknown> {
  if (order.preventedMatchId === undefined) return {};
  return { preventedMatchId: order.preventedMatchId, preventedQuantity: qty(order.preventedQuantity ?? '0', p) };
}

/** DELETE /api/v3/order: `clientOrderId` is the cancel request's own id, `origClientOrderId` the order's. */
export function renderCanceledOrder(order: SimOrder, cancelClientOrderId: string, transactTime: number, p: Precision): Order {
  return {
    symbol: order.symbol,
    origClientOrderId: order.clientOrderId,
    orderId: order.orderId,
    orderListId: order.orderListId ?? -1,
    clientOrderId: cancelClientOrderId,
    transactTime,
    ...body(order, p),
    selfTradePreventionMode: order.selfTradePreventionMode,
  };
}

export interface ReportChange {
  executionType: ExecutionReportEvent['x'];
  eventTime: number;
  executionId: number;
  /** The fill of a TRADE report. */
  fill?: SimFill;
  /** CANCELED: the cancel request's id goes to `c`, the order's to `C`. */
  cancelClientOrderId?: string;
  /** TRADE_PREVENTION: the match that was prevented (user-data-stream.md "Conditional Fields"). */
  prevention?: { counterOrderId: number; price: string; qty: string };
}

export function renderExecutionReport(order: SimOrder, change: ReportChange, p: Precision): ExecutionReportEvent {
  const fill = change.fill;
  const canceled = change.cancelClientOrderId !== undefined;
  const zeroQty = qty('0', p);
  const event: ExecutionReportEvent = {
    e: 'executionReport',
    E: change.eventTime,
    s: order.symbol,
    c: canceled ? change.cancelClientOrderId! : order.clientOrderId,
    S: order.side,
    o: order.type,
    f: order.timeInForce,
    q: qty(order.origQty, p),
    p: px(order.price, p),
    P: px(order.stopPrice, p),
    F: qty(order.icebergQty ?? '0', p),
    g: order.orderListId ?? -1,
    C: canceled ? order.clientOrderId : '',
    x: change.executionType,
    X: order.status,
    r: 'NONE',
    i: order.orderId,
    l: fill ? qty(fill.qty, p) : zeroQty,
    z: qty(order.executedQty, p),
    L: fill ? px(fill.price, p) : px('0', p),
    n: fill ? formatFixed(fill.commission, COMMISSION_DECIMALS) : '0',
    N: fill ? fill.commissionAsset : null,
    T: change.eventTime,
    t: fill ? fill.tradeId : -1,
    I: change.executionId,
    w: order.isWorking,
    m: fill?.maker ?? false,
    M: fill !== undefined,
    O: order.time,
    Z: px(order.cummulativeQuoteQty, p),
    Y: fill ? px(mul(fill.price, fill.qty), p) : px('0', p),
    Q: px(order.origQuoteOrderQty, p),
    V: order.selfTradePreventionMode,
  };
  if (order.workingTime !== -1) event.W = order.workingTime;
  if (order.expiryReason !== undefined && change.executionType === 'EXPIRED') event.eR = order.expiryReason;
  const prevention = change.prevention;
  if (prevention !== undefined && order.preventedMatchId !== undefined) {
    // l, L and Y stay 0; pl, pL and pY say what would have traded (CHANGELOG 2023-12-04). u -1: no trade group.
    Object.assign(event, {
      v: order.preventedMatchId,
      A: qty(order.preventedQuantity ?? '0', p),
      B: qty(prevention.qty, p),
      u: -1,
      U: prevention.counterOrderId,
      pl: qty(prevention.qty, p),
      pL: px(prevention.price, p),
      pY: px(mul(prevention.qty, prevention.price), p),
    });
  }
  return event;
}
