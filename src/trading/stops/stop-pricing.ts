/**
 * Pricing a /stop card (DESIGN.md §2 "Confirmation card", §5): the STOP_LOSS_LIMIT SELL it will
 * place, checked with the filter engine at both of its prices, and, for a trailing stop, the entry
 * price, the arming moment and the first stop.
 *
 * - Quantity: AMOUNT (a base quantity, `all`, or `N%` of the free base balance), else the whole
 *   free base balance; floored to the step.
 * - Fixed stop: the stop price as given, rounded down to the tick; it must be below the last price
 *   (a SELL stop at or above the market is refused by Binance: "Order would trigger immediately").
 * - Fractal stop: one klines request. The last row may be the forming candle, so it is never used
 *   for a fractal, and arming counts from the end of it: only fractals whose candle opens after
 *   the card was shown can move the stop. The first stop is the newest confirmed bullish fractal
 *   below the last price (stop-rule.ts `initialStop`); with none, the stop will wait.
 * - Percent and ATR stops: the high starts at the last price, and the first stop hangs under it
 *   (trail-rule.ts `trailLevel`: N %, or MULT × ATR(14) of the closed candles as /ta computes it).
 *   Arming counts from the end of the forming candle, as for a fractal stop: that candle began
 *   before arming, so it raises the high by its close only (trail-rule.ts). No level (too few
 *   candles for ATR, a stop at or under zero) is a refusal: these stops never wait.
 * - Limit price: `STOP_LIMIT_OFFSET_PCT` below the stop, rounded down to the tick, checked against the
 *   reference price PERCENT_PRICE(_BY_SIDE) measures it by (BINANCE.md "Filters"); the stop mover
 *   prices every move with the same two functions (`stopLimitPrice`, `referencePriceOf`).
 * - Entry: the average price of the position when the order records know the buys, else the
 *   last price.
 */
import { add, decimalsOf, div, floorToStep, isDecimal, isPositive, lt, min, mul, normalize, sub } from '../../decimal.js';
import { AppError, isExchangeError } from '../../errors.js';
import { formatAmount } from '../../format.js';
import { checkOrder, priceFilterOf, stepDecimals, tickDecimals, violationsToError } from '../../binance/filters.js';
import type { Kline, SymbolInfo } from '../../binance/types.js';
import type { ExchangeClient } from '../../binance/exchange-client.js';
import type { TradingMode } from '../../config.js';
import { latestAtr, TA_CANDLES } from '../../market/indicators.js';
import { initialStop } from '../../market/stop-rule.js';
import { trailLevel } from '../../market/trail-rule.js';
import { feeRateOf, freeOf } from '../orders/balances.js';
import { sentence } from '../orders/order-draft.js';
import type { SymbolLookup } from '../orders/order-pricing.js';
import type { OrderRecord } from '../orders/order-records.js';
import { enforceOrderCap, type OrderCap } from '../orders/order-value.js';
import { fractalBasis, trailBasis } from './stop-basis.js';
import type { StopBasis, StopIntent, StopRequest, TrailHigh } from './stop-types.js';
import type { AmountSpec, OrderPreview } from '../types.js';

export interface StopPricingDeps {
  exchange: ExchangeClient;
  symbols: SymbolLookup;
  /** Recent order records: the position's average entry price. */
  records: { recent(limit?: number): Promise<OrderRecord[]> };
  mode: TradingMode;
  /** STOP_LIMIT_OFFSET_PCT. */
  limitOffsetPct: string;
  /** MAX_ORDER_VALUE in VALUATION_ASSET (order-value.ts): a stop sells what is worth the last price now. */
  orderCap?: OrderCap;
  /** Fee rate when the account reports none. Default 0.001. */
  defaultFeeRate?: string;
}

export interface PricedStop {
  preview: OrderPreview;
  stop: StopIntent;
}

/**
 * Candles read to arm a fractal stop: after a fall the newest fractal below the price can be far
 * back, and a klines request weighs the same (2) for any limit up to 1000.
 */
export const ARMING_KLINES = 1000;
/** Order records searched for the position's buys. */
const ENTRY_RECORDS = 200;

