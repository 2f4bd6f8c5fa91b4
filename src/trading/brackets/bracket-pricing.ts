/**
 * Pricing a /buy with a plan for its card (DESIGN.md §2 "Orders with a plan", §5b), in one read of
 * the market: where the stop and the target go, how much to buy, and the exits checked by the
 * filter engine as the exchange will check them, so a plan that cannot be placed whole gets no
 * card.
 *
 * - Entry: the limit price (rounded down to the tick, as a BUY limit is) or the last price.
 * - Stop: a price, N % below the entry, the newest confirmed bullish fractal below the price
 *   (stop-rule.ts `initialStop`), or entry − MULT × ATR(14) on closed candles (indicators.ts);
 *   rounded down to the tick. It must be below the entry: a sell stop at or above the price would
 *   sell at once ("Order would trigger immediately").
 * - Target: a price, N % above the entry, or N × (entry − stop) above it; rounded up to the tick
 *   (a take-profit rounds toward the better price). It must be above the entry.
 * - Size by risk: risk ÷ (entry − stop), the risk being N % of the net value or an amount, both in
 *   VALUATION_ASSET and converted to the pair's quote. Floored to the step, then capped by the free
 *   quote balance and by MAX_ORDER_VALUE: the card then says the risk is smaller than asked.
 * - Exits: for the quantity the entry leaves after a commission paid in the base asset (a BUY
 *   pays it in what it buys), floored to the step. The MARKET entry's exits are placed later for
 *   what was really received; the card shows this estimate.
 */
import { add, decimalsOf, div, floorToStep, gt, isPositive, lt, lte, min, mul, normalize, sub, toStep } from '../../decimal.js';
import { AppError } from '../../errors.js';
import { formatAmount, formatQuantity } from '../../format.js';
import { checkOrder, priceFilterOf, tickDecimals, violationsToError } from '../../binance/filters.js';
import type { Kline, SymbolInfo } from '../../binance/types.js';
import { atrStopPrice, latestAtr, TA_CANDLES } from '../../market/indicators.js';
import { initialStop } from '../../market/stop-rule.js';
import { feeRateOf, freeOf } from '../orders/balances.js';
import type { Market } from '../orders/order-draft.js';
import { loadMarket, priceOrderIn, type PricingDeps } from '../orders/order-pricing.js';
import { ARMING_KLINES, stopLimitPrice } from '../stops/stop-pricing.js';
import type { OrderPreview, OrderRequest } from '../types.js';
import type { BracketPlan, BracketRequest, RiskSpec, StopSpec, TargetSpec } from './bracket-types.js';
import { createValuer, type Valuer } from './net-value.js';

export interface BracketPricingDeps extends PricingDeps {
  /** VALUATION_ASSET. */
  valuationAsset: string;
  /** STOP_LIMIT_OFFSET_PCT. */
  limitOffsetPct: string;
}

