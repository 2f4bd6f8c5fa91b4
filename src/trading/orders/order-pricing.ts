/**
 * Pricing an order for its confirmation card (DESIGN.md §2, §4 step 1) and checking it again in
 * the worker (§4 step 3.2), with exact decimals throughout (src/decimal.ts).
 *
 * - The card: the trader's amount becomes what will be sent (order-draft.ts), then the filter engine in
 *   `adjust` mode puts it on the grid (quantities floor, prices round the safe way), and the
 *   balance and MAX_ORDER_VALUE (order-value.ts) decide whether there is a card at all.
 * - The worker: the confirmed values are checked in `strict` mode against fresh filters, so a
 *   filter that changed since the card is a refusal, never a silent change of what was confirmed.
 *
 * The reference price for PERCENT_PRICE and MARKET notionals is referencePrice, else avgPrice,
 * else the last price (BINANCE.md "Filters").
 */
import { gt, isPositive, lt, max, min, mul, normalize, sub } from '../../decimal.js';
import { AppError, isExchangeError } from '../../errors.js';
import { formatAmount, formatQuantity } from '../../format.js';
import { checkOrder, quoteOrderQuantityAt, stepDecimals, tickDecimals, violationsToError, type OrderDraft } from '../../binance/filters.js';
import { suggestSymbols } from '../../binance/symbols.js';
import type { ExchangeInfo, NewOrderParams, SymbolInfo } from '../../binance/types.js';
import type { ExchangeClient } from '../../binance/exchange-client.js';
import type { TradingMode } from '../../config.js';
import type { OrderPreview, OrderRequest } from '../types.js';
import { feeRateOf, freeOf } from './balances.js';
import { withLockedFunds } from './locked-funds.js';
import { draftOf, sentence, type Market } from './order-draft.js';
import { enforceOrderCap, type OrderCap } from './order-value.js';

/** Where symbol rules come from (the exchangeInfo cache). */
export interface SymbolLookup {
  /** The symbol's current info, or undefined when the exchange does not list it. */
  symbol(name: string): Promise<SymbolInfo | undefined>;
  /** Every listed symbol: when present, an unknown symbol gets a did-you-mean. */
  get?(): Promise<ExchangeInfo>;
}

export interface PricingDeps {
  exchange: ExchangeClient;
  symbols: SymbolLookup;
  mode: TradingMode;
  /** MAX_ORDER_VALUE in VALUATION_ASSET (order-value.ts). */
  orderCap?: OrderCap;
  /** Close matches for a symbol the exchange does not list. Default: suggestSymbols (src/binance/symbols.ts) over `symbols.get()`. */
  suggestSymbols?: (input: string) => Promise<string[]> | string[];
  /** Fee rate when the account reports none. Default 0.001 (0.1 %). */
  defaultFeeRate?: string;
  /** Order ids of the managed stops on a symbol: a sell that finds its coins locked says which stop holds them. */
  stopOrderIds?: (symbol: string) => Promise<number[]>;
}

export async function priceOrder(deps: PricingDeps, request: OrderRequest): Promise<OrderPreview> {
  const market = await loadMarket(deps, request.symbol.toUpperCase());
  try {
    return await priceInMarket(deps, request, market);
  } catch (error) {
    throw await withLockedFunds(deps, request, market, error);
  }
}

/** The same card pricing in a market already read (a bracket reads it once for its entry and exits). */
export async function priceOrderIn(deps: PricingDeps, request: OrderRequest, market: Market): Promise<OrderPreview> {
  try {
    return await priceInMarket(deps, request, market);
  } catch (error) {
    throw await withLockedFunds(deps, request, market, error);
  }
}