export async function priceStop(deps: StopPricingDeps, request: StopRequest): Promise<PricedStop> {
  const info = await deps.symbols.symbol(request.symbol);
  if (!info) throw new AppError('EXCHANGE_UNKNOWN_SYMBOL', `unknown symbol ${request.symbol}`, { userMessage: `The exchange does not list ${request.symbol}.` });
  const tick = priceFilterOf(info)?.tickSize;
  if (!tick || !isPositive(tick)) throw new AppError('ORDER_TYPE_NOT_ALLOWED', `${info.symbol} has no price tick`);
  const [ticker, account, klines] = await Promise.all([
    deps.exchange.tickerPrice(info.symbol),
    deps.exchange.account(),
    request.kind === 'fixed' ? Promise.resolve([] as Kline[]) : deps.exchange.klines(info.symbol, request.interval, { limit: ARMING_LIMITS[request.kind] }),
  ]);
  const lastPrice = normalize(ticker.price);
  const referencePrice = await referencePriceOf(deps.exchange, info.symbol, lastPrice);
  const free = freeOf(account, info.baseAsset);
  const quantity = quantityOf(request.amount, free, info);
  const entry = await entryOf(deps, info.symbol, quantity, lastPrice);

  let stopPrice: string | undefined;
  let basis: StopBasis | undefined;
  let high: TrailHigh | undefined;
  let armedAt: number;
  const notes: string[] = [];
  if (request.kind === 'fixed') {
    // Rounded down (stopRounding of a SELL stop): a touch of the price asked for still triggers it.
    stopPrice = normalize(floorToStep(request.stopPrice, tick));
    if (stopPrice !== normalize(request.stopPrice)) notes.push(`Stop price rounded down from ${normalize(request.stopPrice)} to ${stopPrice} (tick ${normalize(tick)}).`);
    armedAt = Date.now();
    if (!lt(stopPrice, lastPrice)) {
      throw new AppError('EXCHANGE_WOULD_TRIGGER', `stop ${stopPrice} not below ${lastPrice}`, {
        userMessage: `A sell stop must be below the current price of ${formatAmount(lastPrice, tickDecimals(info))} ${info.quoteAsset}: at ${formatAmount(stopPrice, tickDecimals(info))} it would sell at once.`,
      });
    }
  } else {
    const forming = klines[klines.length - 1];
    // The last row may still be forming: no rule may use it, and arming counts from its end.
    armedAt = forming ? forming.closeTime + 1 : Date.now();
    if (request.kind === 'fractal') {
      const first = forming ? initialStop({ candles: klines, now: forming.closeTime, price: lastPrice, tickSize: tick }) : undefined;
      if (first) {
        stopPrice = first.stop;
        basis = fractalBasis(first.fractal);
      }
    } else {
      high = { price: lastPrice, openTime: armedAt };
      const atr = request.kind === 'atr' && forming ? latestAtr(klines, forming.closeTime) : undefined;
      const spec = request.kind === 'percent' ? { kind: 'percent' as const, percent: request.percent } : { kind: 'atr' as const, multiple: request.multiple };
      stopPrice = trailLevel(spec, lastPrice, atr, tick);
      basis = trailBasis({ kind: request.kind, ...(request.kind === 'percent' ? { percent: request.percent } : { atrMultiple: request.multiple }) }, high, atr);
      if (stopPrice === undefined || basis === undefined || !lt(stopPrice, lastPrice)) throw noLevel(request, info, atr === undefined);
    }
  }

  // With no stop yet, the order is checked as if its stop sat at the last price: a deeper stop is worth less.
  const checkedStop = stopPrice ?? normalize(floorToStep(lastPrice, tick));
  const limit = stopLimitPrice(checkedStop, deps.limitOffsetPct, tick);
  if (!isPositive(limit)) throw new AppError('ORDER_FILTER_PRICE', `limit of ${checkedStop} rounds to zero`, { userMessage: `The stop price ${checkedStop} is too low to place.` });
  const verdict = checkOrder(info, { side: 'SELL', type: 'STOP_LOSS_LIMIT', timeInForce: 'GTC', quantity, price: limit, stopPrice: checkedStop }, { referencePrice }, 'adjust');
  if (!verdict.ok) throw violationsToError(verdict.violations);
  const checked = verdict.order;
  notes.push(...checked.adjustments.map(sentence));

  if (deps.orderCap) {
    await enforceOrderCap(deps, deps.orderCap, {
      symbol: info.symbol,
      quoteAsset: info.quoteAsset,
      side: 'SELL',
      quantity: checked.quantity!,
      price: checked.price!,
      stopPrice: checked.stopPrice!,
      lastPrice,
    });
  }
  const proceeds = mul(checked.quantity!, checked.price!);
  const rate = feeRateOf(account, deps.defaultFeeRate ?? '0.001');
  const placed = stopPrice !== undefined;
  const preview: OrderPreview = {
    mode: deps.mode,
    symbol: info.symbol,
    baseAsset: info.baseAsset,
    quoteAsset: info.quoteAsset,
    side: 'SELL',
    type: 'STOP_LOSS_LIMIT',
    timeInForce: 'GTC',
    quantity: checked.quantity!,
    ...(placed ? { price: checked.price!, stopPrice: checked.stopPrice! } : {}),
    lastPrice,
    estimatedNotional: proceeds,
    estimatedFee: mul(proceeds, rate),
    feeAsset: info.quoteAsset,
    remainingFree: { asset: info.baseAsset, amount: sub(free, min(free, checked.quantity!)) },
    adjustments: notes,
    priceDecimals: tickDecimals(info),
    quantityDecimals: stepDecimals(info, 'STOP_LOSS_LIMIT'),
  };
  const stop: StopIntent = {
    kind: request.kind,
    ...(request.kind !== 'fixed' ? { interval: request.interval } : {}),
    ...(request.kind === 'percent' ? { percent: request.percent } : {}),
    ...(request.kind === 'atr' ? { atrMultiple: request.multiple } : {}),
    ...(high ? { high } : {}),
    entryPrice: entry.price,
    entrySource: entry.source,
    armedAt,
    quantity: checked.quantity!,
    ...(placed ? { initial: { stopPrice: checked.stopPrice!, limitPrice: checked.price!, ...(basis ? { basis } : {}) } } : {}),
  };
  return { preview, stop };
}