export async function priceBracket(deps: BracketPricingDeps, request: BracketRequest): Promise<OrderPreview> {
  const market = await loadMarket(deps, request.symbol.toUpperCase());
  const { info, lastPrice } = market;
  const tick = priceFilterOf(info)?.tickSize;
  if (!tick || !isPositive(tick)) throw new AppError('ORDER_TYPE_NOT_ALLOWED', `${info.symbol} has no price tick`);
  const show = (value: string) => `${formatAmount(value, tickDecimals(info))} ${info.quoteAsset}`;
  const entryPrice = request.price !== undefined ? normalize(floorToStep(request.price, tick)) : lastPrice;
  const entryWord = request.price !== undefined ? 'limit price' : 'last price';

  const [klines, prices] = await Promise.all([klinesFor(deps, info, request.stop), deps.exchange.tickerPriceAll()]);
  const valuer = createValuer(deps.valuationAsset, prices);

  const stop = request.stop ? resolveStop(request.stop, { info, tick, entryPrice, lastPrice, klines, limitOffsetPct: deps.limitOffsetPct }) : undefined;
  if (stop && !lt(stop.stopPrice, entryPrice)) {
    throw new AppError('BRACKET_STOP_NOT_BELOW', `stop ${stop.stopPrice} not below entry ${entryPrice}`, {
      userMessage: `The stop at ${show(stop.stopPrice)} is not below the ${entryWord} of ${show(entryPrice)}: a sell stop at or above the price would sell at once. Put the stop under the entry.`,
    });
  }
  if (stop && request.price === undefined && !lt(stop.stopPrice, lastPrice)) {
    throw new AppError('BRACKET_STOP_NOT_BELOW', `stop ${stop.stopPrice} not below last ${lastPrice}`, { userMessage: `The stop at ${show(stop.stopPrice)} is not below the last price of ${show(lastPrice)}.` });
  }
  const target = request.target ? resolveTarget(request.target, tick, entryPrice, stop?.stopPrice) : undefined;
  if (target && !gt(target, entryPrice)) {
    throw new AppError('BRACKET_TARGET_NOT_ABOVE', `target ${target} not above entry ${entryPrice}`, {
      userMessage: `The target at ${show(target)} is not above the ${entryWord} of ${show(entryPrice)}: a take-profit sells higher than it buys. Put the target above the entry.`,
    });
  }

  // The entry order, sized by the amount or by the risk.
  let sizedByRisk: BracketPlan['sizedByRisk'];
  let entryRequest: OrderRequest;
  const notes: string[] = [];
  if (request.size.kind === 'risk') {
    const sized = sizeByRisk(deps, request.size.risk, market, valuer, entryPrice, stop!.stopPrice);
    sizedByRisk = sized.sizedByRisk;
    notes.push(...sized.notes);
    entryRequest = { symbol: info.symbol, side: 'BUY', amount: { kind: 'base', quantity: sized.quantity }, ...(request.price !== undefined ? { price: entryPrice } : {}) };
  } else {
    entryRequest = { symbol: info.symbol, side: 'BUY', amount: request.size.amount, ...(request.price !== undefined ? { price: request.price } : {}) };
  }
  const entry = await priceOrderIn(deps, entryRequest, market);

  // The exits, for what the entry leaves after its commission (in the base asset on a BUY).
  const bought = entry.quantity ?? entry.estimatedQuantity ?? '0';
  const rate = feeRateOf(market.account, deps.defaultFeeRate ?? '0.001');
  const step = stepOf(info);
  const exitQuantity = normalize(floorToStep(mul(bought, sub('1', rate)), step));
  checkExits(info, market, exitQuantity, stop, target);

  const plan: BracketPlan = {
    placement: request.price !== undefined ? 'list' : 'after-fill',
    entryPrice,
    ...(stop ? { stop: { stopPrice: stop.stopPrice, limitPrice: stop.limitPrice, spec: request.stop!, ...(stop.fractal ? { fractal: stop.fractal } : {}), ...(stop.armedAt !== undefined ? { armedAt: stop.armedAt } : {}), ...(stop.atr ? { atr: stop.atr } : {}) } } : {}),
    ...(target ? { target: { price: target, spec: request.target! } } : {}),
    exitQuantity,
    valuationAsset: deps.valuationAsset,
    ...(sizedByRisk ? { sizedByRisk } : {}),
  };
  if (stop) {
    plan.riskQuote = mul(sub(entryPrice, stop.stopPrice), exitQuantity);
    const value = valuer.value(info.quoteAsset, plan.riskQuote);
    if (value !== undefined) plan.riskValue = value;
    if (target) plan.rewardRisk = div(sub(target, entryPrice), sub(entryPrice, stop.stopPrice), 2, 'half-up');
  }
  return { ...entry, adjustments: [...notes, ...entry.adjustments], bracket: plan };
}

interface ResolvedStop {
  stopPrice: string;
  limitPrice: string;
  fractal?: { price: string; openTime: number };
  armedAt?: number;
  atr?: string;
}

async function klinesFor(deps: BracketPricingDeps, info: SymbolInfo, stop: StopSpec | undefined): Promise<Kline[]> {
  if (stop?.kind === 'fractal') return deps.exchange.klines(info.symbol, stop.interval, { limit: ARMING_KLINES });
  if (stop?.kind === 'atr') return deps.exchange.klines(info.symbol, stop.interval, { limit: TA_CANDLES + 1 });
  return [];
}

