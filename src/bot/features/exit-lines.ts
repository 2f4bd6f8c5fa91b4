/**
 * Both exits of a position held as one OCO list (DESIGN.md §5b), for /stops and /positions: a
 * managed stop's target, and the plan exits a managed stop does not already show (a managed stop
 * that holds a list owns it: listed once, as the stop).
 */
import { div, isPositive, mul, sub } from '../../decimal.js';
import { formatPercent } from '../../format.js';
import type { ExchangeClient } from '../../binance/exchange-client.js';
import { bracketListId } from '../../trading/brackets/bracket-ids.js';
import type { PlanExit } from '../../trading/brackets/plan-exits.js';
import type { StopDisplay } from '../../trading/stops/stop-alert-text.js';
import type { ManagedStop } from '../../trading/stops/stop-types.js';

/** " (+7.69% from the price)": signed, against the pair's last price. */
export function distanceText(price: string, lastPrice: string | undefined): string {
  if (lastPrice === undefined || !isPositive(lastPrice)) return '';
  return ` (${formatPercent(div(mul(sub(price, lastPrice), '100'), lastPrice, 4, 'half-up'))} from the price)`;
}

/** Under a managed stop with a target: both legs with their distance, and the list. */
export function targetLine(stop: ManagedStop, d: StopDisplay, lastPrice: string | undefined): string | undefined {
  if (!stop.target) return undefined;
  const stopLeg = stop.stopPrice !== undefined ? ` · stop ${d.price(stop.stopPrice)}${distanceText(stop.stopPrice, lastPrice)}` : '';
  const list = stop.target.orderListId !== undefined ? ` · OCO list <code>${stop.target.orderListId}</code>` : '';
  return `  Target <b>${d.price(stop.target.price)}</b>${distanceText(stop.target.price, lastPrice)}${stopLeg}${list}`;
}

/** Plan exits no managed stop owns (its target's list, or the list whose stop leg is the stop's order: a plan's lone trailing stop). */
export function unownedExits(exits: readonly PlanExit[], stops: readonly ManagedStop[]): PlanExit[] {
  const owned = new Set(stops.map((s) => s.target?.listClientOrderId ?? (s.awaitsEntry !== undefined ? bracketListId(s.id) : undefined)).filter((id): id is string => id !== undefined));
  const stopOrders = new Set(stops.map((s) => s.orderId).filter((id): id is number => id !== undefined));
  return exits.filter((e) => !owned.has(e.listClientOrderId) && !(e.stop && stopOrders.has(e.stop.orderId)));
}

/** Last prices of the symbols whose exits are shown with a distance (one ticker request each). */
export async function lastPricesOf(exchange: Pick<ExchangeClient, 'tickerPrice'>, symbols: Iterable<string>): Promise<Map<string, string>> {
  const prices = new Map<string, string>();
  for (const symbol of new Set(symbols)) {
    const ticker = await exchange.tickerPrice(symbol).catch(() => undefined);
    if (ticker) prices.set(symbol, ticker.price);
  }
  return prices;
}
