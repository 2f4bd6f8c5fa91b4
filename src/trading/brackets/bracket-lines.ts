/**
 * A plan's lines on the order card (DESIGN.md §2 "Orders with a plan"): entry, stop, target, the
 * money at risk in VALUATION_ASSET and the reward/risk ratio, at the symbol's precision. Pure
 * text, so the card (orders/order-card.ts) shows them in every state without knowing brackets.
 */
import { div, isPositive, mul, sub } from '../../decimal.js';
import { escapeHtml, formatAmount, formatUtc } from '../../format.js';
import type { OrderPreview } from '../types.js';
import type { BracketPlan, StopSpec, TargetSpec } from './bracket-types.js';
import { trailingKindOf } from './plan-trailing.js';

export function planLines(p: OrderPreview, detailed: boolean): string[] {
  const plan = p.bracket;
  if (!plan) return [];
  const quote = escapeHtml(p.quoteAsset);
  const price = (v: string) => `${formatAmount(v, p.priceDecimals)} ${quote}`;
  const lines: string[] = [];
  if (detailed) lines.push(`Entry: <b>${price(plan.entryPrice)}</b> (${p.type === 'MARKET' ? 'last price; a market order fills near it' : 'limit price'})`);
  if (plan.stop) {
    const s = plan.stop;
    lines.push(`Stop: <b>${price(s.stopPrice)}</b> (${escapeHtml(stopSpecText(s.spec, s.fractal?.openTime, s.atr === undefined ? undefined : formatAmount(s.atr, p.priceDecimals)))}), sells down to ${price(s.limitPrice)}`);
    const trail = detailed ? trailText(plan) : undefined;
    if (trail) lines.push(trail);
  } else {
    lines.push('Stop: none (tp= alone protects nothing on the way down)');
  }
  if (plan.target) lines.push(`Target: <b>${price(plan.target.price)}</b> (${escapeHtml(targetSpecText(plan.target.spec))})`);
  if (!detailed) return lines;
  lines.push(`Exit quantity: ${formatAmount(plan.exitQuantity, p.quantityDecimals, 'down')} ${escapeHtml(p.baseAsset)} (after a fee paid in ${escapeHtml(p.baseAsset)}${p.type === 'MARKET' ? '; set to what the fill really leaves' : ''})`);
  if (plan.riskQuote !== undefined && plan.stop) {
    const valued = plan.riskValue !== undefined ? `${formatAmount(plan.riskValue, 2)} ${escapeHtml(plan.valuationAsset)}` : `${formatAmount(plan.riskQuote, 2)} ${quote}`;
    const share = isPositive(plan.entryPrice) ? div(mul(sub(plan.entryPrice, plan.stop.stopPrice), '100'), plan.entryPrice, 2, 'half-up') : '0';
    lines.push(`At risk: <b>${valued}</b> if the stop fills at its price (${share}% below the entry, before fees)`);
  }
  if (plan.rewardRisk !== undefined) lines.push(`Reward/risk: <b>${formatAmount(plan.rewardRisk, 2)}</b>`);
  lines.push(placementText(plan));
  return lines;
}

/** Whether the stop trails once placed (plan-trailing.ts adopts it), said on the card so the trader knows what the stop will do. */
function trailText(plan: BracketPlan): string | undefined {
  const spec = plan.stop?.spec;
  if (!spec || !trailingKindOf(spec) || (spec.kind !== 'fractal' && spec.kind !== 'atr')) return undefined;
  const rule = spec.kind === 'fractal' ? 'to each newer confirmed bullish fractal' : `to ${spec.multiple} × ATR(14) under the highest high since the entry`;
  // With a LIMIT entry the stop waits in the list until the entry fills; moving it before would cancel the entry.
  const when = plan.placement === 'list' ? 'It trails once the entry has filled: from then, at each' : 'It trails: at each';
  return `${when} ${spec.interval} close the stop moves up ${rule}, never down${plan.target ? ', the target kept' : ''}.`;
}

function placementText(plan: BracketPlan): string {
  const both = plan.stop !== undefined && plan.target !== undefined;
  if (plan.placement === 'list') {
    return both
      ? 'Sent as one order list (OTOCO): the stop and the target wait, and go on as one OCO when the entry fills.'
      : 'Sent as one order list (OTO): the exit waits, and goes on when the entry fills.';
  }
  return both
    ? 'The exits go on as one OCO right after the fill, for the quantity it really leaves.'
    : 'The exit goes on right after the fill, for the quantity it really leaves.';
}

export function stopSpecText(spec: StopSpec, fractalOpenTime?: number, atr?: string): string {
  switch (spec.kind) {
    case 'price':
      return 'fixed';
    case 'percent':
      return `${spec.percent}% below the entry`;
    case 'fractal':
      return `fractal ${spec.interval}${fractalOpenTime !== undefined ? `, low of the ${formatUtc(fractalOpenTime)} candle` : ''}`;
    case 'atr':
      return `${spec.multiple} × ATR(14) ${spec.interval}${atr !== undefined ? ` = ${spec.multiple} × ${atr}` : ''} below the entry`;
  }
}

export function targetSpecText(spec: TargetSpec): string {
  switch (spec.kind) {
    case 'price':
      return 'fixed';
    case 'percent':
      return `${spec.percent}% above the entry`;
    case 'risk-multiple':
      return `${spec.multiple}R: ${spec.multiple} × the risk above the entry`;
  }
}

/** One line for the audit trail. */
export function planSummary(plan: BracketPlan): string {
  return `plan ${plan.placement} sl=${plan.stop?.stopPrice ?? '-'} tp=${plan.target?.price ?? '-'} qty=${plan.exitQuantity}`;
}
