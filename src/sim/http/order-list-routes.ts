/**
 * Order-list endpoints (rest-api.md "Order lists", "Query Order list", "Query all Order lists",
 * "Query Open Order lists"): POST /api/v3/orderList/oco, /oto, /otoco, the deprecated
 * POST /api/v3/order/oco, DELETE /api/v3/orderList,
 * GET /api/v3/orderList, /openOrderList, /allOrderList. Every leg passes the checks of
 * POST /api/v3/order before anything is placed; the list semantics are in order-lists.ts.
 */
import type { SymbolInfo } from '../../binance/types.js';
import { averagePrice } from './market-routes.js';
import { checkLegs, checkOcoPair, checkOcoTypes, checkWorkingType, listCommon, ocoLegs, parseLeg, requireListParams, type ListContext } from '../engine/order-list-params.js';
import type { CanceledOrder } from '../engine/matching-engine.js';
import type { ListPlaced, OrderLists, SimOrderList } from '../engine/order-lists.js';
import type { OrderBook } from '../engine/order-book.js';
import { isStopType, precisionOf, renderCanceledOrder, renderNewOrder, type Precision, type ResponseType } from '../engine/order-format.js';
import { clientOrderIdParam, type NewOrderRequest } from '../engine/order-validation.js';
import type { Params, Route, RouteDeps } from './rest-routes.js';
import { integerParam, limitParam, symbolParam } from './route-params.js';
import { SimError, simErrors } from '../sim-error.js';

