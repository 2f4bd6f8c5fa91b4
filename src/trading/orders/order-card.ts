/**
 * The confirmation card (DESIGN.md §2): one HTML text per state of an order intent, edited in
 * place as the order moves pending → queued → placed → filled (or why it failed).
 *
 * Everything that came from outside (symbols, assets, names, reasons) is escaped; amounts are at
 * the symbol's precision with thousands separators; times in UTC. The card always names what
 * will be or was sent, so a trader reading an old card on the phone knows what happened.
 */
import { add, div, isPositive, isZero, lt, mul } from '../../decimal.js';
import { escapeHtml, formatAmount, formatAssetAmount, formatQuantity, formatUtc } from '../../format.js';
import type { Order, OrderFill } from '../../binance/types.js';
import type { TradingMode } from '../../config.js';
import type { OrderIntent, OrderPreview } from '../types.js';
import { planLines } from '../brackets/bracket-lines.js';

export type CardState =
  | { kind: 'pending' }
  | { kind: 'queued'; confirmedBy?: string }
  | { kind: 'queued-paused'; confirmedBy?: string }
  /** The order is on the exchange (resting, or nothing filled yet). `note`: HTML after the status (a plan's exits). */
  | { kind: 'placed'; order: Order; note?: string }
  /** FILLED, PARTIALLY_FILLED, or an order that ended with a partial fill (EXPIRED/CANCELED). */
  | { kind: 'filled'; order: Order; note?: string }
  | { kind: 'failed'; reason: string; uncertain?: boolean }
  | { kind: 'dismissed' }
  | { kind: 'expired' };

const MODE_BADGE: Record<TradingMode, string> = {
  paper: '🧪 <b>PAPER</b>',
  testnet: '🧪 <b>TESTNET</b>',
  live: '🔴 <b>LIVE</b>',
};

/** Which state an order from the exchange puts the card in. */
export function cardStateOfOrder(order: Order): Extract<CardState, { kind: 'placed' | 'filled' }> {
  return isPositive(order.executedQty) ? { kind: 'filled', order } : { kind: 'placed', order };
}

export function renderCard(intent: OrderIntent, state: CardState): string {
  const p = intent.preview;
  const note = state.kind === 'placed' || state.kind === 'filled' ? (state.note ?? '') : '';
  const lines = [headline(p, state), ...orderLines(p, state), statusLine(intent, state), note];
  return lines.filter((l) => l !== '').join('\n');
}

function headline(p: OrderPreview, state: CardState): string {
  const what = state.kind === 'pending' ? 'Confirm order' : 'Order';
  return `${MODE_BADGE[p.mode]} · ${what}: <b>${p.side} ${escapeHtml(p.symbol)}</b> · ${orderTypeLabel(p)}`;
}

function orderTypeLabel(p: OrderPreview): string {
  return p.type === 'MARKET' ? 'market' : `${p.type}${p.timeInForce ? ` ${p.timeInForce}` : ''}`;
}

function orderLines(p: OrderPreview, state: CardState): string[] {
  const base = escapeHtml(p.baseAsset);
  const quote = escapeHtml(p.quoteAsset);
  const lines: string[] = [];
  if (p.quoteOrderQty !== undefined) {
    const verb = p.side === 'BUY' ? 'Spend' : 'Receive';
    lines.push(`${verb}: <b>${quoteAmount(p, p.quoteOrderQty)} ${quote}</b>`);
  } else if (p.quantity !== undefined) {
    lines.push(`Quantity: <b>${quantity(p, p.quantity)} ${base}</b>`);
  }
  if (p.stopPrice !== undefined) lines.push(`Stop price: <b>${price(p, p.stopPrice)} ${quote}</b>`);
  if (p.price !== undefined) lines.push(`Limit price: <b>${price(p, p.price)} ${quote}</b>`);
  // A plan's exits (src/trading/brackets/): in full on the card to confirm, stop and target after.
  lines.push(...planLines(p, state.kind === 'pending'));
  if (state.kind === 'filled' || state.kind === 'placed') return lines;

  lines.push(`Last price: ${price(p, p.lastPrice)} ${quote}`);
  if (p.fillsAtOnce) {
    const side = p.side === 'SELL' ? 'below' : 'above';
    lines.push(`⚡ The limit is ${side} the last price: this order fills at once at about the market price, it will not rest.`);
  }
  if (p.fillsAtOnce && p.side === 'BUY' && p.quantity !== undefined) {
    // It pays about the market, but the exchange holds the limit's worth until it fills.
    lines.push(`Estimated cost: ≈ ${quoteAmount(p, mul(p.quantity, p.lastPrice))} ${quote} at the market (at most ${quoteAmount(p, p.estimatedNotional)} ${quote})`);
  } else {
    const valueLabel = p.side === 'BUY' ? 'Estimated cost' : 'Estimated proceeds';
    const atMarket = p.fillsAtOnce ? ' at the market' : '';
    lines.push(`${valueLabel}: ≈ ${quoteAmount(p, p.estimatedNotional)} ${quote}${atMarket}`);
  }
  if (p.quoteOrderQty !== undefined && isPositive(p.lastPrice)) {
    lines.push(`Estimated quantity: ≈ ${quantity(p, p.estimatedQuantity ?? div(p.quoteOrderQty, p.lastPrice, p.quantityDecimals, 'down'))} ${base}`);
  }
  lines.push(`Estimated fee: ≈ ${escapeHtml(formatAssetAmount(p.estimatedFee, p.feeAsset))}`);
  if (state.kind === 'pending') {
    const free = p.remainingFree;
    const amount = free.asset === p.quoteAsset ? quoteAmount(p, free.amount) : formatQuantity(free.amount);
    lines.push(`Free after: ${amount} ${escapeHtml(free.asset)}`);
    for (const note of p.adjustments) lines.push(`ℹ️ ${escapeHtml(note)}`);
  }
  return lines;
}