function resolveStop(
  spec: StopSpec,
  m: { info: SymbolInfo; tick: string; entryPrice: string; lastPrice: string; klines: Kline[]; limitOffsetPct: string },
): ResolvedStop {
  const withLimit = (stopPrice: string, extra: Partial<ResolvedStop> = {}): ResolvedStop => {
    const limitPrice = stopLimitPrice(stopPrice, m.limitOffsetPct, m.tick);
    if (!isPositive(stopPrice) || !isPositive(limitPrice)) {
      throw new AppError('BRACKET_STOP_NOT_BELOW', `stop ${stopPrice} not positive`, { userMessage: 'The stop is so low that it rounds to zero: choose a stop closer to the price.' });
    }
    return { stopPrice, limitPrice, ...extra };
  };
  switch (spec.kind) {
    case 'price':
      return withLimit(normalize(floorToStep(spec.price, m.tick)));
    case 'percent': {
      const raw = div(mul(m.entryPrice, sub('100', spec.percent)), '100', decimalsOf(m.tick) + 4, 'floor');
      return withLimit(normalize(floorToStep(raw, m.tick)));
    }
    case 'fractal': {
      const forming = m.klines[m.klines.length - 1];
      // Below both the entry and the market: a LIMIT entry under the market wants a stop under it.
      const first = forming ? initialStop({ candles: m.klines, now: forming.closeTime, price: min(m.entryPrice, m.lastPrice), tickSize: m.tick }) : undefined;
      if (!first) {
        throw new AppError('BRACKET_NO_STOP_FOUND', `no fractal below ${m.entryPrice}`, {
          userMessage: lt(m.entryPrice, m.lastPrice)
            ? `There is no confirmed bullish fractal below your entry of ${formatAmount(m.entryPrice, tickDecimals(m.info))} ${m.info.quoteAsset} on ${spec.interval} candles, so sl=fractal has no level. Use a price (sl=61000), a percentage (sl=3%) or sl=atr.`
            : `There is no confirmed bullish fractal below the price on ${spec.interval} candles yet, so sl=fractal has no level. Use a price (sl=61000), a percentage (sl=3%) or sl=atr.`,
        });
      }
      return withLimit(normalize(first.stop), { fractal: { price: normalize(first.fractal.price), openTime: first.fractal.openTime }, armedAt: forming!.closeTime + 1 });
    }
    case 'atr': {
      const forming = m.klines[m.klines.length - 1];
      const atr = forming ? latestAtr(m.klines, forming.closeTime) : undefined;
      // ATR is an indicator (a float); the stop it suggests is put on the tick grid exactly from there.
      const stopPrice = atr === undefined ? undefined : atrStopPrice(m.entryPrice, atr, m.tick, Number(spec.multiple));
      if (atr === undefined || stopPrice === undefined) {
        throw new AppError('BRACKET_NO_STOP_FOUND', 'no ATR stop', {
          userMessage: `ATR(14) on ${spec.interval} candles gives no stop above zero here (too few candles, or ${spec.multiple} × ATR is more than the price). Use a price or a percentage.`,
        });
      }
      // Candle time, as for sl=fractal: the chandelier trails highs from the forming candle's close on (plan-trailing.ts).
      return withLimit(normalize(stopPrice), { atr: normalize(toStep(String(atr), '0.00000001', 'half-up')), armedAt: forming!.closeTime + 1 });
    }
  }
}

export function resolveTarget(spec: TargetSpec, tick: string, entryPrice: string, stopPrice: string | undefined): string {
  const up = (raw: string) => normalize(toStep(raw, tick, 'ceil'));
  switch (spec.kind) {
    case 'price':
      return up(spec.price);
    case 'percent':
      return up(div(mul(entryPrice, add('100', spec.percent)), '100', decimalsOf(tick) + 4, 'ceil'));
    case 'risk-multiple':
      return up(add(entryPrice, mul(sub(entryPrice, stopPrice!), spec.multiple)));
  }
}

function stepOf(info: SymbolInfo): string {
  const lot = info.filters.find((f) => f.filterType === 'LOT_SIZE') as { stepSize?: string } | undefined;
  const step = lot?.stepSize;
  return step && isPositive(step) ? step : '0.00000001';
}

