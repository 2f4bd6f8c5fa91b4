/**
 * What managed stops tell the trader (DESIGN.md §5 "Alerts"): armed, moved (old → new, which
 * fractal, which candle close), could not move (why, in plain words), removed, cancelled outside
 * the bot, and the emergencies (a refused re-place: the position is unprotected).
 *
 * HTML for Telegram: symbols, names and exchange messages escaped; prices at the symbol's tick,
 * quantities at its step, times in UTC. Each text is a few lines, far below 4096 characters.
 */
import { escapeHtml, formatAmount, formatQuantity, formatUtc } from '../../format.js';
import { stepDecimals, tickDecimals } from '../../binance/filters.js';
import type { SymbolInfo } from '../../binance/types.js';
import type { FractalRef, ManagedStop, StopHoldNote } from './stop-types.js';

export interface StopDisplay {
  price(value: string): string;
  qty(value: string): string;
  base: string;
  quote: string;
}

export function stopDisplay(info: SymbolInfo | undefined): StopDisplay {
  if (!info) return { price: (v) => formatQuantity(v), qty: (v) => formatQuantity(v), base: '', quote: '' };
  const priceDecimals = tickDecimals(info);
  const qtyDecimals = stepDecimals(info, 'STOP_LOSS_LIMIT');
  return {
    price: (v) => formatAmount(v, priceDecimals),
    qty: (v) => formatAmount(v, qtyDecimals, 'down'),
    base: ` ${escapeHtml(info.baseAsset)}`,
    quote: ` ${escapeHtml(info.quoteAsset)}`,
  };
}

/** "BTCUSDT · fractal 4h" / "BTCUSDT · fixed". */
export function stopTitle(stop: Pick<ManagedStop, 'symbol' | 'kind' | 'interval'>): string {
  return `<b>${escapeHtml(stop.symbol)}</b> · ${stop.kind === 'fractal' ? `fractal ${stop.interval ?? ''}`.trim() : 'fixed'}`;
}

/** "the low 64,010.23 of the 2025-10-04 12:00 UTC candle". */
export function fractalPhrase(fractal: FractalRef, d: StopDisplay): string {
  return `the low ${d.price(fractal.price)} of the ${formatUtc(fractal.openTime)} candle`;
}

function entryLine(stop: ManagedStop, d: StopDisplay): string | undefined {
  if (stop.entryPrice === undefined) return undefined;
  const source = stop.entrySource === 'position' ? 'average of your recorded buys' : 'price when armed';
  return `Entry ${d.price(stop.entryPrice)}${d.quote} (${source})`;
}

export function armedText(stop: ManagedStop, info: SymbolInfo | undefined): string {
  const d = stopDisplay(info);
  const lines: string[] = [];
  if (stop.kind === 'fixed') {
    lines.push(`🛡 <b>Stop-loss set</b>: ${stopTitle(stop)}`);
    lines.push(`Sells ${d.qty(stop.quantity)}${d.base} if the price falls to <b>${d.price(stop.stopPrice ?? '0')}</b> (limit ${d.price(stop.limitPrice ?? '0')}).`);
  } else if (stop.stopPrice !== undefined) {
    lines.push(`🛡 <b>Trailing stop armed</b>: ${stopTitle(stop)}`);
    lines.push(`First stop <b>${d.price(stop.stopPrice)}</b> (limit ${d.price(stop.limitPrice ?? '0')})${stop.fractal ? ` at ${fractalPhrase(stop.fractal, d)}` : ''}, for ${d.qty(stop.quantity)}${d.base}.`);
    lines.push('It moves up to each new confirmed bullish fractal above the entry, never down.');
  } else {
    lines.push(`🛡 <b>Trailing stop armed</b>: ${stopTitle(stop)}`);
    lines.push(`No confirmed bullish fractal below the price yet: the stop waits for the first one and is placed then, for ${d.qty(stop.quantity)}${d.base}.`);
  }
  const entry = entryLine(stop, d);
  if (entry) lines.push(entry);
  return lines.join('\n');
}

export function movedText(before: ManagedStop, after: ManagedStop, info: SymbolInfo | undefined): string {
  const d = stopDisplay(info);
  const move = after.lastMove!;
  const head =
    move.from === undefined
      ? `🛡 <b>Stop placed</b>: ${stopTitle(after)} at <b>${d.price(move.to)}</b>`
      : `⬆️ <b>Stop moved</b>: ${stopTitle(after)} ${d.price(move.from)} → <b>${d.price(move.to)}</b>`;
  return [
    head,
    `Fractal: ${fractalPhrase(move.fractal, d)}, confirmed by the close of ${formatUtc(move.closeTime + 1)}.`,
    `Limit ${d.price(after.limitPrice ?? '0')} · ${d.qty(after.quantity)}${d.base} · order <code>${after.orderId ?? ''}</code>${before.orderId !== undefined && before.orderId !== after.orderId ? ` (was <code>${before.orderId}</code>)` : ''}`,
  ].join('\n');
}

