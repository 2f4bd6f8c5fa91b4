/**
 * /fractals SYMBOL [INTERVAL]: a PNG candlestick chart of the last 100 closed candles with the
 * bullish and bearish fractals marked and the active stop drawn, sent as a photo with a caption
 * listing the latest fractals (DESIGN.md §2 and §5).
 *
 * One klines request of 103 rows: 100 to draw, the 2 before them so that a fractal on the first
 * drawn candles can be recognised, and the candle still forming, which is dropped (a fractal
 * needs closed candles, and the chart shows what the stop rule sees). Telegram shows "sending a
 * photo…" while the chart renders.
 */
import { Composer, InputFile, type Context } from 'grammy';
import { tickDecimals } from '../../binance/filters.js';
import type { KlineInterval, SymbolInfo } from '../../binance/types.js';
import { escapeHtml, formatAmount, formatUtc } from '../../format.js';
import { renderCandlestickChart } from '../../market/chart.js';
import { closedCandleCount, findFractals, klinesJudgedAt, type Fractal, type Fractals } from '../../market/fractals.js';
import type { ActiveStop, BotDeps } from '../bot-deps.js';
import { accountDataHidden } from '../chat-scope.js';
import { expectTokens, tokenize } from '../command-args.js';
import { replyHtml } from '../reply.js';
import { resolveSymbol } from '../symbol-arg.js';
import { DEFAULT_INTERVAL, defineFeature, type CommandSpec } from './feature.js';
import { parseInterval } from './ta.js';

const SPEC: CommandSpec = {
  name: 'fractals',
  description: 'Candlestick chart with fractals and your stop',
  usage: '/fractals SYMBOL [INTERVAL]',
  example: '/fractals BTCUSDT 4h',
  details: [
    `A chart of the last 100 closed candles of INTERVAL (default ${DEFAULT_INTERVAL}; 1m to 1M).`,
    'Bullish fractals (a low below the two candles on each side) are marked under the bar, bearish ones over it.',
    'The active stop and the entry price are drawn as lines; the caption lists the latest fractals.',
  ],
};

/** Candles drawn. */
export const FRACTALS_CHART_CANDLES = 100;
/** Rows requested: the drawn candles, two left neighbours for the first of them, the forming one. */
export const FRACTALS_KLINES_LIMIT = FRACTALS_CHART_CANDLES + 3;

/** Telegram's limit for a photo caption (core.telegram.org/bots/api#sendphoto). */
const CAPTION_LIMIT = 1024;

export interface FractalsCaption {
  info: SymbolInfo;
  interval: KlineInterval;
  /** Drawn candles: count and close of the newest. */
  candleCount: number;
  lastCloseTime: number | undefined;
  fractals: Fractals;
  stop: ActiveStop | undefined;
  /** The stop provider failed: say so rather than imply there is no stop. */
  stopUnknown?: boolean;
  /** A shared chat with TELEGRAM_GROUPS=off: say where the stop is shown rather than imply there is none. */
  stopHidden?: boolean;
}

export function renderFractalsCaption(view: FractalsCaption): string {
  const decimals = tickDecimals(view.info);
  const price = (value: string) => formatAmount(value, decimals);
  const describe = (fractal: Fractal | undefined) =>
    fractal ? `<b>${price(fractal.price)}</b> · candle ${formatUtc(fractal.openTime)}` : 'none in these candles';
  const lines = [
    `<b>${escapeHtml(view.info.symbol)} · ${view.interval}</b> · ${view.candleCount} closed candles` +
      (view.lastCloseTime === undefined ? '' : `, last closed ${formatUtc(view.lastCloseTime + 1)}`),
    `▲ Latest bullish fractal: ${describe(view.fractals.bullish[view.fractals.bullish.length - 1])}`,
    `▼ Latest bearish fractal: ${describe(view.fractals.bearish[view.fractals.bearish.length - 1])}`,
  ];
  if (view.stop) lines.push(`Stop <b>${price(view.stop.stopPrice)}</b> · entry ${price(view.stop.entryPrice)}`);
  else if (view.stopUnknown) lines.push('Stop: could not be read just now.');
  else if (view.stopHidden) lines.push('Your stop and entry are drawn in a private chat with the bot.');
  const caption = lines.join('\n');
  // Far below the limit by construction (a symbol is at most 20 characters); kept as a guard.
  return caption.length <= CAPTION_LIMIT ? caption : lines.slice(0, 3).join('\n');
}

