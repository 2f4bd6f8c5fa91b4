/**
 * /backtest SYMBOL STRATEGY [INTERVAL] [DAYS] (DESIGN.md §11): answers at once with a progress
 * card and queues the work on the `backtests` queue; the worker edits the card with the numbers
 * and sends the chart (src/strategies/backtest-worker.ts). A market command: it shows no account
 * data and moves no money.
 */
import { Composer, type Context } from 'grammy';
import type { KlineInterval } from '../../binance/types.js';
import { DAY, intervalMs } from '../../binance/kline-intervals.js';
import { BACKTEST_LIMITS } from '../../strategies/backtests-queue.js';
import { progressText } from '../../strategies/backtest-report.js';
import { STRATEGY_NAMES, isStrategyName, type StrategyName } from '../../strategies/strategy-types.js';
import type { BotDeps } from '../bot-deps.js';
import { argumentError, expectTokens, quoteInput, tokenize } from '../command-args.js';
import { replyHtml } from '../reply.js';
import { resolveSymbol, type SymbolCatalog } from '../symbol-arg.js';
import { defineFeature, type CommandSpec } from './feature.js';

/** Intervals a backtest runs on: a fixed length (paged on a grid), from 5 minutes to a day. */
export const BACKTEST_INTERVALS = ['5m', '15m', '30m', '1h', '2h', '4h', '6h', '8h', '12h', '1d'] as const satisfies readonly KlineInterval[];

export const BACKTEST_SPEC: CommandSpec = {
  name: 'backtest',
  description: 'Replay a strategy over history against buy-and-hold',
  usage: '/backtest SYMBOL STRATEGY [INTERVAL] [DAYS]',
  example: '/backtest BTCUSDT macd 1d 365',
  details: [
    `STRATEGY is one of ${STRATEGY_NAMES.join(', ')}: macd buys when MACD(12,26,9) crosses above its signal and sells when it crosses below; fractal buys on a close above the latest bearish fractal and exits on the trailing fractal stop; macd-fractal buys on the MACD cross and exits on the fractal stop.`,
    `INTERVAL: ${BACKTEST_INTERVALS.join(', ')} (default ${BACKTEST_LIMITS.defaultInterval}). DAYS: 1 to ${BACKTEST_LIMITS.maxDays} (default ${BACKTEST_LIMITS.defaultDays}).`,
    'Fills at the next candle’s open, 0.1% fee per side; the answer has the trades, win rate, return, drawdown, time in market, buy-and-hold and a chart.',
  ],
};

export interface BacktestRequest {
  symbol: string;
  strategy: StrategyName;
  interval: KlineInterval;
  days: number;
}

export async function parseBacktest(catalog: SymbolCatalog, match: string): Promise<BacktestRequest> {
  const tokens = tokenize(match);
  expectTokens(BACKTEST_SPEC, tokens, 2, 4);
  const [symbolToken, strategyToken, ...rest] = tokens as [string, string, ...string[]];
  const strategy = strategyToken.toLowerCase();
  if (!isStrategyName(strategy)) throw argumentError(BACKTEST_SPEC, `"${quoteInput(strategyToken)}" is not a strategy. Use one of ${STRATEGY_NAMES.join(', ')}.`);
  let interval: KlineInterval | undefined;
  let days: number | undefined;
  for (const token of rest) {
    if (/^\d+$/.test(token)) {
      if (days !== undefined) throw argumentError(BACKTEST_SPEC, 'Give DAYS once.');
      days = Number(token);
      if (days < 1 || days > BACKTEST_LIMITS.maxDays) throw argumentError(BACKTEST_SPEC, `DAYS must be from 1 to ${BACKTEST_LIMITS.maxDays}, not ${quoteInput(token)}.`);
    } else {
      if (interval !== undefined) throw argumentError(BACKTEST_SPEC, 'Give INTERVAL once.');
      const candidate = token.toLowerCase();
      interval = BACKTEST_INTERVALS.find((i) => i === candidate);
      if (!interval) throw argumentError(BACKTEST_SPEC, `"${quoteInput(token)}" is not an interval a backtest runs on. Use one of ${BACKTEST_INTERVALS.join(', ')}.`);
    }
  }
  interval ??= BACKTEST_LIMITS.defaultInterval;
  days ??= BACKTEST_LIMITS.defaultDays;
  if ((days * DAY) / intervalMs(interval) > BACKTEST_LIMITS.maxCandles) {
    throw argumentError(BACKTEST_SPEC, `${days} days of ${interval} candles is more than ${BACKTEST_LIMITS.maxCandles.toLocaleString('en-US')} candles: use fewer days or a longer interval.`);
  }
  const info = await resolveSymbol(catalog, BACKTEST_SPEC, symbolToken);
  return { symbol: info.symbol, strategy, interval, days };
}

export function backtestCommand(deps: BotDeps): Composer<Context> {
  const composer = new Composer<Context>();
  composer.command('backtest', async (ctx) => {
    const request = await parseBacktest(deps.exchangeInfo, ctx.match);
    if (!deps.backtests) {
      await replyHtml(ctx, 'Backtests are not available in this deployment (no worker runs them).');
      return;
    }
    const ahead = await deps.backtests.waiting();
    const card = await replyHtml(ctx, progressText(request, ahead > 0 ? `Queued: ${ahead} backtest${ahead === 1 ? '' : 's'} ahead of this one.` : 'Queued.'));
    await deps.backtests.enqueue({ ...request, userId: ctx.from!.id, chatId: ctx.chat!.id, messageId: card.message_id });
  });
  return composer;
}

export const backtestFeature = defineFeature({ name: 'backtest', commands: [BACKTEST_SPEC], composer: ({ deps }) => backtestCommand(deps) });