function sizeByRisk(
  deps: BracketPricingDeps,
  risk: RiskSpec,
  market: Market,
  valuer: Valuer,
  entryPrice: string,
  stopPrice: string,
): { quantity: string; sizedByRisk: NonNullable<BracketPlan['sizedByRisk']>; notes: string[] } {
  const { info, account } = market;
  const v = deps.valuationAsset;
  const notes: string[] = [];
  let riskValue: string;
  if (risk.kind === 'percent') {
    const net = valuer.netValue(account);
    riskValue = div(mul(net.value, risk.percent), '100', 8, 'floor');
    notes.push(`Risk ${normalize(risk.percent)}% of the net value ${formatAmount(net.value, 2)} ${v} = ${formatAmount(riskValue, 2)} ${v}.`);
    if (net.unvalued.length > 0) notes.push(`Left out of the net value (no ${v} pair): ${net.unvalued.join(', ')}.`);
  } else {
    if (risk.asset !== undefined && risk.asset !== v) {
      throw new AppError('ORDER_INVALID_INPUT', `risk in ${risk.asset}, valuation ${v}`, {
        userMessage: `The risk is counted in ${v} (VALUATION_ASSET): write risk=${normalize(risk.value)} or risk=${normalize(risk.value)}${v}, not ${risk.asset}.`,
      });
    }
    riskValue = normalize(risk.value);
  }
  const riskQuote = valuer.inAsset(info.quoteAsset, riskValue);
  if (riskQuote === undefined) {
    throw new AppError('ORDER_NO_VALUATION', `no pair between ${info.quoteAsset} and ${v}`, {
      userMessage: `The risk is in ${v} and ${info.symbol} is priced in ${info.quoteAsset}: the exchange has no pair between them to convert it.`,
    });
  }
  const step = stepOf(info);
  const perUnit = sub(entryPrice, stopPrice);
  let quantity = normalize(floorToStep(div(riskQuote, perUnit, decimalsOf(step) + 2, 'floor'), step));
  let cappedBy: 'balance' | 'cap' | undefined;
  const free = freeOf(account, info.quoteAsset);
  const byBalance = normalize(floorToStep(div(free, entryPrice, decimalsOf(step) + 2, 'floor'), step));
  if (gt(quantity, byBalance)) {
    quantity = byBalance;
    cappedBy = 'balance';
  }
  if (deps.orderCap) {
    const capQuote = valuer.inAsset(info.quoteAsset, deps.orderCap.max);
    if (capQuote !== undefined) {
      const byCap = normalize(floorToStep(div(capQuote, entryPrice, decimalsOf(step) + 2, 'floor'), step));
      if (gt(quantity, byCap)) {
        quantity = byCap;
        cappedBy = 'cap';
      }
    }
  }
  if (!isPositive(quantity)) {
    if (cappedBy === 'balance') {
      throw new AppError('ORDER_INSUFFICIENT_BALANCE', `no free ${info.quoteAsset}`, { userMessage: `There is no free ${info.quoteAsset} to buy ${info.baseAsset} with.` });
    }
    throw new AppError('BRACKET_RISK_TOO_SMALL', `risk ${riskQuote} over ${perUnit} per unit rounds to 0`, {
      userMessage: `Risking ${formatAmount(riskValue, 2)} ${v} with the stop ${formatAmount(perUnit, tickDecimals(info))} ${info.quoteAsset} under the entry buys less than the smallest step of ${formatQuantity(step)} ${info.baseAsset}. Risk more or put the stop closer.`,
    });
  }
  if (cappedBy) {
    const at = mul(quantity, perUnit);
    const why = cappedBy === 'balance' ? `the free ${formatAmount(free, 2)} ${info.quoteAsset}` : `the limit of ${formatAmount(deps.orderCap!.max, 2)} ${deps.orderCap!.asset} per order (${deps.orderCap!.variable})`;
    notes.push(`Sized down to ${formatQuantity(quantity)} ${info.baseAsset} by ${why}: about ${formatAmount(at, 2)} ${info.quoteAsset} is at risk, less than the ${formatAmount(riskQuote, 2)} asked.`);
  }
  return { quantity, sizedByRisk: { asked: riskValue, ...(cappedBy ? { cappedBy } : {}) }, notes };
}

/** The exit legs as the exchange will check them: a plan whose exits would be refused gets no card. */
function checkExits(info: SymbolInfo, market: Market, quantity: string, stop: ResolvedStop | undefined, target: string | undefined): void {
  const refuse = (leg: string, error: AppError) =>
    new AppError('BRACKET_EXIT_REFUSED', `${leg}: ${error.message}`, {
      userMessage: `The ${leg} would be refused by the exchange: ${error.userMessage}`,
      details: { ...error.details, leg },
    });
  if (!isPositive(quantity)) throw refuse('exit orders', new AppError('ORDER_FILTER_LOT_SIZE', 'zero exit quantity', { userMessage: 'after the fee there is nothing left to protect.' }));
  const reference = { referencePrice: market.referencePrice };
  if (stop) {
    const verdict = checkOrder(info, { side: 'SELL', type: 'STOP_LOSS_LIMIT', timeInForce: 'GTC', quantity, price: stop.limitPrice, stopPrice: stop.stopPrice }, reference, 'strict');
    if (!verdict.ok) throw refuse('stop order', violationsToError(verdict.violations));
  }
  if (target) {
    const verdict = checkOrder(info, { side: 'SELL', type: 'LIMIT_MAKER', quantity, price: target }, reference, 'strict');
    if (!verdict.ok) throw refuse('take-profit order', violationsToError(verdict.violations));
  }
  if (stop && target && lte(target, stop.stopPrice)) throw refuse('exit orders', new AppError('ORDER_INVALID_INPUT', 'target under stop', { userMessage: 'the target is not above the stop.' }));
}

