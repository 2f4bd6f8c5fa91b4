/**
 * The words of a backtest (DESIGN.md §11): the progress card while it runs, the numbers when it
 * is done. HTML, everything escaped, far under 4,096 characters (the trade list is the last 10).
 */
import { DAY, intervalMs } from '../binance/kline-intervals.js';
import type { KlineInterval } from '../binance/types.js';
import { escapeHtml, formatAmount, formatPercent, formatUtc } from '../format.js';
import type { BacktestResult } from './backtest.js';
import type { StrategyName } from './strategy-types.js';

export interface BacktestSpec {
  symbol: string;
  strategy: StrategyName;
  interval: KlineInterval;
  days: number;
}

const TRADES_SHOWN = 10;

export const backtestTitle = (spec: BacktestSpec) =>
  `<b>Backtest · ${escapeHtml(spec.symbol)} · ${spec.strategy} · ${spec.interval} · ${spec.days} day${spec.days === 1 ? '' : 's'}</b>`;

export function progressText(spec: BacktestSpec, step: string): string {
  return `${backtestTitle(spec)}\n⏳ ${escapeHtml(step)}`;
}

export function failedText(spec: BacktestSpec, reason: string): string {
  return `${backtestTitle(spec)}\n❌ ${escapeHtml(reason)}`;
}

/** The history the exchange holds for a backtest: its first candle's open and its newest close. */
export interface HistoryHeld {
  since: number;
  lastCloseTime: number;
}

const HOUR = DAY / 24;

const daysText = (ms: number) => {
  const days = Math.floor(ms / DAY);
  return days >= 1 ? `${days} day${days === 1 ? '' : 's'}` : `${Math.floor(ms / HOUR)} hours`;
};

/**
 * Too little history for any backtest: what the exchange holds, and the longest 1h backtest that
 * fits in it (a replayed paper market keeps only a few days before its start).
 */
export function tooShortText(spec: BacktestSpec, closed: number, needed: number, warmup: number, held: HistoryHeld | undefined): string {
  if (!held) return `The exchange has no closed ${spec.interval} candles of ${spec.symbol} yet: there is nothing to backtest.`;
  const span = held.lastCloseTime + 1 - held.since;
  const fit = Math.floor(((Math.floor(span / HOUR) - warmup) * HOUR) / DAY);
  return (
    `The exchange holds ${spec.symbol} history only since ${formatUtc(held.since)} (${daysText(span)}): ${closed} closed ${spec.interval} candles, ` +
    `and a backtest needs at least ${needed}, ${warmup} of them to warm MACD up.` +
    (fit >= 1 && spec.interval !== '1h' ? ` That history fits /backtest ${spec.symbol} ${spec.strategy} 1h ${fit}.` : ' Try again once more candles have closed.')
  );
}

/** `held`: given when the history is shorter than the span asked, which then covers what exists. */
export function resultText(spec: BacktestSpec, result: BacktestResult, priceDecimals: number, held?: HistoryHeld): string {
  const day = (t: number) => formatUtc(t).slice(0, 10);
  const lines = [
    backtestTitle(spec),
    `${formatUtc(result.from)} – ${formatUtc(result.to + 1)} · ${result.candles} candles, indicators warmed up on ${result.warmup} before`,
    ...(held
      ? [
          `⚠️ The exchange holds ${escapeHtml(spec.symbol)} history only since ${formatUtc(held.since)} (${daysText(held.lastCloseTime + 1 - held.since)}): ` +
            `this covers ${daysText(result.candles * intervalMs(spec.interval))}, not the ${spec.days} days asked.`,
        ]
      : []),
    '',
    `Trades: <b>${result.trades.length}</b>` + (result.winRatePct === undefined ? '' : ` · won ${result.wins} · win rate <b>${formatPercent(result.winRatePct).replace('+', '')}</b>`),
    `Total return: <b>${formatPercent(result.totalReturnPct)}</b> · buy and hold: ${formatPercent(result.buyAndHoldPct)}`,
    `Max drawdown: ${formatPercent(result.maxDrawdownPct).replace('+', '')} · time in market: ${formatPercent(result.timeInMarketPct).replace('+', '')}`,
  ];
  if (result.trades.length > 0) {
    const shown = result.trades.slice(-TRADES_SHOWN);
    lines.push('', result.trades.length > TRADES_SHOWN ? `Last ${TRADES_SHOWN} trades:` : 'Trades:');
    for (const t of shown) {
      const exit = t.exitTime === undefined ? 'open' : day(t.exitTime);
      const how = t.exitBy === 'stop' ? ' (stop)' : t.exitBy === 'end' ? ' (still open)' : '';
      lines.push(`${day(t.entryTime)} ${formatAmount(t.entryPrice, priceDecimals)} → ${exit} ${formatAmount(t.exitPrice, priceDecimals)}${how} <b>${formatPercent(t.returnPct)}</b>`);
    }
  }
  lines.push('', '<i>Fills at the next candle’s open (a stop at its price), 0.1% fee per side, all in. Past results say nothing sure about the future.</i>');
  return lines.join('\n');
}
