/**
 * The push alerts' text (DESIGN.md §2, §5, §6): HTML, everything from outside escaped, amounts at
 * the symbol's precision when its rules are known (else as the exchange sent them, trailing zeros
 * dropped), times in UTC, always well under Telegram's 4096 characters.
 */
import { decimalsOf, div, isPositive, mul, sub } from '../decimal.js';
import { escapeHtml, formatAmount, formatAssetAmount, formatPercent, formatQuantity, formatUtc } from '../format.js';
import type { SymbolInfo } from '../binance/types.js';

/** What an alert says about one order, from a live event or from REST. */
export interface OrderFacts {
  symbol: string;
  orderId: number;
  side: string;
  type: string;
  origQty: string;
  executedQty: string;
  price: string;
  stopPrice: string;
  /** Epoch ms of the change. */
  time: number;
  /** Not placed through the bot (no order record, no intent). */
  external: boolean;
}

export interface FillFacts {
  /** Quantity reported by this alert (one execution live, or what executed during a gap). */
  qty: string;
  /** Its average price. */
  price: string;
  /** The order's cumulative quote value, for the order's average price. */
  cumulativeQuote: string;
  /** Commission of this execution, when the alert covers exactly one execution. */
  commission?: { amount: string; asset: string };
  /** A managed stop's entry price: the result is reported against it. */
  entryPrice?: string;
  /** An exit of a plan: which leg filled, and 1R (entry − stop per unit) for the result in R. */
  leg?: 'stop' | 'target';
  riskPerUnit?: string;
  /** Learned from REST after a gap rather than live. */
  reconciled: boolean;
}

/** user-data-stream.md "Order Expiry Reason", in plain words. */
const EXPIRY_REASONS: Record<string, string> = {
  REJECTED: 'a contingent order was rejected when it was placed',
  EXCHANGE_CANCELED: 'cancelled by Binance',
  OCO_TRIGGER: 'the other order of its OCO pair started working',
  OTO_PHASE_ONE_EXPIRED: 'the working order of its order list expired',
  UNFILLED_IOC_QUANTITY_EXPIRED: 'the IOC order was not fully filled',
  UNFILLED_FOK_ORDER_EXPIRED: 'the FOK order could not be filled in full',
  INSUFFICIENT_LIQUIDITY: 'not enough orders in the book to match',
  EXECUTION_RULE_PRICE_RANGE_EXCEEDED: 'the price would break the price range execution rule',
};

/** user-data-stream.md "Order Reject Reason". */
const REJECT_REASONS: Record<string, string> = {
  INSUFFICIENT_BALANCES: 'the account has insufficient balance',
  STOP_PRICE_WOULD_TRIGGER_IMMEDIATELY: 'the stop price would trigger immediately',
  WOULD_MATCH_IMMEDIATELY: 'the order would immediately match and take',
  OCO_BAD_PRICES: 'the prices of the OCO orders do not fit together',
};

const STOP_TYPES = new Set(['STOP_LOSS', 'STOP_LOSS_LIMIT']);

interface Display {
  base: string;
  quote: string;
  qty(value: string): string;
  price(value: string): string;
  value(value: string): string;
}

function displayOf(symbol: string, info: SymbolInfo | undefined): Display {
  if (!info) {
    return { base: '', quote: '', qty: (v) => formatQuantity(v), price: (v) => formatQuantity(v), value: (v) => formatQuantity(v, 8) };
  }
  const priceFilter = info.filters.find((f) => f.filterType === 'PRICE_FILTER');
  const lot = info.filters.find((f) => f.filterType === 'LOT_SIZE');
  const priceDecimals = priceFilter && isPositive(priceFilter.tickSize) ? decimalsOf(priceFilter.tickSize) : 8;
  const qtyDecimals = lot && isPositive(lot.stepSize) ? decimalsOf(lot.stepSize) : 8;
  return {
    base: ` ${escapeHtml(info.baseAsset)}`,
    quote: ` ${escapeHtml(info.quoteAsset)}`,
    // Quantities at the step, like the card (0.01000 BTC in both, never 0.01 in one of them).
    qty: (v) => formatAmount(v, qtyDecimals, 'down'),
    price: (v) => formatAmount(v, priceDecimals),
    // A value in the quote currency reads like a price of it (1,005.95 USDT, not 1,005.95499780):
    // the tick's decimals, at least two. Display only; nothing here is sent to the exchange.
    value: (v) => formatAmount(v, Math.max(2, priceDecimals)),
  };
}

function footer(order: OrderFacts, reconciled: boolean): string[] {
  const lines = [`Order ${order.orderId} · ${escapeHtml(order.type)} · ${formatUtc(order.time, true)}${order.external ? ' · placed outside the bot' : ''}`];
  if (reconciled) lines.push('<i>Happened while the stream was down; found on reconnect.</i>');
  return lines;
}

