/**
 * Parameters of the order-list placements (rest-api.md "New Order list - OCO / OTO / OTOCO"):
 * each leg's prefixed parameters (`abovePrice`, `workingTimeInForce`, `pendingBelowStopPrice`, …)
 * are read as a new order's and checked by the same code as POST /api/v3/order, so a leg is
 * refused here exactly when the same order alone would be; an error names the prefixed
 * parameter the client sent. Then the OCO rules: which types may sit above and below for the
 * side (-1158, -1165/-1166, -1196..-1199) and that the pair straddles the last price.
 */
import { gt, lt, mul } from '../../decimal.js';
import type { OrderType, Side, SymbolInfo } from '../../binance/types.js';
import type { ListLeg } from './order-lists.js';
import { isStopType, type ResponseType } from './order-format.js';
import { checkSymbolRules, clientOrderIdParam, mandatory, parseNewOrder, type NewOrderRequest, type Params } from './order-validation.js';
import { SimError, simErrors } from '../sim-error.js';

/** What the legs are checked against (the same context POST /api/v3/order uses). */
export interface ListContext {
  info: SymbolInfo;
  referencePrice: string | undefined;
  lastPrice: string | undefined;
  openOrders: number;
  openAlgoOrders: number;
}

const LEG_FIELDS = ['Type', 'Price', 'StopPrice', 'TimeInForce', 'IcebergQty', 'ClientOrderId', 'TrailingDelta'] as const;
const FIELD_NAME: Record<(typeof LEG_FIELDS)[number], string> = {
  Type: 'type', Price: 'price', StopPrice: 'stopPrice', TimeInForce: 'timeInForce', IcebergQty: 'icebergQty',
  ClientOrderId: 'newClientOrderId', TrailingDelta: 'trailingDelta',
};
const RESPONSE_TYPES: readonly string[] = ['ACK', 'RESULT', 'FULL'];

const SL_TYPES: ReadonlySet<string> = new Set(['STOP_LOSS', 'STOP_LOSS_LIMIT']);
const KNOWN_TYPES: ReadonlySet<string> = new Set(['LIMIT', 'MARKET', 'STOP_LOSS', 'STOP_LOSS_LIMIT', 'TAKE_PROFIT', 'TAKE_PROFIT_LIMIT', 'LIMIT_MAKER']);
const OCO_TYPES: ReadonlySet<string> = new Set(['STOP_LOSS', 'STOP_LOSS_LIMIT', 'LIMIT_MAKER', 'TAKE_PROFIT', 'TAKE_PROFIT_LIMIT']);

const ocoErrors = {
  typeRejected: () => new SimError(400, -1158, 'Order type not supported in OCO.'),
  buyLimitBelow: () => new SimError(400, -1165, 'A limit order in a buy OCO must be below.'),
  sellLimitAbove: () => new SimError(400, -1166, 'A limit order in a sell OCO must be above.'),
  buyStopAbove: () => new SimError(400, -1196, 'A stop loss order in a buy OCO must be above.'),
  sellStopBelow: () => new SimError(400, -1197, 'A stop loss order in a sell OCO must be below.'),
  buyTakeProfitBelow: () => new SimError(400, -1198, 'A take profit order in a buy OCO must be below.'),
  sellTakeProfitAbove: () => new SimError(400, -1199, 'A take profit order in a sell OCO must be above.'),
  badPrices: () => simErrors.orderRejected('The relationship of the prices for the orders is not correct.'),
} as const;

/** `listClientOrderId` and `newOrderRespType` (lists answer RESULT-style reports unless told). */
export function listCommon(params: Params): { listClientOrderId?: string; responseType: ResponseType } {
  const responseText = params.newOrderRespType;
  if (responseText !== undefined && !RESPONSE_TYPES.includes(responseText)) throw simErrors.mandatoryMissing('newOrderRespType');
  const listClientOrderId = clientOrderIdParam(params, 'listClientOrderId');
  return { ...(listClientOrderId !== undefined && { listClientOrderId }), responseType: (responseText as ResponseType | undefined) ?? 'RESULT' };
}

/**
 * One leg: `prefix` + Type/Price/... as a new order's parameters. `shared` carries the list-level
 * side and quantity (wire name → value) when the leg has no own `${prefix}Side`/`${prefix}Quantity`.
 */
export function parseLeg(params: Params, info: SymbolInfo, prefix: string, shared: { side: string; quantity: string }): NewOrderRequest {
  const leg: Record<string, string> = { symbol: info.symbol };
  const renames = new Map<string, string>([['side', shared.side], ['quantity', shared.quantity]]);
  for (const field of LEG_FIELDS) {
    const wire = `${prefix}${field}`;
    renames.set(FIELD_NAME[field], wire);
    const value = params[wire];
    if (value !== undefined) leg[FIELD_NAME[field]] = value;
  }
  const side = params[shared.side];
  const quantity = params[shared.quantity];
  if (side !== undefined) leg.side = side;
  if (quantity !== undefined) leg.quantity = quantity;
  if (params.selfTradePreventionMode !== undefined) leg.selfTradePreventionMode = params.selfTradePreventionMode;
  try {
    if (leg.quantity === undefined || leg.quantity === '') throw simErrors.mandatoryMissing('quantity');
    return parseNewOrder(leg, info);
  } catch (error) {
    throw renamed(error, renames);
  }
}

