/**
 * Checks a new-order request the way Binance's API layer does before the matching engine sees
 * it (rest-api.md "New order", errors.md): parameter presence and shape (-1102, -1106, -1100,
 * -1111, -1115/-1116/-1117), what the symbol allows (-2010 "... are not supported for this
 * symbol."), then the symbol's filters in strict mode (-1013 "Filter failure: NAME").
 * Balance, duplicate client ids and stops that would trigger are the engine's checks.
 */
import { checkOrder } from '../../binance/filters.js';
import type { FilterViolation } from '../../binance/filters.js';
import type { NewOrderParams, OrderType, Side, SymbolInfo, TimeInForce } from '../../binance/types.js';
import { ORDER_REJECT_MESSAGES, SimError, simErrors } from '../sim-error.js';
import type { ResponseType } from './order-format.js';

/** The parameters of POST /api/v3/order as the client sends them, and the parsed response type. */
export interface NewOrderRequest extends Omit<NewOrderParams, 'newOrderRespType'> {
  icebergQty?: string;
  responseType: ResponseType;
}

export interface ValidationContext {
  /** PERCENT_PRICE_BY_SIDE reference and MARKET notional price (avgPrice, else last). */
  referencePrice: string | undefined;
  openOrders: number;
  openAlgoOrders: number;
}

export type Params = Readonly<Record<string, string>>;

const SIDES: readonly Side[] = ['BUY', 'SELL'];
const TYPES: readonly OrderType[] = ['LIMIT', 'MARKET', 'STOP_LOSS', 'STOP_LOSS_LIMIT', 'TAKE_PROFIT', 'TAKE_PROFIT_LIMIT', 'LIMIT_MAKER'];
const TIFS: readonly TimeInForce[] = ['GTC', 'IOC', 'FOK'];
const RESPONSE_TYPES: readonly ResponseType[] = ['ACK', 'RESULT', 'FULL'];
const DECIMAL_FIELDS = ['quantity', 'quoteOrderQty', 'price', 'stopPrice', 'icebergQty'] as const;
const WIRE_DECIMAL = /^([0-9]{1,20})(\.[0-9]{1,20})?$/;
const CLIENT_ORDER_ID = /^[a-zA-Z0-9-_]{1,36}$/;

/** Which parameters each type needs, and which it refuses (rest-api.md "Some additional mandatory parameters"). */
const TYPE_RULES: Record<OrderType, { needs: readonly string[]; refuses: readonly string[] }> = {
  LIMIT: { needs: ['timeInForce', 'quantity', 'price'], refuses: ['stopPrice', 'quoteOrderQty'] },
  MARKET: { needs: [], refuses: ['timeInForce', 'price', 'stopPrice', 'icebergQty'] },
  STOP_LOSS: { needs: ['quantity', 'stopPrice'], refuses: ['timeInForce', 'price', 'quoteOrderQty', 'icebergQty'] },
  STOP_LOSS_LIMIT: { needs: ['timeInForce', 'quantity', 'price', 'stopPrice'], refuses: ['quoteOrderQty'] },
  TAKE_PROFIT: { needs: ['quantity', 'stopPrice'], refuses: ['timeInForce', 'price', 'quoteOrderQty', 'icebergQty'] },
  TAKE_PROFIT_LIMIT: { needs: ['timeInForce', 'quantity', 'price', 'stopPrice'], refuses: ['quoteOrderQty'] },
  LIMIT_MAKER: { needs: ['quantity', 'price'], refuses: ['timeInForce', 'stopPrice', 'quoteOrderQty'] },
};

/** errors.md "Messages for -2010": the order type is not in the symbol's `orderTypes`. */
const UNSUPPORTED_TYPE: Record<OrderType, string> = {
  LIMIT: 'Unsupported order combination',
  LIMIT_MAKER: 'Unsupported order combination',
  MARKET: 'Market orders are not supported for this symbol.',
  STOP_LOSS: 'Stop loss orders are not supported for this symbol.',
  STOP_LOSS_LIMIT: 'Stop loss limit orders are not supported for this symbol.',
  TAKE_PROFIT: 'Take profit orders are not supported for this symbol.',
  TAKE_PROFIT_LIMIT: 'Take profit limit orders are not supported for this symbol.',
};

