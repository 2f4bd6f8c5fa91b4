/**
 * What a stop held as an OCO list with a take-profit tells the trader (DESIGN.md §5b): the target
 * set beside the stop (/tp), and the emergency of a move: the price crossed the stop while the
 * old list was cancelled and the new one not yet placed, so the position was sold at market.
 * HTML, escaped, prices at the symbol's tick; a few lines each.
 */
import { escapeHtml } from '../../format.js';
import type { Order, SymbolInfo } from '../../binance/types.js';
import { averageFillPrice } from '../brackets/bracket-placement.js';
import { stopDisplay, stopTitle } from './stop-alert-text.js';
import type { ManagedStop } from './stop-types.js';

export function targetSetText(after: ManagedStop, info: SymbolInfo | undefined): string {
  const d = stopDisplay(info);
  return [
    `🎯 <b>Take-profit set</b>: ${stopTitle(after)}`,
    `One OCO order list now holds both exits for ${d.qty(after.quantity)}${d.base}: target <b>${d.price(after.target?.price ?? '0')}</b>, stop <b>${d.price(after.stopPrice ?? '0')}</b> (limit ${d.price(after.limitPrice ?? '0')}). When one fills the exchange cancels the other.`,
  ].join('\n');
}

/** One line under a moved stop's alert: the target the new list carries. */
export function targetLine(after: ManagedStop, info: SymbolInfo | undefined): string {
  const d = stopDisplay(info);
  return `Target stays <b>${d.price(after.target?.price ?? '0')}</b> (new OCO list <code>${after.target?.orderListId ?? ''}</code>).`;
}

export function crossedText(stop: ManagedStop, price: string, order: Order | undefined, info: SymbolInfo | undefined, reason?: string): string {
  const d = stopDisplay(info);
  const average = order ? averageFillPrice(order) : undefined;
  const lines = [
    `⚠️ <b>Sold at market</b>: ${stopTitle(stop)}`,
    `While its stop order list was being replaced, the price (${d.price(price)}${d.quote}) fell to the stop (${d.price(stop.moving?.stopPrice ?? stop.stopPrice ?? '0')}), so the bot sold ${d.qty(order?.executedQty ?? stop.quantity)}${d.base} at market, as the stop would have${average ? `, at ${d.price(average)} on average` : ''}.`,
  ];
  if (reason) lines.push(`The market sell failed: ${escapeHtml(reason)}. <b>The position has no stop.</b> Check /positions and /orders.`);
  return lines.join('\n');
}
