/**
 * The per-order cap (DESIGN.md §3 MAX_ORDER_VALUE, §8): every order the product places is valued
 * in one currency, VALUATION_ASSET, whatever the pair's quote, before its card is shown and again
 * right before it is sent.
 *
 * Why not the pair's own quote: a cap of 1,000 read in ETHBTC's quote is 1,000 BTC. The value in
 * the quote is converted through the quote asset's own pair with the valuation asset (BTCUSDT for
 * BTC → USDT, or USDTBTC inverted), read at the last price; a quote with no trading pair to the
 * valuation asset cannot be valued, and an order that cannot be valued is refused.
 *
 * What an order is worth in its quote:
 * - a BUY: its quoteOrderQty, else quantity × (limit price, else last price): the most it can spend;
 * - a SELL: quantity × the highest of its limit price, its stop price and the last price. A sell
 *   limit below the market fills at once at the market, so valuing it at its limit would let a
 *   limit at a fifth of the price (PERCENT_PRICE_BY_SIDE allows that) pass five times the cap.
 */
import { div, gt, isPositive, max, mul, normalize } from '../../decimal.js';
import { AppError } from '../../errors.js';
import { formatAmount, formatQuantity } from '../../format.js';
import type { Side, SymbolInfo } from '../../binance/types.js';
import type { ExchangeClient } from '../../binance/exchange-client.js';
import type { OrderCap } from '../../config.js';

export type { OrderCap };

export interface ValuedOrder {
  symbol: string;
  quoteAsset: string;
  side: Side;
  quantity?: string;
  quoteOrderQty?: string;
  price?: string;
  stopPrice?: string;
  lastPrice: string;
}

export interface OrderValuation {
  /** What the order is worth in its quote asset. */
  inQuote: string;
  /** The same in the cap's asset. */
  value: string;
  /** The pair and price the quote was converted through; absent when the quote is the cap's asset. */
  conversion?: { symbol: string; price: string; inverted: boolean; to: string };
}

export interface OrderValueDeps {
  exchange: Pick<ExchangeClient, 'tickerPrice'>;
  symbols: { symbol(name: string): Promise<SymbolInfo | undefined> };
}

/** Decimals kept when a value is divided by an inverted pair's price: far below a cent of any cap. */
const VALUE_DECIMALS = 12;

/** The order's worth in its quote asset (see the header for why a SELL takes the highest price). */
export function valueInQuote(order: ValuedOrder): string {
  if (order.quoteOrderQty !== undefined) return normalize(order.quoteOrderQty);
  const quantity = order.quantity ?? '0';
  if (order.side === 'BUY') return mul(quantity, order.price ?? order.lastPrice);
  let price = order.lastPrice;
  if (order.price !== undefined) price = max(price, order.price);
  if (order.stopPrice !== undefined) price = max(price, order.stopPrice);
  return mul(quantity, price);
}

/**
 * Values the order in the cap's asset and refuses it (ORDER_OVER_MAX_VALUE) when it is worth
 * more than the cap, or (ORDER_NO_VALUATION) when its quote cannot be converted.
 */
export async function enforceOrderCap(deps: OrderValueDeps, cap: OrderCap, order: ValuedOrder): Promise<OrderValuation> {
  const inQuote = valueInQuote(order);
  const valuation = await convert(deps, cap, order, inQuote);
  if (gt(valuation.value, cap.max)) {
    throw new AppError('ORDER_OVER_MAX_VALUE', `${order.symbol} order worth ${valuation.value} ${cap.asset} over ${cap.variable} ${cap.max}`, {
      userMessage: `This order is worth about ${money(valuation.value, cap.asset)}${via(order, valuation)}, over the limit of ${money(cap.max, cap.asset)} per order (${cap.variable}).`,
      details: { symbol: order.symbol, inQuote, value: valuation.value, cap: cap.max, asset: cap.asset, conversion: valuation.conversion },
    });
  }
  return valuation;
}

async function convert(deps: OrderValueDeps, cap: OrderCap, order: ValuedOrder, inQuote: string): Promise<OrderValuation> {
  if (order.quoteAsset === cap.asset) return { inQuote, value: inQuote };
  const path = await conversionPair(deps, order.quoteAsset, cap.asset);
  if (path) {
    const price = normalize((await deps.exchange.tickerPrice(path.symbol)).price);
    if (isPositive(price)) {
      const value = path.inverted ? div(inQuote, price, VALUE_DECIMALS, 'up') : mul(inQuote, price);
      return { inQuote, value, conversion: { symbol: path.symbol, price, inverted: path.inverted, to: cap.asset } };
    }
  }
  throw new AppError('ORDER_NO_VALUATION', `no trading pair between ${order.quoteAsset} and ${cap.asset}`, {
    userMessage: `This order cannot be valued in ${cap.asset}: the exchange has no trading pair between ${order.quoteAsset} and ${cap.asset}, so the per-order limit (${cap.variable}) cannot be checked and the order is refused.`,
    details: { symbol: order.symbol, quoteAsset: order.quoteAsset, asset: cap.asset },
  });
}

/** QUOTE/ASSET (multiply) or ASSET/QUOTE (divide), trading now: a halted pair's last price is stale. */
async function conversionPair(deps: OrderValueDeps, from: string, to: string): Promise<{ symbol: string; inverted: boolean } | undefined> {
  const [direct, inverse] = await Promise.all([deps.symbols.symbol(`${from}${to}`), deps.symbols.symbol(`${to}${from}`)]);
  // Names alone can collide (a base asset ending in the other's letters): the assets must match.
  if (direct && direct.status === 'TRADING' && direct.baseAsset === from && direct.quoteAsset === to) return { symbol: direct.symbol, inverted: false };
  if (inverse && inverse.status === 'TRADING' && inverse.baseAsset === to && inverse.quoteAsset === from) return { symbol: inverse.symbol, inverted: true };
  return undefined;
}

/** " (5 BTC at 70,000.00 USDT per BTC)": how a value in another quote was reached. */
function via(order: ValuedOrder, valuation: OrderValuation): string {
  const c = valuation.conversion;
  if (!c) return '';
  const [base, quote] = c.inverted ? [c.to, order.quoteAsset] : [order.quoteAsset, c.to];
  return ` (${formatQuantity(valuation.inQuote)} ${order.quoteAsset} at ${formatQuantity(c.price)} ${quote} per ${base})`;
}

function money(value: string, asset: string): string {
  return `${formatAmount(value, 2)} ${asset}`;
}