/** The symbol's rules and filters on each leg, counting the legs before it as open orders (MAX_NUM_ORDERS, MAX_NUM_ALGO_ORDERS). */
export function checkLegs(legs: NewOrderRequest[], ctx: ListContext): void {
  let openOrders = ctx.openOrders;
  let openAlgoOrders = ctx.openAlgoOrders;
  const ids = new Set<string>();
  for (const leg of legs) {
    checkSymbolRules(leg, ctx.info, { referencePrice: ctx.referencePrice, openOrders, openAlgoOrders });
    openOrders += 1;
    if (isStopType(leg.type)) openAlgoOrders += 1;
    if (leg.newClientOrderId !== undefined) {
      if (ids.has(leg.newClientOrderId)) throw simErrors.orderRejected('Duplicate order sent.');
      ids.add(leg.newClientOrderId);
    }
  }
}

/**
 * The OCO pair's types and positions for its side, then (with `last`) the price straddle:
 * SELL above > last > below, BUY below < last < above (errors.md "The relationship of the prices
 * for the orders is not correct."), each leg's prices as `levels` lists them.
 */
export function checkOcoPair(side: Side, above: NewOrderRequest, below: NewOrderRequest, last: string | undefined): void {
  if (!OCO_TYPES.has(above.type) || !OCO_TYPES.has(below.type)) throw ocoErrors.typeRejected();
  if (side === 'SELL') {
    if (SL_TYPES.has(above.type)) throw ocoErrors.sellStopBelow();
    if (below.type === 'LIMIT_MAKER') throw ocoErrors.sellLimitAbove();
    if (!SL_TYPES.has(below.type)) throw ocoErrors.sellTakeProfitAbove();
  } else {
    if (SL_TYPES.has(below.type)) throw ocoErrors.buyStopAbove();
    if (above.type === 'LIMIT_MAKER') throw ocoErrors.buyLimitBelow();
    if (!SL_TYPES.has(above.type)) throw ocoErrors.buyTakeProfitBelow();
  }
  const highs = levels(above);
  const lows = levels(below);
  if (!gt(highs[0]!, lows[0]!)) throw ocoErrors.badPrices();
  if (last !== undefined && !(highs.every((h) => gt(h, last)) && lows.every((l) => lt(l, last)))) throw ocoErrors.badPrices();
}

/** -1158 for an order type an OCO leg cannot have, before the leg's own parameters are read. */
export function checkOcoTypes(params: Params, aboveName: string, belowName: string): void {
  for (const name of [aboveName, belowName]) {
    const type = params[name];
    if (type !== undefined && KNOWN_TYPES.has(type) && !OCO_TYPES.has(type)) throw ocoErrors.typeRejected();
  }
}

/** OCO legs in the order Binance lists them (the stop-loss leg first), with the shared lock on the first. */
export function ocoLegs(above: NewOrderRequest, below: NewOrderRequest): [ListLeg, ListLeg] {
  const [first, second] = SL_TYPES.has(below.type) ? [below, above] : [above, below];
  if (first.side === 'SELL') return [{ request: first }, { request: second, lock: '0' }];
  // A BUY pair locks the quote of the dearer leg once.
  const lockPrice = (r: NewOrderRequest) => (r.price !== undefined ? r.price : r.stopPrice!);
  const dearer = gt(lockPrice(first), lockPrice(second)) ? lockPrice(first) : lockPrice(second);
  return [{ request: first, lock: mul(first.quantity!, dearer) }, { request: second, lock: '0' }];
}

/** OTO's working order must be LIMIT or LIMIT_MAKER (rest-api.md "New Order list - OTO"). */
export function checkWorkingType(type: OrderType): void {
  if (type !== 'LIMIT' && type !== 'LIMIT_MAKER') throw new SimError(400, -1116, 'Invalid orderType.');
}

export function requireListParams(params: Params, names: readonly string[]): void {
  for (const name of names) mandatory(params, name);
}

/**
 * The prices of a leg that must sit on its side of the market: a LIMIT_MAKER's limit, a stop's
 * stop price, and both for a TAKE_PROFIT_LIMIT (its limit per the docs, its stop so it does not
 * trigger at once).
 */
function levels(r: NewOrderRequest): string[] {
  if (r.type === 'LIMIT_MAKER') return [r.price!];
  if (r.type === 'TAKE_PROFIT_LIMIT') return [r.price!, r.stopPrice!];
  return [r.stopPrice!];
}

function renamed(error: unknown, renames: Map<string, string>): unknown {
  if (!(error instanceof SimError)) return error;
  let message = error.message;
  for (const [from, to] of renames) message = message.replaceAll(`'${from}'`, `'${to}'`);
  return message === error.message ? error : new SimError(error.httpStatus, error.code, message, error.extra);
}