export function orderListRoutes(deps: RouteDeps): Route[] {
  const { catalog, lists, book } = deps;

  const context = (info: SymbolInfo): ListContext => {
    const open = book.open(info.symbol);
    return {
      info,
      referencePrice: averagePrice(deps.feed, info)?.price ?? deps.feed.price(info.symbol),
      lastPrice: deps.feed.price(info.symbol),
      openOrders: open.length,
      openAlgoOrders: open.filter((o) => isStopType(o.type)).length,
    };
  };

  const common = (params: Params, info: SymbolInfo, allowed: boolean, kind: string) => {
    const c = listCommon(params);
    if (!allowed) throw simErrors.orderRejected(`${kind} orders are not supported for this symbol`);
    if (c.listClientOrderId !== undefined && lists.hasOpenClientId(c.listClientOrderId)) {
      throw simErrors.orderRejected('Duplicate order sent.');
    }
    // MAX_NUM_ORDER_LISTS (filters.md): open order lists on the symbol, when the symbol has the filter.
    const cap = info.filters.find((f) => f.filterType === 'MAX_NUM_ORDER_LISTS');
    if (cap !== undefined && cap.maxNumOrderLists > 0 && lists.open().filter((l) => l.symbol === info.symbol).length >= cap.maxNumOrderLists) {
      throw simErrors.filterFailure('MAX_NUM_ORDER_LISTS');
    }
    return c;
  };

  const placed = (result: ListPlaced, responseType: ResponseType, info: SymbolInfo) => {
    const p = precisionOf(info);
    return {
      ...renderList(result.list, book),
      orderReports: result.placed.map(({ order, fills }) => renderNewOrder(order, fills, responseType, result.transactTime, p)),
    };
  };

  const oco = (params: Params, info: SymbolInfo) => {
    const { listClientOrderId, responseType } = common(params, info, info.ocoAllowed, 'OCO');
    requireListParams(params, ['side', 'quantity', 'aboveType', 'belowType']);
    checkOcoTypes(params, 'aboveType', 'belowType');
    const shared = { side: 'side', quantity: 'quantity' };
    const above = parseLeg(params, info, 'above', shared);
    const below = parseLeg(params, info, 'below', shared);
    checkOcoPair(above.side, above, below, deps.feed.price(info.symbol));
    const legs = ocoLegs(above, below);
    checkLegs(legs.map((l) => l.request), context(info));
    return placed(lists.placeOco(info.symbol, listClientOrderId, legs), responseType, info);
  };

  /**
   * The deprecated POST /api/v3/order/oco (still served by Binance, used by older clients such as
   * the SDK's submitNewOCO): a LIMIT_MAKER at `price` and a STOP_LOSS(_LIMIT) at `stopPrice`,
   * read as the new-style OCO they are (limit above for a SELL, below for a BUY).
   */
  const legacyOco = (params: Params, info: SymbolInfo) => {
    requireListParams(params, ['side', 'quantity', 'price', 'stopPrice']);
    const limit = compact({
      Type: 'LIMIT_MAKER', Price: params.price, IcebergQty: params.limitIcebergQty, ClientOrderId: params.limitClientOrderId,
    });
    const stop = compact({
      Type: params.stopLimitPrice === undefined ? 'STOP_LOSS' : 'STOP_LOSS_LIMIT', StopPrice: params.stopPrice, Price: params.stopLimitPrice,
      TimeInForce: params.stopLimitTimeInForce, IcebergQty: params.stopIcebergQty, ClientOrderId: params.stopClientOrderId,
      TrailingDelta: params.trailingDelta,
    });
    const [above, below] = params.side === 'BUY' ? [stop, limit] : [limit, stop];
    const translated: Record<string, string> = compact({
      symbol: params.symbol, side: params.side, quantity: params.quantity, listClientOrderId: params.listClientOrderId,
      newOrderRespType: params.newOrderRespType, selfTradePreventionMode: params.selfTradePreventionMode,
    });
    for (const [field, value] of Object.entries(above)) translated[`above${field}`] = value;
    for (const [field, value] of Object.entries(below)) translated[`below${field}`] = value;
    return oco(translated, info);
  };

  const oto = (params: Params, info: SymbolInfo, withPair: boolean) => {
    const kind = withPair ? 'OTOCO' : 'OTO';
    // Symbols of the bundled capture predate `otoAllowed`; absent means allowed.
    const allowed = (info as SymbolInfo & { otoAllowed?: boolean }).otoAllowed !== false;
    const { listClientOrderId, responseType } = common(params, info, allowed, kind);
    requireListParams(params, ['workingType', 'workingSide', 'workingPrice', 'workingQuantity', 'pendingSide', 'pendingQuantity']);
    const working = parseLeg(params, info, 'working', { side: 'workingSide', quantity: 'workingQuantity' });
    checkWorkingType(working.type);
    const shared = { side: 'pendingSide', quantity: 'pendingQuantity' };
    let pending: NewOrderRequest[];
    if (withPair) {
      requireListParams(params, ['pendingAboveType', 'pendingBelowType']);
      checkOcoTypes(params, 'pendingAboveType', 'pendingBelowType');
      const above = parseLeg(params, info, 'pendingAbove', shared);
      const below = parseLeg(params, info, 'pendingBelow', shared);
      // The pair goes on the book when the working order fills: its straddle is checked against no price yet.
      checkOcoPair(above.side, above, below, undefined);
      pending = ocoLegs(above, below).map((l) => l.request);
    } else {
      requireListParams(params, ['pendingType']);
      pending = [parseLeg(params, info, 'pending', shared)];
    }
    checkLegs([working, ...pending], context(info));
    return placed(lists.placeOto(info.symbol, listClientOrderId, working, pending), responseType, info);
  };

  const listRef = (params: Params, clientName: string) => {
    const orderListId = integerParam(params, 'orderListId');
    const listClientOrderId = params[clientName] === '' ? undefined : params[clientName];
    if (orderListId === undefined && listClientOrderId === undefined) {
      throw new SimError(400, -1102, `Param '${clientName}' or 'orderListId' must be sent, but both were empty/null!`);
    }
    return { ...(orderListId !== undefined && { orderListId }), ...(listClientOrderId !== undefined && { listClientOrderId }) };
  };

  // ordersCounted: an OCO or OTO adds 2 to the unfilled order count, an OTOCO 3 (rest-api.md "Unfilled Order Count").
  return [
    {
      method: 'POST', path: '/api/v3/orderList/oco', security: 'SIGNED', weight: () => 1, placesOrder: true, freeOnSuccess: true,
      handle: ({ params }) => ({ body: oco(params, symbolParam(params, catalog)), ordersCounted: 2 }),
    },
    {
      method: 'POST', path: '/api/v3/order/oco', security: 'SIGNED', weight: () => 1, placesOrder: true, freeOnSuccess: true,
      handle: ({ params }) => ({ body: legacyOco(params, symbolParam(params, catalog)), ordersCounted: 2 }),
    },
    {
      method: 'POST', path: '/api/v3/orderList/oto', security: 'SIGNED', weight: () => 1, placesOrder: true, freeOnSuccess: true,
      handle: ({ params }) => ({ body: oto(params, symbolParam(params, catalog), false), ordersCounted: 2 }),
    },
    {
      method: 'POST', path: '/api/v3/orderList/otoco', security: 'SIGNED', weight: () => 1, placesOrder: true, freeOnSuccess: true,
      handle: ({ params }) => ({ body: oto(params, symbolParam(params, catalog), true), ordersCounted: 3 }),
    },
    {
      method: 'DELETE', path: '/api/v3/orderList', security: 'SIGNED', params: ['symbol', 'orderListId', 'listClientOrderId', 'newClientOrderId'], weight: () => 1, freeOnSuccess: true,
      handle: ({ params }) => {
        const info = symbolParam(params, catalog);
        const ref = listRef(params, 'listClientOrderId');
        const cancelId = clientOrderIdParam(params, 'newClientOrderId');
        const done = lists.cancel(info.symbol, ref, cancelId);
        const p = precisionOf(info);
        return {
          body: {
            ...renderList(done.list, book),
            transactionTime: done.transactTime,
            orderReports: done.canceled.map((o) => renderCanceledOrder(o, done.cancelClientOrderId, done.transactTime, p)),
          },
        };
      },
    },
    {
      method: 'GET', path: '/api/v3/orderList', security: 'SIGNED', params: ['orderListId', 'origClientOrderId'], weight: () => 4,
      handle: ({ params }) => ({ body: renderList(lists.find(listRef(params, 'origClientOrderId')), book) }),
    },
    {
      method: 'GET', path: '/api/v3/openOrderList', security: 'SIGNED', params: [], weight: () => 6,
      handle: () => ({ body: lists.open().map((l) => renderList(l, book)) }),
    },
    {
      method: 'GET', path: '/api/v3/allOrderList', security: 'SIGNED', params: ['fromId', 'startTime', 'endTime', 'limit'], weight: () => 20,
      handle: ({ params }) => {
        const fromId = integerParam(params, 'fromId');
        const startTime = integerParam(params, 'startTime');
        const endTime = integerParam(params, 'endTime');
        const limit = limitParam(params, 500, 1000);
        if (fromId !== undefined && (startTime !== undefined || endTime !== undefined)) {
          throw new SimError(400, -1106, "Parameter 'startTime' sent when not required.");
        }
        if (startTime !== undefined && endTime !== undefined && endTime - startTime > 86_400_000) {
          throw new SimError(400, -1127, 'More than 24 hours between startTime and endTime.');
        }
        let all = lists.all();
        if (fromId !== undefined) all = all.filter((l) => l.orderListId >= fromId);
        if (startTime !== undefined) all = all.filter((l) => l.transactionTime >= startTime);
        if (endTime !== undefined) all = all.filter((l) => l.transactionTime <= endTime);
        const page = fromId !== undefined || startTime !== undefined ? all.slice(0, limit) : all.slice(-limit);
        // Newest first, as the docs' example lists them.
        return { body: page.reverse().map((l) => renderList(l, book)) };
      },
    },
  ];
}

