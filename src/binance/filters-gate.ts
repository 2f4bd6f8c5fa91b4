/**
 * What is checked before any number: the symbol trades, spot trading is on, the order type is
 * listed, quote-sized MARKET orders are permitted, and the parameters fit the type
 * (rest-api.md "New order": mandatory parameters per type; errors.md -1102, -1106, -1100).
 */
import { fail, isAcceptedDecimal, type ValueCheck } from './filters-values.js';
import type { OrderDraft } from './filters-types.js';
import type { OrderType, TimeInForce } from './types.js';

interface Shape {
  price: boolean;
  stopPrice: boolean;
  timeInForce: boolean;
  iceberg: boolean;
}

/** Which parameters each type takes (rest-api.md). Stops take a stopPrice or a trailingDelta. */
const SHAPES: Record<OrderType, Shape> = {
  LIMIT: { price: true, stopPrice: false, timeInForce: true, iceberg: true },
  MARKET: { price: false, stopPrice: false, timeInForce: false, iceberg: false },
  STOP_LOSS: { price: false, stopPrice: true, timeInForce: false, iceberg: false },
  STOP_LOSS_LIMIT: { price: true, stopPrice: true, timeInForce: true, iceberg: true },
  TAKE_PROFIT: { price: false, stopPrice: true, timeInForce: false, iceberg: false },
  TAKE_PROFIT_LIMIT: { price: true, stopPrice: true, timeInForce: true, iceberg: true },
  LIMIT_MAKER: { price: true, stopPrice: false, timeInForce: false, iceberg: true },
};

const TYPE_NAMES: Record<OrderType, string> = {
  LIMIT: 'limit',
  MARKET: 'market',
  STOP_LOSS: 'stop-loss (market)',
  STOP_LOSS_LIMIT: 'stop-limit',
  TAKE_PROFIT: 'take-profit (market)',
  TAKE_PROFIT_LIMIT: 'take-profit limit',
  LIMIT_MAKER: 'limit maker (post-only)',
};

const TIME_IN_FORCE: ReadonlySet<string> = new Set<TimeInForce>(['GTC', 'IOC', 'FOK']);

export const priceLabel = (type: OrderType): string => (type === 'LIMIT' || type === 'LIMIT_MAKER' ? 'Price' : 'Limit price');

const article = (word: string): string => (/^[aeiou]/.test(word) ? 'An' : 'A');

export function checkPermissions(check: ValueCheck, draft: OrderDraft): void {
  const { symbol, orderTypes } = check.rules;
  if (symbol.status !== 'TRADING') {
    fail(check, 'SYMBOL_STATUS', 'ORDER_SYMBOL_NOT_TRADING', 'TRADING',
      `Symbol ${symbol.symbol} is not trading right now (status ${symbol.status})`);
    return;
  }
  if (!symbol.isSpotTradingAllowed) {
    fail(check, 'SPOT_NOT_ALLOWED', 'ORDER_SYMBOL_NOT_TRADING', 'isSpotTradingAllowed',
      `Spot trading is not allowed on ${symbol.symbol}`);
    return;
  }
  const name = TYPE_NAMES[draft.type];
  if (!name || !orderTypes.has(draft.type)) {
    const allowed = symbol.orderTypes.map((t) => TYPE_NAMES[t]).join(', ');
    const what = name ? `${name.charAt(0).toUpperCase()}${name.slice(1)} orders are` : `Order type ${String(draft.type)} is`;
    fail(check, 'ORDER_TYPE', 'ORDER_TYPE_NOT_ALLOWED', symbol.orderTypes.join(','),
      `${what} not allowed on ${symbol.symbol}; allowed here: ${allowed}`);
    return;
  }
  // An absent flag (older captures) reads as "not allowed": the safe answer.
  if (draft.type === 'MARKET' && draft.quoteOrderQty !== undefined && symbol.quoteOrderQtyMarketAllowed !== true) {
    fail(check, 'QUOTE_ORDER_QTY', 'ORDER_QUOTE_QTY_NOT_ALLOWED', 'quoteOrderQtyMarketAllowed',
      `${symbol.symbol} does not accept market orders sized in ${symbol.quoteAsset}; give the quantity in ${symbol.baseAsset}`);
  }
}