/** Candles read to arm each trailing kind: fractals may be far back; ATR(14) as /ta reads it; a percent stop only needs the forming candle's time. */
const ARMING_LIMITS = { fractal: ARMING_KLINES, atr: TA_CANDLES + 1, percent: 2 } as const;

function noLevel(request: StopRequest, info: SymbolInfo, noAtr: boolean): AppError {
  const interval = request.kind === 'fixed' ? '' : request.interval;
  const userMessage =
    request.kind === 'atr' && noAtr
      ? `ATR(14) needs at least 15 closed ${interval} candles of ${info.symbol}, and the exchange has fewer. Use a percentage (/stop ${info.symbol} 3%) or a price.`
      : request.kind === 'atr'
        ? `${normalize(request.multiple)} × ATR(14) on ${interval} candles is more than the price of ${info.symbol}: the stop would be at or under zero. Use a smaller multiple (atr:2).`
        : `A stop that close under the price of ${info.symbol} falls on the price itself or on zero once rounded to its price grid. Use another percentage.`;
  return new AppError('STOP_NO_LEVEL', `no ${request.kind} stop level on ${info.symbol}`, { userMessage });
}

function quantityOf(amount: AmountSpec | undefined, free: string, info: SymbolInfo): string {
  const spec = amount ?? { kind: 'all' as const };
  if (spec.kind === 'quote') {
    throw new AppError('ORDER_INVALID_INPUT', 'stop amount in quote currency', {
      userMessage: `Give the amount to protect in ${info.baseAsset} (e.g. 0.5), as all, or as a share like 50%.`,
    });
  }
  if (spec.kind === 'base') {
    if (!isDecimal(spec.quantity) || !isPositive(spec.quantity)) throw new AppError('ORDER_INVALID_INPUT', 'bad quantity', { userMessage: 'The quantity must be a positive number.' });
    if (lt(free, spec.quantity)) {
      throw new AppError('ORDER_INSUFFICIENT_BALANCE', `stop needs ${spec.quantity} ${info.baseAsset}, free ${free}`, {
        userMessage: `Not enough free ${info.baseAsset}: the stop needs ${normalize(spec.quantity)} and ${free} is free.`,
      });
    }
    return normalize(spec.quantity);
  }
  if (!isPositive(free)) {
    throw new AppError('ORDER_INSUFFICIENT_BALANCE', `no free ${info.baseAsset}`, { userMessage: `There is no free ${info.baseAsset} to protect with a stop.` });
  }
  const share = spec.kind === 'all' ? '100' : spec.percent;
  return div(mul(free, share), '100', decimalsOf(free) + 2, 'floor');
}

/**
 * The average price of the position from the order records: the newest filled BUYs of the
 * symbol, enough of them to cover the quantity (or all there are). Else the last price.
 */
async function entryOf(deps: StopPricingDeps, symbol: string, quantity: string, lastPrice: string): Promise<{ price: string; source: 'position' | 'price' }> {
  const recent = await deps.records.recent(ENTRY_RECORDS).catch(() => [] as OrderRecord[]);
  let qty = '0';
  let quote = '0';
  for (const r of recent) {
    if (r.symbol !== symbol || r.side !== 'BUY' || !isPositive(r.executedQty) || !isPositive(r.cummulativeQuoteQty)) continue;
    qty = add(qty, r.executedQty);
    quote = add(quote, r.cummulativeQuoteQty);
    if (!lt(qty, quantity)) break;
  }
  if (!isPositive(qty)) return { price: lastPrice, source: 'price' };
  return { price: normalize(div(quote, qty, Math.max(decimalsOf(lastPrice), 2) + 4, 'half-up')), source: 'position' };
}

/** The limit price of a stop: `offsetPct` below the stop price, rounded down to the tick (priceRounding of a SELL stop-limit). */
export function stopLimitPrice(stopPrice: string, offsetPct: string, tickSize: string): string {
  const raw = div(mul(stopPrice, sub('100', offsetPct)), '100', decimalsOf(tickSize) + 4, 'floor');
  return normalize(floorToStep(raw, tickSize));
}

/** PERCENT_PRICE(_BY_SIDE)'s reference: referencePrice, else avgPrice, else the last price (BINANCE.md "Filters"). */
export async function referencePriceOf(exchange: ExchangeClient, symbol: string, fallback: string): Promise<string> {
  try {
    const reference = await exchange.referencePrice(symbol);
    if (reference?.referencePrice && isPositive(reference.referencePrice)) return normalize(reference.referencePrice);
  } catch (error) {
    if (!isExchangeError(error) || error.kind !== 'rejected') throw error;
  }
  try {
    const average = await exchange.avgPrice(symbol);
    if (isPositive(average.price)) return normalize(average.price);
  } catch (error) {
    if (!isExchangeError(error) || error.kind !== 'rejected') throw error;
  }
  return fallback;
}
