/**
 * What managed stops tell the trader (DESIGN.md §5 "Alerts"): armed, moved (old → new, why there:
 * which fractal, or how far under which high, at which candle close), could not move (why, in
 * plain words), removed, cancelled outside the bot, and the emergencies (a refused re-place: the
 * position is unprotected).
 *
 * HTML for Telegram: symbols, names and exchange messages escaped; prices at the symbol's tick,
 * quantities at its step, times in UTC. Each text is a few lines, far below 4096 characters.
 */
import { escapeHtml, formatAmount, formatQuantity, formatUtc } from '../../format.js';
import { stepDecimals, tickDecimals } from '../../binance/filters.js';
import type { SymbolInfo } from '../../binance/types.js';
import { normalize } from '../../decimal.js';
import type { FractalRef, ManagedStop, StopBasis, StopHoldNote } from './stop-types.js';

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

/** "fractal 4h", "3 % trailing 4h", "2 × ATR chandelier 4h", "fixed". */
export function stopKindText(stop: Pick<ManagedStop, 'kind' | 'interval' | 'percent' | 'atrMultiple'>): string {
  const interval = stop.interval ?? '';
  switch (stop.kind) {
    case 'fixed':
      return 'fixed';
    case 'fractal':
      return `fractal ${interval}`.trim();
    case 'percent':
      return `${normalize(stop.percent ?? '0')} % trailing ${interval}`.trim();
    case 'atr':
      return `${normalize(stop.atrMultiple ?? '0')} × ATR chandelier ${interval}`.trim();
  }
}

/** "BTCUSDT · fractal 4h" / "BTCUSDT · 3 % trailing 4h" / "BTCUSDT · fixed". */
export function stopTitle(stop: Pick<ManagedStop, 'symbol' | 'kind' | 'interval' | 'percent' | 'atrMultiple'>): string {
  return `<b>${escapeHtml(stop.symbol)}</b> · ${stopKindText(stop)}`;
}

/** "the low 64,010.23 of the 2025-10-04 12:00 UTC candle". */
export function fractalPhrase(fractal: FractalRef, d: StopDisplay): string {
  return `the low ${d.price(fractal.price)} of the ${formatUtc(fractal.openTime)} candle`;
}

/** Why a stop sits there: the fractal phrase, "3 % under the high 63,969.07" or "2 × ATR 925.50 under the high 63,969.07". */
export function basisPhrase(basis: StopBasis, d: StopDisplay): string {
  switch (basis.kind) {
    case 'fractal':
      return fractalPhrase(basis, d);
    case 'percent':
      return `${normalize(basis.percent)} % under the high ${d.price(basis.high)}`;
    case 'atr':
      return `${normalize(basis.multiple)} × ATR ${d.price(basis.atr)} under the high ${d.price(basis.high)}`;
  }
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
    const at = stop.basis ? (stop.basis.kind === 'fractal' ? ` at ${fractalPhrase(stop.basis, d)}` : `, ${basisPhrase(stop.basis, d)} (the price at arming)`) : '';
    lines.push(`First stop <b>${d.price(stop.stopPrice)}</b> (limit ${d.price(stop.limitPrice ?? '0')})${at}, for ${d.qty(stop.quantity)}${d.base}.`);
    lines.push(trailsText(stop));
  } else {
    lines.push(`🛡 <b>Trailing stop armed</b>: ${stopTitle(stop)}`);
    lines.push(`No confirmed bullish fractal below the price yet: the stop waits for the first one and is placed then, for ${d.qty(stop.quantity)}${d.base}.`);
  }
  const entry = entryLine(stop, d);
  if (entry) lines.push(entry);
  return lines.join('\n');
}

/** How a trailing stop moves, in one sentence. */
export function trailsText(stop: Pick<ManagedStop, 'kind' | 'interval' | 'percent' | 'atrMultiple'>): string {
  switch (stop.kind) {
    case 'percent':
      return `At each ${stop.interval ?? ''} close it moves up to ${normalize(stop.percent ?? '0')} % under the highest high since arming, never down.`;
    case 'atr':
      return `At each ${stop.interval ?? ''} close it moves up to the highest high since arming − ${normalize(stop.atrMultiple ?? '0')} × ATR(14), never down.`;
    default:
      return 'It moves up to each new confirmed bullish fractal above the entry, never down.';
  }
}

export function movedText(before: ManagedStop, after: ManagedStop, info: SymbolInfo | undefined): string {
  const d = stopDisplay(info);
  const move = after.lastMove!;
  const why = move.basis.kind === 'fractal' ? '' : ` (${basisPhrase(move.basis, d)})`;
  const head =
    move.from === undefined
      ? `🛡 <b>Stop placed</b>: ${stopTitle(after)} at <b>${d.price(move.to)}</b>${why}`
      : `⬆️ <b>Stop moved</b>: ${stopTitle(after)} ${d.price(move.from)} → <b>${d.price(move.to)}</b>${why}`;
  const close = formatUtc(move.closeTime + 1);
  return [
    head,
    move.basis.kind === 'fractal' ? `Fractal: ${fractalPhrase(move.basis, d)}, confirmed by the close of ${close}.` : `Decided at the close of ${close}.`,
    `Limit ${d.price(after.limitPrice ?? '0')} · ${d.qty(after.quantity)}${d.base} · order <code>${after.orderId ?? ''}</code>${before.orderId !== undefined && before.orderId !== after.orderId ? ` (was <code>${before.orderId}</code>)` : ''}`,
  ].join('\n');
}

const HOLD_WORDS: Partial<Record<StopHoldNote, (stop: ManagedStop, d: StopDisplay) => string>> = {
  'not-above-entry': (s, d) => `it is not above your entry price ${d.price(s.entryPrice ?? '0')}`,
  'not-below-price': () => 'the price is already at or below it, so a stop there would sell at once',
  'move-too-small': () => 'the rise is smaller than STOP_MIN_MOVE_PCT',
};

/**
 * A new fractal the rule refused, once per fractal. Undefined for reasons not worth a message,
 * and for percent and ATR stops: a small new high held back is their everyday case (/stops shows it).
 */
export function heldText(stop: ManagedStop, note: StopHoldNote, basis: StopBasis, info: SymbolInfo | undefined): string | undefined {
  const words = HOLD_WORDS[note];
  if (!words || basis.kind !== 'fractal') return undefined;
  const fractal: FractalRef = basis;
  const d = stopDisplay(info);
  const stays = stop.stopPrice === undefined ? 'There is no stop yet.' : `The stop stays at ${d.price(stop.stopPrice)}.`;
  return [`ℹ️ <b>Stop not moved</b>: ${stopTitle(stop)}`, `New fractal: ${fractalPhrase(fractal, d)}; ${words(stop, d)}. ${stays}`].join('\n');
}

/** The exchange rules or the exchange refused the new stop before anything changed. */
export function refusedText(stop: ManagedStop, target: { stopPrice: string; basis: StopBasis }, reason: string, info: SymbolInfo | undefined): string {
  const d = stopDisplay(info);
  const stays = stop.stopPrice === undefined ? 'There is still no stop on the exchange.' : `The stop stays at ${d.price(stop.stopPrice)}.`;
  return [
    `⚠️ <b>Stop could not move</b>: ${stopTitle(stop)} to ${d.price(target.stopPrice)} (${basisPhrase(target.basis, d)})`,
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
    `${stop.kind === 'percent' || stop.kind === 'atr' ? `The bot places a stop again at the next ${stop.interval ?? ''} close.` : 'The bot places a stop at the next fractal below the price.'} To protect it now: /stop ${escapeHtml(stop.symbol)} PRICE`,
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