/**
 * Presence, absence and shape of each parameter. Returns the time in force to send: in adjust
 * mode a missing one on a type that needs it becomes GTC (what Binance's own apps default to).
 */
export function checkParameters(check: ValueCheck, draft: OrderDraft): TimeInForce | undefined {
  const { type, side } = draft;
  const shape = SHAPES[type];
  const name = TYPE_NAMES[type];
  const { quoteAsset } = check.rules.symbol;
  const bad = (message: string, limit = '') => fail(check, 'PARAMETER', 'ORDER_INVALID_INPUT', limit, message);

  if (side !== 'BUY' && side !== 'SELL') bad(`Side ${JSON.stringify(String(side)).slice(0, 24)} is not BUY or SELL`, 'BUY,SELL');

  if (type === 'MARKET') {
    if (draft.quantity === undefined && draft.quoteOrderQty === undefined) {
      bad(`A market order needs a quantity or an amount in ${quoteAsset}`);
    }
    if (draft.quantity !== undefined && draft.quoteOrderQty !== undefined) {
      bad(`Give either a quantity or an amount in ${quoteAsset}, not both`);
    }
  } else {
    if (draft.quantity === undefined) bad(`${article(name)} ${name} order needs a quantity`);
    if (draft.quoteOrderQty !== undefined) bad(`Only market orders can be sized in ${quoteAsset}`);
  }
  if (shape.price && draft.price === undefined) bad(`${article(name)} ${name} order needs a price`);
  if (!shape.price && draft.price !== undefined) bad(`${article(name)} ${name} order takes no price`);
  if (shape.stopPrice && draft.stopPrice === undefined && draft.trailingDelta === undefined) {
    bad(`${article(name)} ${name} order needs a stop price`);
  }
  if (!shape.stopPrice && draft.stopPrice !== undefined) bad(`${article(name)} ${name} order takes no stop price`);
  if (draft.trailingDelta !== undefined) {
    if (!shape.stopPrice) bad(`${article(name)} ${name} order takes no trailing delta`);
    else if (!Number.isInteger(draft.trailingDelta) || draft.trailingDelta <= 0) {
      bad('The trailing delta must be a whole number of basis points above zero');
    }
  }

  for (const field of ['quantity', 'quoteOrderQty', 'price', 'stopPrice', 'icebergQty'] as const) {
    const value = draft[field];
    if (value !== undefined && (typeof value !== 'string' || !isAcceptedDecimal(value, check.mode))) {
      bad(`${field} ${JSON.stringify(String(value)).slice(0, 40)} is not a plain decimal number`);
    }
  }

  let timeInForce = draft.timeInForce;
  if (timeInForce !== undefined && !TIME_IN_FORCE.has(timeInForce)) {
    bad(`Time in force ${JSON.stringify(String(timeInForce)).slice(0, 24)} is not one of GTC, IOC, FOK`, 'GTC,IOC,FOK');
  } else if (!shape.timeInForce && timeInForce !== undefined) {
    bad(`${article(name)} ${name} order takes no time in force`);
  } else if (shape.timeInForce && timeInForce === undefined) {
    if (check.mode === 'adjust') timeInForce = 'GTC';
    else bad(`${article(name)} ${name} order needs a time in force`);
  }

  if (draft.icebergQty !== undefined) {
    const { symbol } = check.rules;
    if (!symbol.icebergAllowed) {
      fail(check, 'ORDER_TYPE', 'ORDER_FILTER_ICEBERG', 'icebergAllowed', `Iceberg orders are not allowed on ${symbol.symbol}`);
    } else if (!shape.iceberg) {
      bad(`${article(name)} ${name} order cannot be an iceberg`);
    } else if (timeInForce !== undefined && timeInForce !== 'GTC') {
      // rest-api.md: "Any order with an icebergQty MUST have timeInForce set to GTC."
      bad('An iceberg order must be good till cancelled (GTC)', 'GTC');
    }
  }
  return timeInForce;
}