async function priceInMarket(deps: PricingDeps, request: OrderRequest, market: Market): Promise<OrderPreview> {
  const { info, lastPrice, referencePrice } = market;
  const draft = draftOf(request, market);
  const verdict = checkOrder(info, draft.order, { referencePrice }, 'adjust');
  if (!verdict.ok) throw violationsToError(verdict.violations);
  const checked = verdict.order;

  const preview: OrderPreview = {
    mode: deps.mode,
    symbol: info.symbol,
    baseAsset: info.baseAsset,
    quoteAsset: info.quoteAsset,
    side: checked.side,
    type: checked.type,
    ...(checked.timeInForce ? { timeInForce: checked.timeInForce } : {}),
    ...(checked.quantity !== undefined ? { quantity: checked.quantity } : {}),
    ...(checked.quoteOrderQty !== undefined ? { quoteOrderQty: checked.quoteOrderQty } : {}),
    ...(checked.price !== undefined ? { price: checked.price } : {}),
    lastPrice,
    estimatedNotional: '0',
    estimatedFee: '0',
    feeAsset: checked.side === 'BUY' ? info.baseAsset : info.quoteAsset,
    remainingFree: { asset: '', amount: '0' },
    adjustments: [...draft.notes, ...checked.adjustments.map(sentence)],
    priceDecimals: tickDecimals(info),
    quantityDecimals: stepDecimals(info, checked.type),
  };
  const costs = assessCosts(deps, preview, market);
  const costed = { ...preview, ...costs };
  const priced = { ...costed, adjustments: [...preview.adjustments, ...roundingNote(costed, draft.askedQuote)] };
  await checkCap(deps, priced);
  return { ...priced, ...marketableNote(priced) };
}

/**
 * Step 3.2 of the pipeline: the confirmed order against fresh filters, balances and
 * MAX_ORDER_VALUE. Returns the exact parameters to send (without the client order id).
 */
export async function revalidateOrder(deps: PricingDeps, preview: OrderPreview): Promise<NewOrderParams> {
  const market = await loadMarket(deps, preview.symbol);
  const draft = confirmedOrder(preview);
  const verdict = checkOrder(market.info, draft, { referencePrice: market.referencePrice }, 'strict');
  if (!verdict.ok) {
    const error = violationsToError(verdict.violations);
    throw new AppError(error.code, error.message, {
      userMessage: `The exchange rules changed since the card: ${error.userMessage}`,
      details: error.details,
    });
  }
  const fresh = { ...preview, lastPrice: market.lastPrice };
  assessCosts(deps, fresh, market);
  // Valued again at send time: the price, or the quote asset's own price, may have moved since the card.
  await checkCap(deps, fresh);
  return { symbol: preview.symbol, ...draft };
}

/** What the card confirmed, exactly as it will be sent (without symbol and client order id). */
function confirmedOrder(p: OrderPreview): OrderDraft {
  return {
    side: p.side,
    type: p.type,
    ...(p.timeInForce ? { timeInForce: p.timeInForce } : {}),
    ...(p.quantity !== undefined ? { quantity: p.quantity } : {}),
    ...(p.quoteOrderQty !== undefined ? { quoteOrderQty: p.quoteOrderQty } : {}),
    ...(p.price !== undefined ? { price: p.price } : {}),
    ...(p.stopPrice !== undefined ? { stopPrice: p.stopPrice } : {}),
  };
}

export async function loadMarket(deps: Pick<PricingDeps, 'exchange' | 'symbols' | 'suggestSymbols'>, symbol: string): Promise<Market> {
  const info = await deps.symbols.symbol(symbol);
  if (!info) throw await unknownSymbol(deps, symbol);
  const [ticker, reference, average, account] = await Promise.all([
    deps.exchange.tickerPrice(info.symbol),
    deps.exchange.referencePrice(info.symbol),
    // Asked alongside referencePrice rather than after it: one round trip less on the way to Confirm.
    averagePriceOf(deps.exchange, info.symbol),
    deps.exchange.account(),
  ]);
  const last = normalize(ticker.price);
  const referencePrice = reference?.referencePrice && isPositive(reference.referencePrice) ? normalize(reference.referencePrice) : (average ?? last);
  return { info, lastPrice: last, referencePrice, account };
}

/** avgPrice, or undefined when the exchange has none for the symbol. */
async function averagePriceOf(exchange: ExchangeClient, symbol: string): Promise<string | undefined> {
  try {
    const average = await exchange.avgPrice(symbol);
    return isPositive(average.price) ? normalize(average.price) : undefined;
  } catch (error) {
    if (isExchangeError(error) && error.kind === 'rejected') return undefined;
    throw error;
  }
}

async function unknownSymbol(deps: Pick<PricingDeps, 'symbols' | 'suggestSymbols'>, symbol: string): Promise<AppError> {
  let suggestions: string[] = [];
  try {
    if (deps.suggestSymbols) suggestions = (await deps.suggestSymbols(symbol)).slice(0, 3);
    else if (deps.symbols.get) suggestions = suggestSymbols(symbol, (await deps.symbols.get()).symbols.map((s) => s.symbol), 3);
  } catch {
    suggestions = [];
  }
  const hint = suggestions.length > 0 ? ` Did you mean ${suggestions.join(', ')}?` : '';
  return new AppError('EXCHANGE_UNKNOWN_SYMBOL', `unknown symbol ${symbol}`, {
    userMessage: `The exchange does not list ${symbol}.${hint}`,
    details: { symbol, suggestions },
  });
}

