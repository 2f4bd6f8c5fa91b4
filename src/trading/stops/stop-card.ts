/**
 * The confirmation card of /stop (DESIGN.md §2, §5): the order card (order-card.ts) with what
 * makes it a managed stop — the entry price, the interval followed, the first stop and why there —
 * or, for a fractal stop with no fractal below the price yet, a card that arms without an order.
 */
import { normalize } from '../../decimal.js';
import { escapeHtml, formatAmount, formatUtc } from '../../format.js';
import { trailsText } from './stop-alert-text.js';
import { renderCard } from '../orders/order-card.js';
import type { OrderIntent } from '../types.js';

const BADGE = { paper: '🧪 <b>PAPER</b>', testnet: '🧪 <b>TESTNET</b>', live: '🔴 <b>LIVE</b>' } as const;

function stopLines(intent: OrderIntent): string[] {
  const p = intent.preview;
  const stop = intent.stop!;
  const price = (v: string) => `${formatAmount(v, p.priceDecimals)} ${escapeHtml(p.quoteAsset)}`;
  const lines: string[] = [];
  if (stop.entryPrice !== undefined) {
    lines.push(`Entry: ${price(stop.entryPrice)} (${stop.entrySource === 'position' ? 'average of your recorded buys' : 'the current price: no recorded buys'})`);
  }
  if (stop.kind === 'fixed') {
    lines.push('🛡 A fixed stop-loss: it stays where it is until it fills or you remove it (/stop SYMBOL off).');
    return lines;
  }
  const basis = stop.initial?.basis;
  if (basis && basis.kind !== 'fractal') {
    const under = basis.kind === 'percent' ? `${normalize(basis.percent)} % under` : `${normalize(basis.multiple)} × ATR(14) ${price(basis.atr)} under`;
    lines.push(`🪜 Trailing stop on <b>${stop.interval}</b> candles. First stop: ${under} the last price ${price(basis.high)}.`);
    lines.push(trailsText(stop));
    return lines;
  }
  const fractal = basis;
  if (stop.initial && fractal) {
    lines.push(`🪜 Trailing stop on <b>${stop.interval}</b> candles. First stop: the low ${price(fractal.price)} of the ${formatUtc(fractal.openTime)} candle (the newest confirmed bullish fractal below the price).`);
  } else {
    lines.push(`🪜 Trailing stop on <b>${stop.interval}</b> candles. No confirmed bullish fractal below the price yet: Confirm arms it, and the stop is placed at the first one (an alert tells you).`);
  }
  lines.push(`It then ${trailsText(stop).replace(/^It /, '')}`);
  return lines;
}

/** The pending card: the order card's lines, the stop's lines before the "Confirm within" line. */
export function renderStopCard(intent: OrderIntent): string {
  const p = intent.preview;
  if (p.stopPrice === undefined) return waitingCard(intent, 'pending');
  const lines = renderCard(intent, { kind: 'pending' }).split('\n');
  const status = lines.pop()!;
  return [...lines, ...stopLines(intent), status].join('\n');
}

/** A fractal stop without a fractal below the price: no order, so no order card. */
export function waitingCard(intent: OrderIntent, state: 'pending' | 'armed'): string {
  const p = intent.preview;
  const what = state === 'pending' ? 'Confirm trailing stop' : 'Trailing stop';
  const lines = [
    `${BADGE[p.mode]} · ${what}: <b>SELL ${escapeHtml(p.symbol)}</b> · fractal ${intent.stop?.interval ?? ''}`,
    `Quantity: <b>${formatAmount(p.quantity ?? '0', p.quantityDecimals, 'down')} ${escapeHtml(p.baseAsset)}</b>`,
    `Last price: ${formatAmount(p.lastPrice, p.priceDecimals)} ${escapeHtml(p.quoteAsset)}`,
    ...stopLines(intent),
  ];
  if (state === 'pending') {
    const seconds = Math.max(0, Math.round((intent.expiresAt - intent.createdAt) / 1000));
    lines.push(`Confirm within ${seconds} s (until ${formatUtc(intent.expiresAt, true)}).`);
  } else {
    lines.push(`✅ Armed${intent.displayName ? ` by ${escapeHtml(intent.displayName)}` : ''}: waiting for the first bullish fractal below the price. Nothing was sent yet.`);
  }
  return lines.join('\n');
}
