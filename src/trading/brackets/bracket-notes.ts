/**
 * What the card says about a plan's exits once the worker has acted (DESIGN.md §5b): waiting in
 * the list with the entry, protecting the position after a MARKET fill, or not there — in which
 * case the card says plainly that the position is unprotected and offers the two ways out.
 */
import { escapeHtml, formatAmount } from '../../format.js';
import type { OrderList } from '../../binance/types.js';
import type { OrderPreview } from '../types.js';
import type { Protection } from './bracket-placement.js';

const exits = (p: OrderPreview): string => {
  const plan = p.bracket!;
  const q = escapeHtml(p.quoteAsset);
  const parts: string[] = [];
  if (plan.stop) parts.push(`stop ${formatAmount(plan.stop.stopPrice, p.priceDecimals)} ${q}`);
  if (plan.target) parts.push(`target ${formatAmount(plan.target.price, p.priceDecimals)} ${q}`);
  return parts.join(' and ');
};

export function listNote(p: OrderPreview, list: OrderList): string {
  const both = p.bracket!.stop !== undefined && p.bracket!.target !== undefined;
  return `🛡 Exits waiting in order list <code>${list.orderListId}</code>: ${exits(p)} for ${formatAmount(p.bracket!.exitQuantity, p.quantityDecimals, 'down')} ${escapeHtml(p.baseAsset)}. ${both ? 'They go on as one OCO' : 'It goes on'} when the entry fills.`;
}

export function protectedNote(p: OrderPreview, protection: Exclude<Protection, { kind: 'nothing' }>): string {
  const what = protection.kind === 'list' ? `OCO list <code>${protection.list.orderListId}</code>` : `order <code>${protection.order.orderId}</code>`;
  return `🛡 Protected: ${what}, ${exits(p)} for ${formatAmount(protection.quantity, p.quantityDecimals, 'down')} ${escapeHtml(p.baseAsset)} (what the fill left after its fee).${protection.kind === 'list' ? ' Whichever fills first cancels the other.' : ''}`;
}

export function unprotectedNote(p: OrderPreview, reason: string): string {
  return `⚠️ <b>The position is unprotected</b>: the exits (${exits(p)}) were not placed. ${escapeHtml(reason)}\nRetry protection places them again; Sell now sells what was bought at market.`;
}
