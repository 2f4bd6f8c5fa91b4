/**
 * A refusal for lack of free balance, or a share of the free balance too small to trade, hides
 * its cause when the rest is locked in open orders: the refusal then says how much is locked, in
 * which orders, and what frees it. Costs one openOrders request, on the refusal path only.
 */
import { isPositive } from '../../decimal.js';
import { AppError, isAppError } from '../../errors.js';
import { formatAmount, formatAssetAmount, formatQuantity } from '../../format.js';
import { stepDecimals } from '../../binance/filters.js';
import type { SymbolInfo } from '../../binance/types.js';
import type { OrderRequest } from '../types.js';
import { lockedOf } from './balances.js';
import type { Market } from './order-draft.js';
import type { PricingDeps } from './order-pricing.js';

export async function withLockedFunds(deps: PricingDeps, request: OrderRequest, market: Market, error: unknown): Promise<unknown> {
  if (!isAppError(error)) return error;
  const sized = request.amount.kind === 'all' || request.amount.kind === 'percent';
  const relevant = error.code === 'ORDER_INSUFFICIENT_BALANCE' || (sized && /^ORDER_FILTER_(LOT_SIZE|MARKET_LOT_SIZE|NOTIONAL)$/.test(error.code));
  if (!relevant) return error;
  const { info, account } = market;
  const asset = request.side === 'SELL' ? info.baseAsset : info.quoteAsset;
  const locked = lockedOf(account, asset);
  if (!isPositive(locked)) return error;
  const note = await lockedNote(deps, info, request.side, asset, locked).catch(() => `${formatQuantity(locked)} ${asset} is locked in open orders: see /orders.`);
  return new AppError(error.code, error.message, { userMessage: `${error.userMessage} ${note}`, details: { ...error.details, locked } });
}

async function lockedNote(deps: PricingDeps, info: SymbolInfo, side: OrderRequest['side'], asset: string, locked: string): Promise<string> {
  const holding = (await deps.exchange.openOrders(info.symbol)).filter((o) => o.side === side).sort((a, b) => b.orderId - a.orderId);
  // Quantities at the step, as on cards (0.00080 BTC); a quote amount as money.
  const amount = asset === info.baseAsset ? `${formatAmount(locked, stepDecimals(info, 'LIMIT'), 'down')} ${asset}` : formatAssetAmount(locked, asset);
  if (holding.length === 0) return `${amount} is locked in open orders on other pairs: see /orders.`;
  const stopIds = new Set(deps.stopOrderIds ? await deps.stopOrderIds(info.symbol).catch(() => [] as number[]) : []);
  const label = (type: string) => (type === 'STOP_LOSS_LIMIT' || type === 'STOP_LOSS' ? 'stop' : type === 'TAKE_PROFIT_LIMIT' || type === 'TAKE_PROFIT' ? 'take-profit' : 'limit');
  const named = holding.slice(0, 3).map((o) => `${stopIds.has(o.orderId) ? 'managed stop' : label(o.type)} order ${o.orderId}`);
  const more = holding.length > 3 ? ` and ${holding.length - 3} more` : '';
  const managed = holding.some((o) => stopIds.has(o.orderId));
  const fix = managed
    ? `/stop ${info.symbol} off frees it`
    : holding.length === 1
      ? `/cancel ${holding[0]!.orderId} frees it`
      : `/cancel ${info.symbol} frees it`;
  return `${amount} is locked in ${named.join(', ')}${more} on ${info.symbol}: ${fix}.`;
}
