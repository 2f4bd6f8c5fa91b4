/**
 * `/tp SYMBOL TARGET [AMOUNT]` (DESIGN.md §2, §5b): a take-profit for a held position, priced for
 * a confirmation card.
 *
 * - With a managed stop on the position (the AMOUNT, when given, is its quantity): the card says
 *   the lone stop becomes one OCO list, the same stop below and the target above, on the same
 *   quantity; spot Binance cannot hold two sell orders on one balance. Confirm queues the job of
 *   take-profit-job.ts (the intent carries `takeProfit`).
 * - Without one: a plain LIMIT_MAKER sell at the target for the free balance (or AMOUNT), placed
 *   by the order pipeline as any card.
 *
 * TARGET is a price, `N%` above the entry (the stop's recorded entry, else the last price) or
 * `NR`, N times the risk (entry − the managed stop). It rounds up to the tick and must be above
 * the last price: a take-profit below the market would sell at once.
 */
import { eq, gt, mul, normalize } from '../../decimal.js';
import { AppError } from '../../errors.js';
import { formatAmount } from '../../format.js';
import { checkOrder, priceFilterOf, stepDecimals, tickDecimals, violationsToError } from '../../binance/filters.js';
import type { OrderCap } from '../../config.js';
import type { AuditLog } from '../audit-log.js';
import type { CardDeps } from '../card-deps.js';
import { cardCallbackData } from '../card-callback.js';
import type { IntentStore } from '../intent-store.js';
import { feeRateOf, freeOf } from '../orders/balances.js';
import { renderCard } from '../orders/order-card.js';
import { loadMarket, priceOrderIn } from '../orders/order-pricing.js';
import { stopDisplay } from '../stops/stop-alert-text.js';
import type { StopStore } from '../stops/stop-store.js';
import type { ManagedStop } from '../stops/stop-types.js';
import type { AmountSpec, OrderPreview, PreparedCard, Requester } from '../types.js';
import type { TargetSpec } from './bracket-types.js';
import { resolveTarget } from './bracket-pricing.js';

export interface TakeProfitRequest {
  symbol: string;
  target: TargetSpec;
  amount?: AmountSpec;
}

export interface TakeProfitDesk {
  prepareTakeProfit(request: TakeProfitRequest, requester: Requester): Promise<PreparedCard>;
}

export interface TakeProfitDeskOptions extends CardDeps {
  intents: IntentStore;
  stops: StopStore;
  audit: AuditLog;
  orderCap?: OrderCap;
}

const refuse = (code: 'BRACKET_TARGET_NOT_ABOVE' | 'TAKE_PROFIT_NO_POSITION' | 'TAKE_PROFIT_REFUSED', message: string, userMessage: string) => new AppError(code, message, { userMessage });

/** The managed stop the target joins: the one on AMOUNT's quantity, else the largest with an order. */
function stopFor(stops: ManagedStop[], amount: AmountSpec | undefined): ManagedStop | undefined {
  // A stop whose first order is still in the pipeline counts: the job resolves it first. One waiting
  // with its plan's entry does not: there is no position yet, and changing its list would cancel the entry.
  const live = stops.filter((s) => s.stopPrice !== undefined && s.awaitsEntry === undefined && ((s.status === 'active' && s.orderId !== undefined) || s.status === 'placing'));
  if (amount?.kind === 'base') return live.find((s) => eq(s.quantity, amount.quantity));
  if (amount !== undefined && amount.kind !== 'all') return undefined;
  return live.sort((a, b) => (gt(a.quantity, b.quantity) ? -1 : 1))[0];
}

