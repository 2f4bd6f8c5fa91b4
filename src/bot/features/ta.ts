/**
 * /ta SYMBOL [INTERVAL]: one compact message of indicators on closed candles (DESIGN.md §2):
 * RSI(14), MACD(12,26,9) and its latest cross, the EMA(20)/EMA(50) trend, ATR(14) with a stop
 * suggestion at the last close − 2·ATR on the tick grid, and the latest bullish fractal.
 *
 * Prices (EMA, ATR, the stop, the fractal) are shown at the symbol's tick precision, MACD two
 * digits finer (it is a difference of averages, often smaller than a tick), RSI with the two
 * decimals the library computes it to.
 */
import { Composer, type Context } from 'grammy';
import { priceFilterOf, tickDecimals } from '../../binance/filters.js';
import type { Kline, KlineInterval, SymbolInfo } from '../../binance/types.js';
import { fromNumber } from '../../decimal.js';
import { escapeHtml, formatAmount, formatUtc } from '../../format.js';
import { klinesJudgedAt, latestBullishFractal, type Fractal } from '../../market/fractals.js';
import { summarizeIndicators, TA_CANDLES, TA_PERIODS, type IndicatorSummary } from '../../market/indicators.js';
import type { BotDeps } from '../bot-deps.js';
import { argumentError, expectTokens, quoteInput, tokenize } from '../command-args.js';
import { replyHtml } from '../reply.js';
import { resolveSymbol } from '../symbol-arg.js';
import { DEFAULT_INTERVAL, defineFeature, type CommandSpec } from './feature.js';

const SPEC: CommandSpec = {
  name: 'ta',
  description: 'Indicator summary: RSI, MACD, EMA, ATR',
  usage: '/ta SYMBOL [INTERVAL]',
  example: '/ta BTCUSDT 1d',
  details: [
    `On closed candles of INTERVAL (default ${DEFAULT_INTERVAL}; 1m, 5m, 15m, 30m, 1h, 2h, 4h, 6h, 8h, 12h, 1d, 3d, 1w, 1M):`,
    'RSI(14), MACD(12,26,9) and its latest cross, EMA(20)/EMA(50) trend, ATR(14) with a stop at the last close − 2×ATR, and the latest bullish fractal.',
  ],
};

/** Intervals /ta accepts: Binance's, without 1s (rest-api.md "Kline/Candlestick data"). */
const TA_INTERVALS: readonly KlineInterval[] = ['1m', '3m', '5m', '15m', '30m', '1h', '2h', '4h', '6h', '8h', '12h', '1d', '3d', '1w', '1M'];

/**
 * "4h", "4H", "1d", "1w", "1M". Binance is case-sensitive where it matters: `1m` is a minute and
 * `1M` a month, so `1M` keeps its meaning and every other input is read in lower case.
 */
export function parseInterval(spec: CommandSpec, token: string): KlineInterval {
  const candidate = token === '1M' ? token : token.toLowerCase();
  const interval = TA_INTERVALS.find((i) => i === candidate);
  if (!interval) throw argumentError(spec, `"${quoteInput(token)}" is not an interval. Use one of ${TA_INTERVALS.join(', ')}.`);
  return interval;
}

/** A float indicator value at `decimals` (display only: via its shortest round-trip decimal). */
export function formatIndicator(value: number, decimals: number): string {
  return formatAmount(fromNumber(value), decimals);
}

const signed = (value: number, decimals: number): string => {
  const text = formatIndicator(Math.abs(value), decimals);
  if (/^[0.,]+$/.test(text)) return text;
  return `${value < 0 ? '−' : '+'}${text}`;
};