export function mandatory(params: Params, name: string): string {
  const value = params[name];
  if (value === undefined || value === '') throw simErrors.mandatoryMissing(name);
  return value;
}

function illegal(param: string, range: string): SimError {
  return new SimError(400, -1100, `Illegal characters found in parameter '${param}'; legal range is '${range}'.`);
}

export function clientOrderIdParam(params: Params, name: string): string | undefined {
  const value = params[name];
  if (value === undefined) return undefined;
  if (value === '') throw new SimError(400, -1118, 'New client order ID was empty.');
  if (!CLIENT_ORDER_ID.test(value)) throw illegal(name, '^[a-zA-Z0-9-_]{1,36}$');
  return value;
}

/** Shape checks only: returns the typed request (prefix `newOrder` params: symbol known by the caller). */
export function parseNewOrder(params: Params, info: SymbolInfo): NewOrderRequest {
  const sideText = mandatory(params, 'side');
  const typeText = mandatory(params, 'type');
  if (!SIDES.includes(sideText as Side)) throw new SimError(400, -1117, 'Invalid side.');
  if (!TYPES.includes(typeText as OrderType)) throw new SimError(400, -1116, 'Invalid orderType.');
  const type = typeText as OrderType;
  const tif = params.timeInForce;
  if (tif !== undefined && !TIFS.includes(tif as TimeInForce)) throw new SimError(400, -1115, 'Invalid timeInForce.');
  const responseText = params.newOrderRespType;
  if (responseText !== undefined && !RESPONSE_TYPES.includes(responseText as ResponseType)) {
    throw simErrors.mandatoryMissing('newOrderRespType');
  }
  for (const field of DECIMAL_FIELDS) {
    const value = params[field];
    if (value !== undefined && value !== '' && !WIRE_DECIMAL.test(value)) throw simErrors.illegalChars(field);
  }
  if (params.trailingDelta !== undefined) {
    // The paper exchange does not model trailing stops; say so the way Binance does for a symbol without them.
    throw simErrors.orderRejected('Trailing stop orders are not supported for this symbol.');
  }

  const rules = TYPE_RULES[type];
  for (const name of rules.needs) mandatory(params, name);
  if (type === 'MARKET') {
    const hasQty = present(params.quantity);
    const hasQuote = present(params.quoteOrderQty);
    if (!hasQty && !hasQuote) {
      throw new SimError(400, -1102, "Param 'quantity' or 'quoteOrderQty' must be sent, but both were empty/null!");
    }
    if (hasQty && hasQuote) throw simErrors.notRequired('quoteOrderQty');
  }
  for (const name of rules.refuses) if (present(params[name])) throw simErrors.notRequired(name);
  if (present(params.icebergQty) && tif !== 'GTC') throw simErrors.orderRejected(ORDER_REJECT_MESSAGES.unsupportedType);

  checkPrecision(params, 'quantity', info.baseAssetPrecision);
  checkPrecision(params, 'icebergQty', info.baseAssetPrecision);
  checkPrecision(params, 'price', info.quoteAssetPrecision);
  checkPrecision(params, 'stopPrice', info.quoteAssetPrecision);
  checkPrecision(params, 'quoteOrderQty', info.quoteAssetPrecision);

  const request: NewOrderRequest = {
    symbol: info.symbol,
    side: sideText as Side,
    type,
    responseType: (responseText as ResponseType | undefined) ?? (type === 'MARKET' || type === 'LIMIT' ? 'FULL' : 'ACK'),
  };
  if (present(tif)) request.timeInForce = tif as TimeInForce;
  for (const field of DECIMAL_FIELDS) if (present(params[field])) request[field] = params[field];
  const clientOrderId = clientOrderIdParam(params, 'newClientOrderId');
  if (clientOrderId !== undefined) request.newClientOrderId = clientOrderId;
  if (present(params.selfTradePreventionMode)) request.selfTradePreventionMode = params.selfTradePreventionMode;
  return request;
}