export function createTakeProfitDesk(options: TakeProfitDeskOptions): TakeProfitDesk {
  const exchange = options.cardReads ?? options.exchange;
  const pricing = { exchange, symbols: options.symbols, mode: options.mode, ...(options.orderCap ? { orderCap: options.orderCap } : {}) };

  async function price(request: TakeProfitRequest): Promise<{ preview: OrderPreview; stop?: ManagedStop; entry: string }> {
    const market = await loadMarket(pricing, request.symbol);
    const { info, lastPrice } = market;
    const tick = priceFilterOf(info)?.tickSize ?? '0.00000001';
    const show = (v: string) => `${formatAmount(v, tickDecimals(info))} ${info.quoteAsset}`;
    const stop = stopFor(await options.stops.bySymbol(info.symbol), request.amount);
    const free = freeOf(market.account, info.baseAsset);
    if (!stop && !gt(free, '0')) {
      throw refuse('TAKE_PROFIT_NO_POSITION', `no ${info.baseAsset} to sell`, `You hold no free ${info.baseAsset} and no managed stop on ${info.symbol}: there is no position to take profit on.`);
    }
    const entry = stop?.entryPrice ?? lastPrice;
    if (request.target.kind === 'risk-multiple' && (!stop || !gt(entry, stop.stopPrice!))) {
      throw refuse('TAKE_PROFIT_REFUSED', 'R target without a stop under the entry', `A target in R is a multiple of the risk, entry − stop: ${info.symbol} has no managed stop below its entry. Give a price or a percentage, or set a stop first with /stop.`);
    }
    const target = resolveTarget(request.target, tick, entry, stop?.stopPrice);
    if (!gt(target, lastPrice)) {
      throw refuse('BRACKET_TARGET_NOT_ABOVE', `target ${target} not above last ${lastPrice}`, `The target at ${show(target)} is not above the last price of ${show(lastPrice)}: a take-profit sells higher than the market. Put the target above it.`);
    }
    if (!stop) {
      // A plain take-profit: the pipeline's own card pricing, as a post-only limit that never fills at once.
      const priced = await priceOrderIn(pricing, { symbol: info.symbol, side: 'SELL', amount: request.amount ?? { kind: 'all' }, price: target }, market);
      const { timeInForce: _, ...rest } = priced;
      return { preview: { ...rest, type: 'LIMIT_MAKER' }, entry };
    }
    const verdict = checkOrder(info, { side: 'SELL', type: 'LIMIT_MAKER', quantity: stop.quantity, price: target }, { referencePrice: market.referencePrice }, 'strict');
    if (!verdict.ok) {
      const error = violationsToError(verdict.violations);
      throw refuse('TAKE_PROFIT_REFUSED', error.message, `The take-profit would be refused by the exchange: ${error.userMessage}`);
    }
    const notional = mul(stop.quantity, target);
    const preview: OrderPreview = {
      mode: options.mode,
      symbol: info.symbol,
      baseAsset: info.baseAsset,
      quoteAsset: info.quoteAsset,
      side: 'SELL',
      type: 'LIMIT_MAKER',
      quantity: normalize(stop.quantity),
      price: target,
      lastPrice,
      estimatedNotional: notional,
      estimatedFee: mul(notional, feeRateOf(market.account, '0.001')),
      feeAsset: info.quoteAsset,
      remainingFree: { asset: info.baseAsset, amount: free },
      adjustments: [],
      priceDecimals: tickDecimals(info),
      quantityDecimals: stepDecimals(info, 'LIMIT_MAKER'),
    };
    return { preview, stop, entry };
  }

  return {
    async prepareTakeProfit(request, requester) {
      const who = { userId: requester.userId, ...(requester.displayName !== undefined ? { displayName: requester.displayName } : {}) };
      let priced;
      try {
        priced = await price(request);
      } catch (error) {
        await options.audit.record({ event: 'intent', ...who, symbol: request.symbol, outcome: 'refused', detail: error instanceof AppError ? error.code : 'INTERNAL' });
        throw error;
      }
      const { preview, stop } = priced;
      const intent = await options.intents.create({
        userId: requester.userId,
        chatId: requester.chatId,
        ...(requester.displayName !== undefined ? { displayName: requester.displayName } : {}),
        preview,
        ...(stop ? { takeProfit: { stopId: stop.id, price: preview.price! } } : {}),
      });
      await options.audit.record({ event: 'intent', ...who, intentId: intent.id, clientOrderId: intent.clientOrderId, symbol: preview.symbol, outcome: 'card', detail: `take-profit ${preview.quantity} @ ${preview.price}${stop ? ` with stop ${stop.id}` : ''}` });
      const info = await options.symbols.symbol(preview.symbol).catch(() => undefined);
      const d = stopDisplay(info);
      const lines = [renderCard(intent, { kind: 'pending' })];
      if (stop) {
        lines.push(
          stop.target
            ? `🛡 Your managed stop at <b>${d.price(stop.stopPrice!)}</b> (limit ${d.price(stop.limitPrice ?? '0')}) on the same ${d.qty(stop.quantity)}${d.base} already has a target at <b>${d.price(stop.target.price)}</b>: Confirm replaces its OCO list by one with this target and the same stop. When one fills, the exchange cancels the other.`
            : `🛡 With your managed stop at <b>${d.price(stop.stopPrice!)}</b> (limit ${d.price(stop.limitPrice ?? '0')}) on the same ${d.qty(stop.quantity)}${d.base}: Confirm replaces the stop order by one OCO list, the target above and the same stop below. When one fills, the exchange cancels the other.`,
        );
      }
      if (stop?.entryPrice !== undefined) lines.push(`Entry ${d.price(stop.entryPrice)}${d.quote}.`);
      return {
        intentId: intent.id,
        text: lines.join('\n'),
        confirmData: cardCallbackData('confirm', intent.id),
        cancelData: cardCallbackData('dismiss', intent.id),
        expiresAt: intent.expiresAt,
      };
    },
  };
}