export function fractalsCommand(deps: BotDeps): Composer<Context> {
  const composer = new Composer<Context>();
  composer.command('fractals', async (ctx) => {
    const tokens = tokenize(ctx.match);
    expectTokens(SPEC, tokens, 1, 2);
    const interval = tokens[1] === undefined ? (deps.settings.stopDefaultInterval ?? DEFAULT_INTERVAL) : parseInterval(SPEC, tokens[1]);
    const info = await resolveSymbol(deps.exchangeInfo, SPEC, tokens[0]!);
    await replyFractalsChart(ctx, deps, info, interval);
  });
  return composer;
}

/** The chart and its caption, sent in the chat of `ctx` (/fractals, and the [Chart] button of a price alert). */
export async function replyFractalsChart(ctx: Context, deps: BotDeps, info: SymbolInfo, interval: KlineInterval): Promise<void> {
  const log = deps.logger.child({ module: 'fractals-command' });
  // Best effort: a failed chat action must not cost the trader the chart.
  const action = ctx.replyWithChatAction('upload_photo').catch((error: unknown) => log.warn({ err: error }, 'upload_photo chat action failed'));
  let stopUnknown = false;
  // The stop and entry price are the trader's position: not drawn where the group can see them.
  const stopHidden = accountDataHidden(ctx, deps.settings.telegramGroups === true);
  const [klines, stop] = await Promise.all([
    deps.exchange.klines(info.symbol, interval, { limit: FRACTALS_KLINES_LIMIT }),
    (stopHidden ? undefined : deps.stops?.activeStop(info.symbol))?.catch((error: unknown) => {
      log.warn({ err: error, symbol: info.symbol }, 'active stop lookup failed');
      stopUnknown = true;
      return undefined;
    }),
  ]);
  // Candle times are the exchange's clock: correct ours by the offset the REST client measured.
  const now = klinesJudgedAt(klines, (deps.now ?? Date.now)() - deps.exchange.usage().clockOffsetMs);
  const closed = klines.slice(0, closedCandleCount(klines, now));
  const fractals = findFractals(closed, { now });
  const drawn = closed.slice(-FRACTALS_CHART_CANDLES);
  const last = drawn[drawn.length - 1];
  if (!last) {
    await action;
    await replyHtml(ctx, `<b>${escapeHtml(info.symbol)} · ${interval}</b>\nNo closed candles yet.`);
    return;
  }

  const png = await renderCandlestickChart({
    symbol: info.symbol,
    interval,
    candles: drawn,
    fractals,
    ...(stop ? { stopPrice: stop.stopPrice, entryPrice: stop.entryPrice } : {}),
    priceDecimals: tickDecimals(info),
  });
  const caption = renderFractalsCaption({
    info,
    interval,
    candleCount: drawn.length,
    lastCloseTime: last.closeTime,
    fractals: visibleFractals(fractals, drawn[0]!.openTime),
    stop,
    stopUnknown,
    stopHidden,
  });
  await action;
  await ctx.replyWithPhoto(new InputFile(png, `${info.symbol}-${interval}-fractals.png`), { caption });
}

/** Only the fractals on drawn candles: the caption describes the picture. */
function visibleFractals(fractals: Fractals, firstDrawnOpenTime: number): Fractals {
  const visible = (f: Fractal) => f.openTime >= firstDrawnOpenTime;
  return { bullish: fractals.bullish.filter(visible), bearish: fractals.bearish.filter(visible) };
}

export const fractalsFeature = defineFeature({ name: 'fractals', commands: [SPEC], composer: ({ deps }) => fractalsCommand(deps) });
