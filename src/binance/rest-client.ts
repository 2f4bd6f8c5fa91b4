/**
 * The Binance Spot REST client (ExchangeClient, src/binance/types.ts), for the live exchange,
 * the testnet and the simulator alike. Endpoints and parameters follow rest-api.md; transport,
 * signing, the rate-limit gate, clock and classification live in rest-transport.ts.
 *
 * Every parameter string is built once per call, in a fixed order, and signed as sent. All
 * parameters travel in the query string, POST and DELETE included (rest-api.md allows it; the
 * body stays empty, so the signed payload is the query alone).
 */
import { AppError, isExchangeError } from '../errors.js';
import { encodeParams, type Params } from './percent-encode.js';
import { parseExchangeInfo } from './exchange-info.js';
import { parseAvgPrice, parseKlines, parseReferencePrice, parseServerTime, parseTicker24h, parseTicker24hList, parseTickerPrice, parseTickerPriceList } from './market-data-parsers.js';
import {
  parseAccount,
  parseAccountTrades,
  parseCancelReplace,
  parseCancelledOrders,
  parseEmpty,
  parseOrder,
  parseOrderAck,
  parseOrderList,
  parseOrderLists,
  parseOrders,
} from './response-parsers.js';
import { requestWeight, type RequestPriority } from './request-weights.js';
import { createRestTransport, type HttpMethod, type RestClientDeps, type RestTransport } from './rest-transport.js';
import type { ListLegParams, NewOcoParams, NewOtoParams } from './order-list-types.js';
import type { CancelReplaceParams, NewOrderParams, OrderRef } from './types.js';
import type { ExchangeClient } from './exchange-client.js';

export type { RestClientDeps, RestClientEvents } from './rest-transport.js';

export interface RestClient extends ExchangeClient {
  /** Measures the clock offset now (also done before the first signed request, periodically, and after -1021). */
  syncClock(): Promise<void>;
  readonly events: RestTransport['events'];
  /** Stops the clock refresh and closes the kept-alive connections; later calls fail as transient. */
  close(): Promise<void>;
  /**
   * The same client (one transport, one gate, one weight count) whose reads go out at `priority`:
   * chat commands read through `withPriority('view')`, so they cannot spend the trading reserve.
   */
  withPriority(priority: RequestPriority): RestClient;
}

// Binance's own shape rules (BINANCE.md "Filters", "Orders"): checked before sending, so a bad
// value is refused here (certainly not executed) instead of as a -1100 from the exchange.
const DECIMAL_PARAM = /^[0-9]{1,20}(\.[0-9]{1,20})?$/;
const CLIENT_ORDER_ID = /^[a-zA-Z0-9-_]{1,36}$/;

function checkOrderParams(p: Partial<NewOrderParams & CancelReplaceParams>): void {
  for (const key of ['quantity', 'quoteOrderQty', 'price', 'stopPrice'] as const) {
    const v = p[key];
    if (v !== undefined && !DECIMAL_PARAM.test(v)) {
      throw new AppError('ORDER_INVALID_INPUT', `${key} "${v}" is not a plain decimal Binance accepts`);
    }
  }
  for (const key of ['newClientOrderId', 'cancelNewClientOrderId'] as const) {
    const v = p[key];
    if (v !== undefined && !CLIENT_ORDER_ID.test(v)) {
      throw new AppError('ORDER_INVALID_INPUT', `${key} "${v}" must be 1-36 characters of a-z, A-Z, 0-9, - and _`);
    }
  }
}

const orderRefParams = (ref: OrderRef): Params =>
  'orderId' in ref ? { symbol: ref.symbol, orderId: ref.orderId } : { symbol: ref.symbol, origClientOrderId: ref.origClientOrderId };

/** How long "no reference price" (for a symbol, or from the whole server) is believed. */
const NO_REFERENCE_PRICE_MS = 10 * 60_000;
const ANY_SYMBOL = '*';

export function createRestClient(deps: RestClientDeps): RestClient {
  const transport = createRestTransport(deps);
  const clients = new Map<RequestPriority, RestClient>();
  /** Symbol (or ANY_SYMBOL) → epoch ms until which referencePrice answers null without asking. */
  const noReferencePrice = new Map<string, number>();
  const withPriority = (priority: RequestPriority): RestClient => {
    let client = clients.get(priority);
    if (!client) clients.set(priority, (client = clientOver(transport, deps, priority, noReferencePrice, withPriority)));
    return client;
  };
  return withPriority('trading');
}