/** What the symbol allows, then its filters (strict: the values as sent). */
export function checkSymbolRules(request: NewOrderRequest, info: SymbolInfo, ctx: ValidationContext): void {
  if (info.status !== 'TRADING') throw simErrors.orderRejected(ORDER_REJECT_MESSAGES.marketClosed);
  if (!info.orderTypes.includes(request.type)) throw simErrors.orderRejected(UNSUPPORTED_TYPE[request.type]);
  if (request.quoteOrderQty !== undefined && info.quoteOrderQtyMarketAllowed !== true) {
    throw simErrors.orderRejected(ORDER_REJECT_MESSAGES.quoteQtyNotAllowed);
  }
  if (request.icebergQty !== undefined && !info.icebergAllowed) {
    throw simErrors.orderRejected('Iceberg orders are not supported for this symbol.');
  }
  const stp = request.selfTradePreventionMode;
  // faqs/stp_faq.md "How do I know which symbol uses STP?": a mode the symbol does not list is refused.
  if (stp !== undefined && !(info.allowedSelfTradePreventionModes ?? [info.defaultSelfTradePreventionMode ?? 'NONE']).includes(stp)) {
    throw new SimError(400, -1013, 'This symbol does not allow the specified self-trade prevention mode.');
  }
  if (ctx.referencePrice === undefined) throw simErrors.orderRejected(ORDER_REJECT_MESSAGES.marketClosed);
  const draft = {
    side: request.side,
    type: request.type,
    ...(request.quantity !== undefined && { quantity: request.quantity }),
    ...(request.quoteOrderQty !== undefined && { quoteOrderQty: request.quoteOrderQty }),
    ...(request.price !== undefined && { price: request.price }),
    ...(request.stopPrice !== undefined && { stopPrice: request.stopPrice }),
    ...(request.icebergQty !== undefined && { icebergQty: request.icebergQty }),
    ...(request.timeInForce !== undefined && { timeInForce: request.timeInForce }),
  };
  const verdict = checkOrder(info, draft, {
    referencePrice: ctx.referencePrice,
    openOrders: ctx.openOrders,
    openAlgoOrders: ctx.openAlgoOrders,
  }, 'strict');
  if (!verdict.ok) throw violationError(verdict.violations[0]!);
}

function violationError(v: FilterViolation): SimError {
  switch (v.filter) {
    case 'PRECISION':
      return new SimError(400, -1111, `Parameter '${/price/i.test(v.message) ? 'price' : 'quantity'}' has too much precision.`);
    case 'PARAMETER':
      return new SimError(400, -1102, 'A mandatory parameter was not sent, was empty/null, or malformed.');
    case 'SYMBOL_STATUS':
      return simErrors.orderRejected(ORDER_REJECT_MESSAGES.marketClosed);
    case 'ORDER_TYPE':
      return simErrors.orderRejected(ORDER_REJECT_MESSAGES.unsupportedType);
    case 'QUOTE_ORDER_QTY':
      return simErrors.orderRejected(ORDER_REJECT_MESSAGES.quoteQtyNotAllowed);
    case 'SPOT_NOT_ALLOWED':
      return simErrors.orderRejected('This symbol is not permitted for this account.');
    default:
      return simErrors.filterFailure(v.filter);
  }
}

function present(value: string | undefined): value is string {
  return value !== undefined && value !== '';
}

/** -1111: more decimals than the asset's precision (a value off the tick or step is a filter failure instead). */
function checkPrecision(params: Params, name: string, precision: number): void {
  const value = params[name];
  if (value === undefined) return;
  const dot = value.indexOf('.');
  if (dot < 0) return;
  const meaningful = value.slice(dot + 1).replace(/0+$/, '').length;
  if (meaningful > precision) throw new SimError(400, -1111, `Parameter '${name}' has too much precision.`);
}