function statusLine(intent: OrderIntent, state: CardState): string {
  const p = intent.preview;
  switch (state.kind) {
    case 'pending': {
      const seconds = Math.max(0, Math.round((intent.expiresAt - intent.createdAt) / 1000));
      return `Confirm within ${seconds} s (until ${formatUtc(intent.expiresAt, true)}).`;
    }
    case 'queued':
      return `⏳ Confirmed${by(state.confirmedBy)}: sending to the exchange.`;
    case 'queued-paused':
      return `⏸ Confirmed${by(state.confirmedBy)} and queued. Automation is paused: the order leaves after /resume.`;
    case 'placed': {
      const o = state.order;
      if (o.type === 'STOP_LOSS_LIMIT' && o.stopPrice !== undefined && isPositive(o.stopPrice) && o.status === 'NEW') {
        const q = escapeHtml(p.quoteAsset);
        const verb = o.side === 'SELL' ? 'sells down to' : 'buys up to';
        return `✅ Placed: order <code>${o.orderId}</code>, waiting: it triggers at ${price(p, o.stopPrice)} ${q} and then ${verb} ${price(p, o.price)} ${q}.`;
      }
      const at = o.type === 'MARKET' || isZero(o.price) ? '' : ` at ${price(p, o.price)} ${escapeHtml(p.quoteAsset)}`;
      const status = o.status === 'NEW' ? 'resting' : o.status.toLowerCase().replace(/_/g, ' ');
      return `✅ Placed: order <code>${o.orderId}</code>, ${status}${at}.`;
    }
    case 'filled':
      return fillLines(p, state.order);
    case 'failed':
      return state.uncertain
        ? `⚠️ Not confirmed: ${escapeHtml(state.reason)} Check /orders before trying again.`
        : `❌ Not placed: ${escapeHtml(state.reason)}`;
    case 'dismissed':
      return '✖️ Cancelled. Nothing was sent.';
    case 'expired':
      return '⌛ Expired. Nothing was sent; send the command again.';
  }
}

function fillLines(p: OrderPreview, o: Order): string {
  const base = escapeHtml(p.baseAsset);
  const quote = escapeHtml(p.quoteAsset);
  const average = div(o.cummulativeQuoteQty, o.executedQty, p.priceDecimals, 'half-up');
  const complete = o.status === 'FILLED' || !lt(o.executedQty, o.origQty);
  const head = complete
    ? `✅ Filled: <b>${quantity(p, o.executedQty)} ${base}</b>`
    : `◐ Partially filled: <b>${quantity(p, o.executedQty)}</b> of ${quantity(p, o.origQty)} ${base}`;
  const lines = [`${head} at avg <b>${price(p, average)} ${quote}</b> = ${quoteAmount(p, o.cummulativeQuoteQty)} ${quote}`];
  const fees = commissionOf(o.fills);
  if (fees) lines.push(`Fee: ${fees}`);
  let tail = `Order <code>${o.orderId}</code>`;
  if (!complete) {
    tail += o.status === 'PARTIALLY_FILLED' ? ', the rest is resting' : `, the rest ${o.status.toLowerCase().replace(/_/g, ' ')}`;
  }
  lines.push(`${tail}.`);
  return lines.join('\n');
}

/** Commission summed per asset, from a FULL response's fills; empty when the fills are unknown. */
function commissionOf(fills: OrderFill[] | undefined): string {
  if (!fills || fills.length === 0) return '';
  const byAsset = new Map<string, string>();
  for (const f of fills) byAsset.set(f.commissionAsset, add(byAsset.get(f.commissionAsset) ?? '0', f.commission));
  return [...byAsset].map(([asset, amount]) => escapeHtml(formatAssetAmount(amount, asset))).join(' + ');
}

const by = (name: string | undefined) => (name ? ` by ${escapeHtml(name)}` : '');
const quantity = (p: OrderPreview, value: string) => formatAmount(value, p.quantityDecimals, 'down');
const price = (p: OrderPreview, value: string) => formatAmount(value, p.priceDecimals);
const quoteAmount = (p: OrderPreview, value: string) => formatAmount(value, Math.max(2, p.priceDecimals));