function clientOver(
  transport: RestTransport,
  deps: RestClientDeps,
  priority: RequestPriority,
  noReferencePrice: Map<string, number>,
  withPriority: (priority: RequestPriority) => RestClient,
): RestClient {
  const now = deps.now ?? Date.now;
  const skipLog = deps.logger.child({ module: 'exchange-info' });

  const call = <T>(method: HttpMethod, path: string, parse: (json: unknown) => T, params?: Params, signed = false, signBy?: number): Promise<T> =>
    transport.request({
      method,
      path,
      parse,
      signed,
      query: params === undefined ? undefined : encodeParams(params),
      weight: requestWeight(method, path, params),
      priority,
      signBy,
    });

  return {
    ping: () => call('GET', '/api/v3/ping', parseEmpty),
    serverTime: () => call('GET', '/api/v3/time', parseServerTime),
    exchangeInfo: (options = {}) =>
      call(
        'GET',
        '/api/v3/exchangeInfo',
        // A symbol we cannot parse is left out rather than failing the whole load; say which.
        (json) => parseExchangeInfo(json, { onSkippedSymbol: (symbol, reason) => skipLog.warn({ symbol, reason }, 'exchangeInfo symbol skipped') }),
        options.symbols?.length ? { symbols: JSON.stringify(options.symbols) } : undefined,
      ),
    klines: (symbol, interval, options = {}) =>
      call('GET', '/api/v3/klines', parseKlines, {
        symbol,
        interval,
        startTime: options.startTime,
        endTime: options.endTime,
        limit: options.limit,
      }),
    ticker24h: (symbol) => call('GET', '/api/v3/ticker/24hr', parseTicker24h, { symbol }),
    ticker24hAll: () => call('GET', '/api/v3/ticker/24hr', parseTicker24hList),
    tickerPrice: (symbol) => call('GET', '/api/v3/ticker/price', parseTickerPrice, { symbol }),
    tickerPriceAll: () => call('GET', '/api/v3/ticker/price', parseTickerPriceList),
    avgPrice: (symbol) => call('GET', '/api/v3/avgPrice', parseAvgPrice, { symbol }),

    async referencePrice(symbol) {
      const t = now();
      if (t < (noReferencePrice.get(ANY_SYMBOL) ?? 0) || t < (noReferencePrice.get(symbol) ?? 0)) return null;
      try {
        const answer = await call('GET', '/api/v3/referencePrice', parseReferencePrice, { symbol });
        return answer.referencePrice === null ? null : answer;
      } catch (error) {
        // Absent on older deployments (404, or -1121/-1100 from a router that does not know the
        // path); -2043: the symbol has no reference price, which on Binance is most symbols.
        // Callers fall back to avgPrice (BINANCE.md "Filters"). Either answer is remembered for
        // a while: otherwise every card and every order pays a request (weight 2) to learn it
        // again (docs/BENCHMARKS.md).
        if (isExchangeError(error) && (error.httpStatus === 404 || [-1121, -1100, -2043].includes(error.binanceCode ?? 0))) {
          noReferencePrice.set(error.httpStatus === 404 ? ANY_SYMBOL : symbol, now() + NO_REFERENCE_PRICE_MS);
          return null;
        }
        throw error;
      }
    },

    account: () => call('GET', '/api/v3/account', parseAccount, { omitZeroBalances: true }, true),
    openOrders: (symbol) => call('GET', '/api/v3/openOrders', parseOrders, { symbol }, true),
    allOrders: (symbol, options = {}) =>
      call('GET', '/api/v3/allOrders', parseOrders, { symbol, startTime: options.startTime, limit: options.limit }, true),

    myTrades: (symbol, q = {}) =>
      call(
        'GET',
        '/api/v3/myTrades',
        parseAccountTrades,
        { symbol, orderId: q.orderId, startTime: q.startTime, endTime: q.endTime, fromId: q.fromId, limit: q.limit },
        true,
      ),

    async newOrder(p: NewOrderParams, options?: { signBy?: number }) {
      checkOrderParams(p);
      const respType = p.newOrderRespType ?? 'FULL';
      return call('POST', '/api/v3/order', respType === 'ACK' ? parseOrderAck : (json) => parseOrder(json), newOrderParams(p, respType), true, options?.signBy);
    },
    async testOrder(p: NewOrderParams) {
      checkOrderParams(p);
      await call('POST', '/api/v3/order/test', parseEmpty, newOrderParams(p, p.newOrderRespType), true);
    },
    getOrder: (ref) => call('GET', '/api/v3/order', (json) => parseOrder(json), orderRefParams(ref), true),
    async cancelOrder(ref) {
      checkOrderParams({ newClientOrderId: ref.newClientOrderId });
      return call('DELETE', '/api/v3/order', (json) => parseOrder(json), { ...orderRefParams(ref), newClientOrderId: ref.newClientOrderId }, true);
    },
    cancelOpenOrders: (symbol) => call('DELETE', '/api/v3/openOrders', parseCancelledOrders, { symbol }, true),
    async cancelReplace(p: CancelReplaceParams) {
      checkOrderParams(p);
      return call(
        'POST',
        '/api/v3/order/cancelReplace',
        parseCancelReplace,
        {
          symbol: p.symbol,
          side: p.side,
          type: p.type,
          cancelReplaceMode: p.cancelReplaceMode,
          timeInForce: p.timeInForce,
          quantity: p.quantity,
          quoteOrderQty: p.quoteOrderQty,
          price: p.price,
          stopPrice: p.stopPrice,
          cancelOrderId: p.cancelOrderId,
          cancelOrigClientOrderId: p.cancelOrigClientOrderId,
          cancelNewClientOrderId: p.cancelNewClientOrderId,
          newClientOrderId: p.newClientOrderId,
          newOrderRespType: p.newOrderRespType ?? 'FULL',
          selfTradePreventionMode: p.selfTradePreventionMode,
        },
        true,
      );
    },

    async newOco(p: NewOcoParams, options?: { signBy?: number }) {
      checkListParams(p.listClientOrderId, [p.above, p.below], p.quantity);
      const params: Array<[string, string | undefined]> = [
        ['symbol', p.symbol],
        ['listClientOrderId', p.listClientOrderId],
        ['side', p.side],
        ['quantity', p.quantity],
        ...legParams('above', p.above),
        ...legParams('below', p.below),
        ['newOrderRespType', 'FULL'],
      ];
      return call('POST', '/api/v3/orderList/oco', (json) => parseOrderList(json), Object.fromEntries(params), true, options?.signBy);
    },
    async newOto(p: NewOtoParams, options?: { signBy?: number }) {
      const pair = p.pendingAbove !== undefined && p.pendingBelow !== undefined;
      const pending = pair ? [p.pendingAbove!, p.pendingBelow!] : p.pending ? [p.pending] : [];
      if (pending.length === 0) throw new AppError('ORDER_INVALID_INPUT', 'an OTO needs a pending order');
      checkListParams(p.listClientOrderId, [p.working, ...pending], p.pendingQuantity, p.working.quantity);
      const params: Array<[string, string | undefined]> = [
        ['symbol', p.symbol],
        ['listClientOrderId', p.listClientOrderId],
        ['workingSide', p.working.side],
        ['workingQuantity', p.working.quantity],
        ...legParams('working', p.working),
        ['pendingSide', p.pendingSide],
        ['pendingQuantity', p.pendingQuantity],
        ...(pair ? [...legParams('pendingAbove', p.pendingAbove!), ...legParams('pendingBelow', p.pendingBelow!)] : legParams('pending', p.pending!)),
        ['newOrderRespType', 'FULL'],
      ];
      return call('POST', pair ? '/api/v3/orderList/otoco' : '/api/v3/orderList/oto', (json) => parseOrderList(json), Object.fromEntries(params), true, options?.signBy);
    },
    getOrderList: (ref) =>
      call('GET', '/api/v3/orderList', (json) => parseOrderList(json), 'orderListId' in ref ? { orderListId: ref.orderListId } : { origClientOrderId: ref.origClientOrderId }, true),
    async cancelOrderList(ref, options = {}) {
      checkOrderParams({ newClientOrderId: options.newClientOrderId });
      const id = 'orderListId' in ref ? { orderListId: ref.orderListId } : { listClientOrderId: ref.listClientOrderId };
      return call('DELETE', '/api/v3/orderList', (json) => parseOrderList(json), { symbol: ref.symbol, ...id, newClientOrderId: options.newClientOrderId }, true);
    },
    openOrderLists: () => call('GET', '/api/v3/openOrderList', parseOrderLists, {}, true),
    orderTrades: (symbol, orderId) => call('GET', '/api/v3/myTrades', parseAccountTrades, { symbol, orderId }, true),

    usage: () => transport.usage(),
    syncClock: () => transport.syncClock(),
    events: transport.events,
    close: () => transport.close(),
    withPriority,
  };
}