const HOLD_WORDS: Partial<Record<StopHoldNote, (stop: ManagedStop, d: StopDisplay) => string>> = {
  'not-above-entry': (s, d) => `it is not above your entry price ${d.price(s.entryPrice ?? '0')}`,
  'not-below-price': () => 'the price is already at or below it, so a stop there would sell at once',
  'move-too-small': () => 'the rise is smaller than STOP_MIN_MOVE_PCT',
};

/** A new fractal the rule refused, once per fractal. Undefined for reasons not worth a message. */
export function heldText(stop: ManagedStop, note: StopHoldNote, fractal: FractalRef, info: SymbolInfo | undefined): string | undefined {
  const words = HOLD_WORDS[note];
  if (!words) return undefined;
  const d = stopDisplay(info);
  const stays = stop.stopPrice === undefined ? 'There is no stop yet.' : `The stop stays at ${d.price(stop.stopPrice)}.`;
  return [`ℹ️ <b>Stop not moved</b>: ${stopTitle(stop)}`, `New fractal: ${fractalPhrase(fractal, d)}; ${words(stop, d)}. ${stays}`].join('\n');
}

/** The exchange rules or the exchange refused the new stop before anything changed. */
export function refusedText(stop: ManagedStop, target: { stopPrice: string; fractal: FractalRef }, reason: string, info: SymbolInfo | undefined): string {
  const d = stopDisplay(info);
  const stays = stop.stopPrice === undefined ? 'There is still no stop on the exchange.' : `The stop stays at ${d.price(stop.stopPrice)}.`;
  return [
    `⚠️ <b>Stop could not move</b>: ${stopTitle(stop)} to ${d.price(target.stopPrice)} (${fractalPhrase(target.fractal, d)})`,
    `Why: ${escapeHtml(reason)}`,
    stays,
  ].join('\n');
}

/** HTTP 409: the old stop was cancelled, the new one refused, and the old one placed again. */
export function replacedText(after: ManagedStop, target: { stopPrice: string }, reason: string, info: SymbolInfo | undefined): string {
  const d = stopDisplay(info);
  return [
    `⚠️ <b>Stop could not move</b>: ${stopTitle(after)} to ${d.price(target.stopPrice)}`,
    `The exchange cancelled the old stop but refused the new one: ${escapeHtml(reason)}`,
    `The old stop was placed again at <b>${d.price(after.stopPrice ?? '0')}</b> (order <code>${after.orderId ?? ''}</code>).`,
  ].join('\n');
}

/** The old stop could not be placed again either: nothing protects the position. */
export function unprotectedText(stop: ManagedStop, reason: string): string {
  return [
    `🚨 <b>Position unprotected</b>: ${stopTitle(stop)}`,
    `The stop's order is gone and a new one was refused: ${escapeHtml(reason)}`,
    `The bot places a stop at the next fractal below the price. To protect it now: /stop ${escapeHtml(stop.symbol)} PRICE`,
  ].join('\n');
}

export function removedText(stop: ManagedStop, outcome: string, by: string | undefined, info: SymbolInfo | undefined): string {
  const d = stopDisplay(info);
  const at = stop.stopPrice !== undefined ? ` at ${d.price(stop.stopPrice)}` : '';
  return `✖️ <b>Stop removed</b>: ${stopTitle(stop)}${at}${by ? ` by ${escapeHtml(by)}` : ''}. ${escapeHtml(outcome)}`;
}

export function cancelledOutsideText(stop: ManagedStop, status: string, info: SymbolInfo | undefined): string {
  const d = stopDisplay(info);
  return [
    `⚠️ <b>Stop cancelled outside the bot</b>: ${stopTitle(stop)}`,
    `Order <code>${stop.orderId ?? ''}</code> (stop ${d.price(stop.stopPrice ?? '0')}, ${d.qty(stop.quantity)}${d.base}) is ${escapeHtml(status.toLowerCase())} on the exchange.`,
    `The bot no longer manages it. To protect the position again: /stop ${escapeHtml(stop.symbol)} fractal`,
  ].join('\n');
}

export function notArmedText(stop: ManagedStop): string {
  return `❌ <b>Stop not armed</b>: ${stopTitle(stop)}. Its order could not be placed; the card says why.`;
}