function rsiZone(rsi: number): string {
  if (rsi >= 70) return 'overbought';
  if (rsi <= 30) return 'oversold';
  return 'neutral';
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

export interface TaView {
  info: SymbolInfo;
  interval: KlineInterval;
  summary: IndicatorSummary;
  fractal: Fractal | undefined;
}

export function renderTa({ info, interval, summary, fractal }: TaView): string {
  const priceDecimals = tickDecimals(info);
  const macdDecimals = Math.min(priceDecimals + 2, 12);
  const price = (value: string) => formatAmount(value, priceDecimals);
  const number = (value: number) => formatIndicator(value, priceDecimals);
  const na = 'n/a (not enough closed candles)';
  const title = `<b>${escapeHtml(info.symbol)} · ${interval}</b>`;
  if (!summary.last) return `${title}\nNo closed candles yet.`;

  const lines = [
    `${title} · ${plural(summary.candles, 'closed candle')}, last closed ${formatUtc(summary.last.closeTime + 1)}`,
    `Close ${price(summary.last.close)} ${escapeHtml(info.quoteAsset)}`,
    summary.rsi === undefined ? `RSI(${TA_PERIODS.rsi}) ${na}` : `RSI(${TA_PERIODS.rsi}) <b>${summary.rsi.toFixed(2)}</b> · ${rsiZone(summary.rsi)}`,
  ];

  const macd = summary.macd;
  const macdName = `MACD(${TA_PERIODS.macdFast},${TA_PERIODS.macdSlow},${TA_PERIODS.macdSignal})`;
  if (!macd) lines.push(`${macdName} ${na}`);
  else {
    const cross = macd.cross
      ? `${macd.cross.direction} cross ${macd.cross.candlesAgo === 0 ? 'on the last candle' : `${plural(macd.cross.candlesAgo, 'candle')} ago`}`
      : 'no cross in the data';
    lines.push(
      `${macdName} ${signed(macd.macd, macdDecimals)} · signal ${signed(macd.signal, macdDecimals)} · hist ${signed(macd.histogram, macdDecimals)} · <b>${cross}</b>`,
    );
  }

  const emaFast = summary.emaFast === undefined ? 'n/a' : number(summary.emaFast);
  const emaSlow = summary.emaSlow === undefined ? 'n/a' : number(summary.emaSlow);
  const trend = summary.trend === undefined ? '' : ` · trend <b>${summary.trend}</b>`;
  lines.push(`EMA(${TA_PERIODS.emaFast}) ${emaFast} · EMA(${TA_PERIODS.emaSlow}) ${emaSlow}${trend}`);

  if (summary.atr === undefined) lines.push(`ATR(${TA_PERIODS.atr}) ${na}`);
  else {
    const stop = summary.atrStop === undefined ? 'none (below zero)' : `<b>${price(summary.atrStop)}</b>`;
    lines.push(`ATR(${TA_PERIODS.atr}) ${number(summary.atr)} · stop at close − ${TA_PERIODS.atrStopMultiple}×ATR: ${stop}`);
  }

  lines.push(
    fractal
      ? `Latest bullish fractal ${price(fractal.price)} · ${formatUtc(fractal.openTime)}`
      : 'Latest bullish fractal: none in these candles',
  );
  return lines.join('\n');
}

/** Klines, indicators and fractal for one symbol and interval; `now` is exchange time. */
export function buildTaView(info: SymbolInfo, interval: KlineInterval, klines: readonly Kline[], now: number): TaView {
  // A PRICE_FILTER with tickSize 0 is disabled (filters.md): the stop is then only floored to 8 decimals.
  const tickSize = priceFilterOf(info)?.tickSize ?? '0';
  return {
    info,
    interval,
    summary: summarizeIndicators(klines, { now, tickSize }),
    fractal: latestBullishFractal(klines, { now }),
  };
}

export function taCommand(deps: BotDeps): Composer<Context> {
  const composer = new Composer<Context>();
  composer.command('ta', async (ctx) => {
    const tokens = tokenize(ctx.match);
    expectTokens(SPEC, tokens, 1, 2);
    const interval = tokens[1] === undefined ? DEFAULT_INTERVAL : parseInterval(SPEC, tokens[1]);
    const info = await resolveSymbol(deps.exchangeInfo, SPEC, tokens[0]!);
    // One more than we use: the last row is usually the candle still forming.
    const klines = await deps.exchange.klines(info.symbol, interval, { limit: TA_CANDLES + 1 });
    // Candle times are the exchange's clock: correct ours by the offset the REST client measured.
    const now = klinesJudgedAt(klines, (deps.now ?? Date.now)() - deps.exchange.usage().clockOffsetMs);
    await replyHtml(ctx, renderTa(buildTaView(info, interval, klines, now)));
  });
  return composer;
}

export const taFeature = defineFeature({ name: 'ta', commands: [SPEC], composer: ({ deps }) => taCommand(deps) });
