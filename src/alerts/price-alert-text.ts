/**
 * The words of price alerts: the condition as a trader would say it (the /alert replies and
 * list), and the message a fire sends (DESIGN.md §6b: what crossed, at what price, when, in UTC).
 * Prices carry the symbol's own precision and thousands separators (src/format.ts).
 */
import { div, mul, sub } from '../decimal.js';
import { escapeHtml, formatAmount, formatDuration, formatPercent, formatUtc } from '../format.js';
import type { Fire, PriceAlert, PriceAlertCondition } from './price-alert-types.js';

/** Display decimals of a symbol's prices (its tick); 8 when unknown. */
export type PriceFormat = (price: string) => string;

export const priceFormat = (decimals: number | undefined): PriceFormat => (price) => formatAmount(price, decimals ?? 8);

/** `above 120,000.00`, `move 5% in 1 h`, `RSI(14) 4h under 30`, `MACD(12,26,9) 1h crossing its signal`. */
export function conditionText(condition: PriceAlertCondition, price: PriceFormat): string {
  switch (condition.kind) {
    case 'above':
      return `above ${price(condition.level)}`;
    case 'below':
      return `below ${price(condition.level)}`;
    case 'move':
      return `moves ${condition.pct}% within ${formatDuration(condition.windowMs)}`;
    case 'rsi':
      return `RSI(14) ${condition.interval} crosses ${condition.op === '<' ? 'under' : 'over'} ${condition.level}`;
    case 'macd':
      return `MACD(12,26,9) ${condition.interval} crosses its signal`;
  }
}

/** One line of /alert list: `#17 BTCUSDT above 120,000.00 · repeats`. */
export function alertLine(alert: PriceAlert, price: PriceFormat): string {
  const flags = [alert.repeat ? (alert.armed ? 'repeats' : 'repeats · waits for the price to move back') : undefined].filter(Boolean);
  return `<b>#${escapeHtml(alert.id)}</b> ${escapeHtml(alert.symbol)} ${escapeHtml(conditionText(alert.condition, price))}${flags.length > 0 ? ` · ${flags.join(' · ')}` : ''}`;
}

/** The message of a fire. */
export function fireText(fire: Fire, price: PriceFormat): string {
  const a = fire.alert;
  const c = a.condition;
  const symbol = escapeHtml(a.symbol);
  const when = formatUtc(fire.at, true);
  const lines: string[] = [];
  switch (fire.detail.kind) {
    case 'level': {
      const dir = c.kind === 'below' ? 'below' : 'above';
      const level = c.kind === 'above' || c.kind === 'below' ? price(c.level) : '';
      lines.push(`🔔 <b>${symbol}</b> crossed ${dir} <b>${level}</b>`, `Traded at <b>${price(fire.price)}</b> · ${when}`);
      break;
    }
    case 'move': {
      const d = fire.detail;
      const change = mul(div(sub(fire.price, d.from), d.from, 8), '100');
      lines.push(
        `🔔 <b>${symbol}</b> moved <b>${formatPercent(change)}</b> within ${formatDuration(d.windowMs)}`,
        `From ${price(d.from)} (${formatUtc(d.fromAt)}) to <b>${price(fire.price)}</b> · ${when}`,
      );
      break;
    }
    case 'rsi': {
      const d = fire.detail;
      const op = c.kind === 'rsi' ? c : undefined;
      lines.push(
        `🔔 <b>${symbol}</b> RSI(14) ${op?.interval ?? ''} crossed ${op?.op === '<' ? 'under' : 'over'} <b>${op?.level ?? ''}</b>: ${d.previous.toFixed(2)} → <b>${d.value.toFixed(2)}</b>`,
        `Candle closed at <b>${price(fire.price)}</b> · ${when}`,
      );
      break;
    }
    case 'macd': {
      const d = fire.detail;
      const interval = c.kind === 'macd' ? c.interval : '';
      lines.push(
        `🔔 <b>${symbol}</b> MACD(12,26,9) ${interval}: <b>${d.direction}</b> cross (MACD ${d.macd.toFixed(4)}, signal ${d.signal.toFixed(4)})`,
        `Candle closed at <b>${price(fire.price)}</b> · ${when}`,
      );
      break;
    }
  }
  if (fire.caughtUp) lines.push(`<i>Found after a market stream gap (${formatUtc(fire.caughtUp.from, true)} to ${formatUtc(fire.caughtUp.to, true)}), from the candles of that time.</i>`);
  const next =
    fire.mode === 'remove' ? 'removed' : c.kind === 'above' ? 'repeats: re-arms once the price is back below the level' : c.kind === 'below' ? 'repeats: re-arms once the price is back above the level' : 'repeats';
  lines.push(`Alert #${escapeHtml(a.id)} · ${next}`);
  return lines.join('\n');
}
