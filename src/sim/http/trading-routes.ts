/**
 * Trading endpoints (rest-api.md "Trading endpoints"): new order, test order, query, cancel,
 * cancel all, and cancel-replace. Validation order follows Binance: parameters, then what the
 * symbol allows and its filters (before anything happens), then the matching engine's own
 * rejections (balance, duplicate client id, a stop that would trigger immediately).
 */
import type { SymbolInfo } from '../../binance/types.js';
import { averagePrice } from './market-routes.js';
import { cancelReplace } from './cancel-replace.js';
import type { OrderRefParams } from '../engine/matching-engine.js';
import { isStopType, precisionOf, renderCanceledOrder, renderNewOrder, renderQueriedOrder } from '../engine/order-format.js';
import { checkSymbolRules, clientOrderIdParam, parseNewOrder, type NewOrderRequest } from '../engine/order-validation.js';
import { renderCancelAll } from './order-list-routes.js';
import type { Params, Route, RouteDeps } from './rest-routes.js';
import { booleanParam, cancelRestrictionsParam, integerParam, symbolParam } from './route-params.js';
import { SimError } from '../sim-error.js';

/**
 * What POST /api/v3/order reads (rest-api.md "New order"). Left out on purpose, so they answer
 * -1104 instead of being ignored: strategyId/strategyType (not echoed here yet) and the pegged
 * order parameters (pegPriceType, pegOffsetValue, pegOffsetType; not modelled).
 */
export const NEW_ORDER_PARAMS: readonly string[] = [
  'symbol', 'side', 'type', 'timeInForce', 'quantity', 'quoteOrderQty', 'price', 'newClientOrderId',
  'stopPrice', 'trailingDelta', 'icebergQty', 'newOrderRespType', 'selfTradePreventionMode',
];

/** POST /api/v3/order/cancelReplace: the new order's parameters plus the cancel's. */
const CANCEL_REPLACE_PARAMS: readonly string[] = [
  ...NEW_ORDER_PARAMS, 'cancelReplaceMode', 'cancelNewClientOrderId', 'cancelOrigClientOrderId', 'cancelOrderId',
  'cancelRestrictions', 'orderRateLimitExceededMode',
];

export function tradingRoutes(deps: RouteDeps): Route[] {
  const { catalog, engine, book } = deps;

  /** Parses and checks a new order against the symbol's rules; nothing is executed. */
  const validated = (params: Params, info: SymbolInfo): NewOrderRequest => {
    const request = parseNewOrder(params, info);
    const open = book.open(info.symbol);
    checkSymbolRules(request, info, {
      referencePrice: averagePrice(deps.feed, info)?.price ?? deps.feed.price(info.symbol),
      openOrders: open.length,
      openAlgoOrders: open.filter((o) => isStopType(o.type)).length,
    });
    return request;
  };

  const place = (request: NewOrderRequest, info: SymbolInfo) => {
    const placed = engine.place(request);
    return renderNewOrder(placed.order, placed.fills, request.responseType, placed.transactTime, precisionOf(info), placed.preventedMatches);
  };

  return [
    {
      method: 'POST', path: '/api/v3/order', security: 'SIGNED', params: NEW_ORDER_PARAMS, weight: () => 1, placesOrder: true, freeOnSuccess: true,
      handle: ({ params }) => {
        const info = symbolParam(params, catalog);
        return { body: place(validated(params, info), info) };
      },
    },
    {
      method: 'POST', path: '/api/v3/order/test', security: 'SIGNED', params: [...NEW_ORDER_PARAMS, 'computeCommissionRates'],
      weight: (p) => (p.computeCommissionRates === 'true' ? 20 : 1),
      handle: ({ params }) => {
        const info = symbolParam(params, catalog);
        validated(params, info);
        if (!booleanParam(params, 'computeCommissionRates')) return { body: {} };
        const rate = deps.commissionRate;
        const zero = '0.00000000';
        return {
          body: {
            standardCommissionForOrder: { maker: fixed8(rate), taker: fixed8(rate) },
            specialCommissionForOrder: { maker: zero, taker: zero },
            taxCommissionForOrder: { maker: zero, taker: zero },
            discount: { enabledForAccount: false, enabledForSymbol: false, discountAsset: 'BNB', discount: zero },
          },
        };
      },
    },
    {
      method: 'GET', path: '/api/v3/order', security: 'SIGNED', params: ['symbol', 'orderId', 'origClientOrderId'], weight: () => 4,
      handle: ({ params }) => {
        const info = symbolParam(params, catalog);
        const order = engine.find(info.symbol, orderRef(params, 'orderId', 'origClientOrderId'));
        return { body: renderQueriedOrder(order, precisionOf(info)) };
      },
    },
    {
      method: 'DELETE', path: '/api/v3/order', security: 'SIGNED', weight: () => 1, freeOnSuccess: true,
      params: ['symbol', 'orderId', 'origClientOrderId', 'newClientOrderId', 'cancelRestrictions'],
      handle: ({ params }) => {
        const info = symbolParam(params, catalog);
        const ref = orderRef(params, 'orderId', 'origClientOrderId');
        const cancelId = clientOrderIdParam(params, 'newClientOrderId');
        const restrictions = cancelRestrictionsParam(params);
        const done = engine.cancel(info.symbol, ref, cancelId, restrictions);
        return { body: renderCanceledOrder(done.order, done.cancelClientOrderId, done.transactTime, precisionOf(info)) };
      },
    },
    {
      method: 'DELETE', path: '/api/v3/openOrders', security: 'SIGNED', params: ['symbol'], weight: () => 1, freeOnSuccess: true,
      handle: ({ params }) => {
        const info = symbolParam(params, catalog);
        const p = precisionOf(info);
        // Order lists appear once each, with their legs as orderReports (order-list-routes.ts).
        return { body: renderCancelAll(engine.cancelAll(info.symbol), deps.lists, book, p) };
      },
    },
    {
      method: 'POST', path: '/api/v3/order/cancelReplace', security: 'SIGNED', weight: () => 1, placesOrder: true, freeOnSuccess: true,
      params: CANCEL_REPLACE_PARAMS,
      handle: ({ params }) => {
        const info = symbolParam(params, catalog);
        return cancelReplace({
          params,
          info,
          engine,
          validate: () => validated(params, info),
          cancelRef: () => orderRef(params, 'cancelOrderId', 'cancelOrigClientOrderId'),
        });
      },
    },
  ];
}

/** Either id must be sent (rest-api.md "Cancel order", "Query order"). */
export function orderRef(params: Params, idName: string, clientIdName: string): OrderRefParams {
  const orderId = integerParam(params, idName);
  const origClientOrderId = params[clientIdName] === '' ? undefined : params[clientIdName];
  if (orderId === undefined && origClientOrderId === undefined) {
    throw new SimError(400, -1102, `Param '${clientIdName}' or '${idName}' must be sent, but both were empty/null!`);
  }
  const ref: OrderRefParams = {};
  if (orderId !== undefined) ref.orderId = orderId;
  if (origClientOrderId !== undefined) ref.origClientOrderId = origClientOrderId;
  return ref;
}

function fixed8(rate: string): string {
  const [int, frac = ''] = rate.split('.');
  return `${int}.${frac.padEnd(8, '0').slice(0, 8)}`;
}