/** A leg's parameters under the list's prefix: `aboveType`, `belowStopPrice`, `workingPrice`, … */
function legParams(prefix: string, leg: ListLegParams): Array<[string, string | undefined]> {
  return [
    [`${prefix}Type`, leg.type],
    [`${prefix}ClientOrderId`, leg.clientOrderId],
    [`${prefix}Price`, leg.price],
    [`${prefix}StopPrice`, leg.stopPrice],
    [`${prefix}TimeInForce`, leg.timeInForce],
  ];
}

function checkListParams(listClientOrderId: string | undefined, legs: ListLegParams[], ...quantities: string[]): void {
  checkOrderParams({ newClientOrderId: listClientOrderId });
  for (const q of quantities) checkOrderParams({ quantity: q });
  for (const leg of legs) checkOrderParams({ price: leg.price, stopPrice: leg.stopPrice, newClientOrderId: leg.clientOrderId });
}

function newOrderParams(p: NewOrderParams, respType: NewOrderParams['newOrderRespType']): Params {
  return {
    symbol: p.symbol,
    side: p.side,
    type: p.type,
    timeInForce: p.timeInForce,
    quantity: p.quantity,
    quoteOrderQty: p.quoteOrderQty,
    price: p.price,
    stopPrice: p.stopPrice,
    newClientOrderId: p.newClientOrderId,
    newOrderRespType: respType,
    selfTradePreventionMode: p.selfTradePreventionMode,
  };
}