export function fillAlertText(order: OrderFacts, fill: FillFacts, info: SymbolInfo | undefined): string {
  const d = displayOf(order.symbol, info);
  const complete = !isPositive(sub(order.origQty, order.executedQty)) && isPositive(order.origQty);
  const stop = STOP_TYPES.has(order.type);
  const title =
    fill.leg === 'target'
      ? complete ? '🎯 <b>Target filled</b> (the stop is cancelled)' : '🎯 <b>Target partially filled</b>'
      : fill.leg === 'stop'
        ? complete ? '🛑 <b>Stop filled</b> (the target is cancelled)' : '🛑 <b>Stop partially filled</b>'
        : stop ? (complete ? '🛑 <b>Stop filled</b>' : '🛑 <b>Stop partially filled</b>') : complete ? '✅ <b>Filled</b>' : '🟡 <b>Partially filled</b>';
  const lines = [
    `${title}: ${escapeHtml(order.side)} ${d.qty(fill.qty)}${d.base} on <b>${escapeHtml(order.symbol)}</b>`,
    isPositive(fill.price) ? `Price: ${d.price(fill.price)}${d.quote} · value ${d.value(mul(fill.qty, fill.price))}${d.quote}` : 'Price: not reported by the exchange',
  ];
  if (isPositive(order.origQty) && !complete) {
    lines.push(`Filled ${d.qty(order.executedQty)} of ${d.qty(order.origQty)} · remaining ${d.qty(sub(order.origQty, order.executedQty))}`);
  }
  if (fill.commission && isPositive(fill.commission.amount)) {
    lines.push(`Commission: ${escapeHtml(formatAssetAmount(fill.commission.amount, fill.commission.asset))}`);
  }
  if (fill.entryPrice !== undefined && isPositive(fill.entryPrice) && isPositive(order.executedQty)) {
    const average = div(fill.cumulativeQuote, order.executedQty, 12);
    const perUnit = order.side === 'SELL' ? sub(average, fill.entryPrice) : sub(fill.entryPrice, average);
    const result = mul(perUnit, order.executedQty);
    const percent = div(mul(perUnit, '100'), fill.entryPrice, 4, 'half-up');
    const sign = result.startsWith('-') ? '−' : '+';
    const inR = fill.riskPerUnit !== undefined && isPositive(fill.riskPerUnit) ? div(perUnit, fill.riskPerUnit, 2, 'half-up') : undefined;
    const r = inR === undefined ? '' : `, <b>${inR.startsWith('-') ? '−' : '+'}${formatAmount(inR.replace(/^-/, ''), 2)}R</b>`;
    lines.push(
      `Result against entry ${d.price(fill.entryPrice)}: <b>${sign}${d.value(result.replace(/^-/, ''))}${d.quote}</b> (${formatPercent(percent)}${r}) at average ${d.price(average)}`,
    );
  }
  return [...lines, ...footer(order, fill.reconciled)].join('\n');
}

export type EndKind = 'CANCELED' | 'EXPIRED' | 'EXPIRED_IN_MATCH' | 'REJECTED';

export function endAlertText(
  order: OrderFacts,
  end: { status: EndKind; expiryReason?: string; rejectReason?: string; reconciled: boolean; leg?: 'stop' | 'target' },
  info: SymbolInfo | undefined,
): string {
  const d = displayOf(order.symbol, info);
  // A plan's exit that expired because the other one filled: the exchange's one-cancels-other, not news of its own.
  if (end.leg !== undefined && end.status === 'EXPIRED' && !isPositive(order.executedQty)) {
    const other = end.leg === 'stop' ? 'target' : 'stop';
    const name = end.leg === 'stop' ? 'Stop' : 'Target';
    return [`⚪ <b>${name} withdrawn</b> on <b>${escapeHtml(order.symbol)}</b>: the ${other} filled, and one cancels the other.`, ...footer(order, end.reconciled)].join('\n');
  }
  const title = {
    CANCELED: '⚪ <b>Cancelled</b>',
    EXPIRED: '⌛ <b>Expired</b>',
    EXPIRED_IN_MATCH: '⌛ <b>Expired</b> (self-trade prevention)',
    REJECTED: '⛔ <b>Rejected</b>',
  }[end.status];
  const at = isPositive(order.price) ? ` at ${d.price(order.price)}${d.quote}` : '';
  const stopAt = isPositive(order.stopPrice) ? ` · stop ${d.price(order.stopPrice)}${d.quote}` : '';
  const lines = [`${title}: ${escapeHtml(order.side)} ${d.qty(order.origQty)}${d.base}${at}${stopAt} on <b>${escapeHtml(order.symbol)}</b>`];
  if (isPositive(order.executedQty)) lines.push(`Filled before it ended: ${d.qty(order.executedQty)}${d.base} of ${d.qty(order.origQty)}`);
  if (end.expiryReason !== undefined && end.expiryReason !== '' && end.expiryReason !== 'NONE') {
    lines.push(`Reason: ${escapeHtml(EXPIRY_REASONS[end.expiryReason] ?? end.expiryReason)} (${escapeHtml(end.expiryReason)})`);
  }
  if (end.rejectReason !== undefined && end.rejectReason !== '' && end.rejectReason !== 'NONE') {
    lines.push(`Reason: ${escapeHtml(REJECT_REASONS[end.rejectReason] ?? end.rejectReason)} (${escapeHtml(end.rejectReason)})`);
  }
  return [...lines, ...footer(order, end.reconciled)].join('\n');
}