/**
 * DELETE /api/v3/openOrders: lone orders as cancel responses, and each order list once, as
 * DELETE /api/v3/orderList shows it, with its legs' cancels as `orderReports` (rest-api.md
 * "Cancel All Open Orders on a Symbol").
 */
export function renderCancelAll(done: CanceledOrder[], lists: OrderLists, book: OrderBook, p: Precision): unknown[] {
  const out: Array<Record<string, unknown>> = [];
  const byList = new Map<number, unknown[]>();
  for (const d of done) {
    const report = renderCanceledOrder(d.order, d.cancelClientOrderId, d.transactTime, p);
    const listId = d.order.orderListId;
    if (listId === undefined) {
      out.push(report as unknown as Record<string, unknown>);
      continue;
    }
    let reports = byList.get(listId);
    if (reports === undefined) {
      reports = [];
      byList.set(listId, reports);
      out.push({ ...renderList(lists.find({ orderListId: listId }), book), transactionTime: d.transactTime, orderReports: reports });
    }
    reports.push(report);
  }
  return out;
}

function compact(values: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(values)) if (value !== undefined) out[key] = value;
  return out;
}

/** A list as every list endpoint shows it (without `orderReports`). */
export function renderList(list: SimOrderList, book: OrderBook): Record<string, unknown> {
  return {
    orderListId: list.orderListId,
    contingencyType: list.kind === 'OCO' ? 'OCO' : 'OTO',
    listStatusType: list.listStatusType,
    listOrderStatus: list.listOrderStatus,
    listClientOrderId: list.listClientOrderId,
    transactionTime: list.transactionTime,
    symbol: list.symbol,
    orders: list.orderIds.map((orderId) => ({ symbol: list.symbol, orderId, clientOrderId: book.byId(orderId)?.clientOrderId ?? '' })),
  };
}