/** Estimated value, fee and what stays free; throws for insufficient balance. */
function assessCosts(deps: PricingDeps, p: OrderPreview, market: Market): Pick<OrderPreview, 'estimatedNotional' | 'estimatedFee' | 'remainingFree' | 'estimatedQuantity'> {
  const { info, account } = market;
  // A SELL limit below the market fills at the market: its proceeds are estimated there.
  const sizingPrice = p.side === 'SELL' && p.price !== undefined ? max(p.price, p.lastPrice) : (p.price ?? p.lastPrice);
  // What a quoteOrderQty order may spend, and what it is expected to spend: the exchange floors its quantity to the step.
  const notional = p.quoteOrderQty ?? mul(p.quantity ?? '0', sizingPrice);
  const baseQuantity = p.quantity ?? quoteOrderQuantityAt(info, p.quoteOrderQty ?? '0', sizingPrice);
  const expected = p.quoteOrderQty !== undefined ? mul(baseQuantity, sizingPrice) : notional;
  const quoteDecimals = Math.max(2, p.priceDecimals);
  const show = (value: string, asset: string) =>
    `${asset === info.quoteAsset ? formatAmount(value, quoteDecimals) : formatQuantity(value, Math.max(stepDecimals(info, p.type), 8))} ${asset}`;

  const spendAsset = p.side === 'BUY' ? info.quoteAsset : info.baseAsset;
  const spend = p.side === 'BUY' ? notional : baseQuantity;
  const free = freeOf(account, spendAsset);
  if (lt(free, spend)) {
    throw new AppError('ORDER_INSUFFICIENT_BALANCE', `needs ${spend} ${spendAsset}, free ${free}`, {
      userMessage: `Not enough free ${spendAsset}: this order needs about ${show(spend, spendAsset)} and ${show(free, spendAsset)} is free.`,
      details: { asset: spendAsset, needed: spend, free },
    });
  }
  const rate = feeRateOf(account, deps.defaultFeeRate ?? '0.001');
  const estimatedFee = p.side === 'BUY' ? mul(baseQuantity, rate) : mul(expected, rate);
  return {
    estimatedNotional: expected,
    ...(p.quoteOrderQty !== undefined ? { estimatedQuantity: baseQuantity } : {}),
    estimatedFee,
    remainingFree: { asset: spendAsset, amount: sub(free, min(free, spend)) },
  };
}

/** Rounding to the step spends more than 1 % less than the amount named: the trader is told, with the step. */
function roundingNote(p: OrderPreview, asked: string | undefined): string[] {
  const expected = p.estimatedNotional;
  if (asked === undefined || !isPositive(asked) || p.side !== 'BUY') return [];
  if (!lt(mul(expected, '100'), mul(asked, '99'))) return [];
  const quote = Math.max(2, p.priceDecimals);
  const quantity = p.quantity ?? p.estimatedQuantity ?? '0';
  return [
    `Rounded down to the quantity step: ${formatAmount(asked, quote)} ${p.quoteAsset} buys ${formatAmount(quantity, p.quantityDecimals, 'down')} ${p.baseAsset}, about ${formatAmount(expected, quote)} ${p.quoteAsset} at the last price.`,
  ];
}

/** MAX_ORDER_VALUE, when set (order-value.ts). */
async function checkCap(deps: PricingDeps, p: OrderPreview): Promise<void> {
  if (!deps.orderCap) return;
  // A preview carries every field the valuation reads.
  await enforceOrderCap(deps, deps.orderCap, p);
}

/**
 * A limit on the wrong side of the market is not a resting order: it fills at once at the market.
 * The card says so, and a SELL's proceeds are estimated at the market, not at the limit.
 */
function marketableNote(p: OrderPreview): Partial<OrderPreview> {
  if (p.type !== 'LIMIT' || p.price === undefined || p.quantity === undefined) return {};
  const crosses = p.side === 'SELL' ? lt(p.price, p.lastPrice) : gt(p.price, p.lastPrice);
  if (!crosses) return {};
  return { fillsAtOnce: true };
}
