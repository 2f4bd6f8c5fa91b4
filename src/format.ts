/**
 * Text for Telegram (DESIGN.md §2): HTML parse mode with `&`, `<`, `>` escaped everywhere
 * outside our own tags, amounts at the symbol's precision with comma thousands separators,
 * times in UTC, and nothing over Telegram's 4096-character limit.
 */
import { formatFixed, normalize, round, type Rounding } from './decimal.js';

export const TELEGRAM_TEXT_LIMIT = 4096;

/** Escapes text for Telegram's HTML parse mode (core.telegram.org/bots/api#html-style). */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : '&gt;'));
}

/** Escapes a value for use inside an HTML attribute (href="…"). */
export function escapeAttribute(text: string): string {
  return escapeHtml(text).replace(/"/g, '&quot;');
}

/** "10000.5" → "10,000.5"; works on canonical or fixed decimal strings. */
export function groupThousands(value: string): string {
  const negative = value.startsWith('-');
  const body = negative ? value.slice(1) : value;
  const [int = '0', frac] = body.split('.');
  const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${negative ? '-' : ''}${grouped}${frac !== undefined ? `.${frac}` : ''}`;
}

/**
 * An amount for display with exactly `decimals` digits and grouping: formatAmount("10000", 2) → "10,000.00".
 * Rounds half-up unless told otherwise (display only: what is sent is formatted by the filter engine).
 */
export function formatAmount(value: string, decimals: number, rounding: Rounding = 'half-up'): string {
  return groupThousands(formatFixed(value, decimals, rounding));
}

/**
 * An amount with at most `maxDecimals` digits and trailing zeros dropped: for quantities whose
 * natural precision is the step ("0.00123000" → "0.00123").
 */
export function formatQuantity(value: string, maxDecimals = 8): string {
  return groupThousands(round(normalize(value, { allowNegative: true }), maxDecimals, 'down'));
}

/** "1234567.8" → "1.2M", for volumes in rankings. */
export function formatCompact(value: string): string {
  const n = Number(value); // display only
  const abs = Math.abs(n);
  const units: Array<[number, string]> = [
    [1e12, 'T'],
    [1e9, 'B'],
    [1e6, 'M'],
    [1e3, 'K'],
  ];
  for (const [size, suffix] of units) {
    if (abs >= size) return `${(n / size).toFixed(abs / size >= 100 ? 0 : 1)}${suffix}`;
  }
  return n.toFixed(abs >= 100 ? 0 : 2);
}

/** A signed percentage for display: "2.5" → "+2.50%". */
export function formatPercent(value: string, decimals = 2): string {
  const fixed = formatFixed(value.startsWith('-') ? value.slice(1) : value, decimals);
  const isZero = /^0(\.0+)?$/.test(fixed);
  const sign = value.startsWith('-') && !isZero ? '−' : isZero ? '' : '+';
  return `${sign}${fixed}%`;
}

/** "2026-11-22 05:39 UTC". */
export function formatUtc(epochMs: number, withSeconds = false): string {
  const iso = new Date(epochMs).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, withSeconds ? 19 : 16)} UTC`;
}

/**
 * Splits a long HTML message into parts of at most `limit` characters, on line boundaries, never
 * inside a tag pair we opened on a line (our messages keep tags within one line). A single line
 * longer than the limit is cut hard, with any tags stripped to keep the HTML valid.
 */
export function splitMessage(html: string, limit = TELEGRAM_TEXT_LIMIT): string[] {
  if (html.length <= limit) return [html];
  const parts: string[] = [];
  let current = '';
  for (const line of html.split('\n')) {
    if (line.length > limit) {
      if (current) parts.push(current);
      current = '';
      const plain = stripTags(line);
      for (let i = 0; i < plain.length; i += limit) parts.push(safeCut(plain.slice(i, i + limit)));
      continue;
    }
    const candidate = current ? `${current}\n${line}` : line;
    if (candidate.length > limit) {
      parts.push(current);
      current = line;
    } else {
      current = candidate;
    }
  }
  if (current) parts.push(current);
  return parts;
}

/** Removes tags and leaves entities as they are (the text was escaped when built). */
export function stripTags(html: string): string {
  return html.replace(/<[^>]*>/g, '');
}

/** Avoids cutting an entity such as &amp; in half at a hard split. */
function safeCut(chunk: string): string {
  const amp = chunk.lastIndexOf('&');
  if (amp >= 0 && !chunk.slice(amp).includes(';') && chunk.length - amp < 6) return chunk.slice(0, amp);
  return chunk;
}

/** "45 s", "5 min", "2 h 5 min", "3 d 4 h": a wait in the largest two units, rounded down. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 24) return m % 60 === 0 ? `${h} h` : `${h} h ${m % 60} min`;
  const d = Math.floor(h / 24);
  return h % 24 === 0 ? `${d} d` : `${d} d ${h % 24} h`;
}

/** Dollar-like and fiat currencies: their amounts read like money, with two decimals. */
const MONEY_ASSETS = new Set(['USDT', 'USDC', 'FDUSD', 'BUSD', 'TUSD', 'USDP', 'DAI', 'USD', 'EUR', 'GBP', 'TRY', 'BRL', 'ARS', 'JPY', 'AUD', 'RUB', 'UAH', 'PLN', 'RON', 'ZAR', 'IDR', 'MXN', 'COP', 'CZK']);

/**
 * An amount of an asset for display, with its unit: two decimals for money-like assets
 * (1,005.95 USDT), up to eight for coins with trailing zeros dropped (0.00025 BTC). A non-zero
 * amount too small for its decimals keeps two significant digits (0.0049 USDT, not 0.00 USDT).
 */
export function formatAssetAmount(value: string, asset: string): string {
  const v = normalize(value, { allowNegative: true });
  const magnitude = v.replace(/^-/, '');
  const money = MONEY_ASSETS.has(asset.toUpperCase());
  const decimals = money ? 2 : 8;
  if (magnitude !== '0' && /^0\.0*$/.test(formatFixed(magnitude, decimals, 'down'))) {
    const leadingZeros = /^0\.(0*)/.exec(magnitude)?.[1]?.length ?? 0;
    return `${formatQuantity(v, leadingZeros + 2)} ${asset}`;
  }
  return `${money ? formatAmount(v, 2) : formatQuantity(v, 8)} ${asset}`;
}
