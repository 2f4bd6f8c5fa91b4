/**
 * Runs /backtest jobs (backtests-queue.ts) in the worker role: history (kline-history.ts), the
 * backtest (backtest.ts), the numbers on the progress card and the chart as a photo.
 *
 * The progress card is edited at most every `progressEveryMs` (2 s: Telegram allows about one
 * edit per second per chat, and a trader does not need more), and always for the final state.
 * Edits go straight through the worker's grammY Api, not the alerts queue: they are best
 * effort, and one that fails is simply skipped (the next one, or the result, says more).
 *
 * The newest closed candle is read from the exchange (the last klines row is normally the forming
 * one, so the one before its open is the last close), not derived from the local clock: a
 * replayed paper market runs ahead of it. A row whose close has already passed is closed.
 */
import { InputFile, type Api, type RawApi } from 'grammy';
import { Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { priceFilterOf, tickDecimals } from '../binance/filters.js';
import { intervalMs, DAY } from '../binance/kline-intervals.js';
import type { ExchangeClient } from '../binance/exchange-client.js';
import { AppError, userMessageOf } from '../errors.js';
import type { Logger } from '../logger.js';
import { KEY_PREFIX } from '../redis.js';
import type { SymbolLookup } from '../trading/orders/order-pricing.js';
import { isNotModified } from '../trading/orders/card-revisions.js';
import { runBacktest, WARMUP_CANDLES, type BacktestResult } from './backtest.js';
import { renderBacktestChart } from './backtest-chart.js';
import { failedText, progressText, resultText, tooShortText, type BacktestSpec } from './backtest-report.js';
import { BACKTESTS_QUEUE, type BacktestJobData } from './backtests-queue.js';
import { createKlineHistory } from './kline-history.js';
import { createProgressCard } from './progress-card.js';
import { strategyOf } from './strategies.js';

/** MACD(12,26,9) gives its first cross after 34 closes: less warm-up than that is not a backtest. */
const MIN_WARMUP = 35;
/** The fewest candles a backtest trades over. */
const MIN_SPAN = 20;

export interface BacktestWorkerOptions {
  /** A `worker` connection for BullMQ. */
  connection: Redis;
  /** A `producer` connection for the history cache. */
  redis: Redis;
  prefix?: string;
  /** The `view` priority client (kline-history.ts); its clock offset dates the newest close. */
  exchange: Pick<ExchangeClient, 'klines' | 'usage'>;
  symbols: SymbolLookup;
  api: Api<RawApi>;
  logger: Logger;
  /** The exchange's identity in the history cache's keys. */
  marketKey: string;
  /** Default 2000. */
  progressEveryMs?: number;
  now?: () => number;
}

export interface BacktestWorker {
  readonly worker: Worker<BacktestJobData, BacktestSummary | undefined>;
  close(): Promise<void>;
}

/** What a finished job returns (kept an hour: tests and operators read it). */
export type BacktestSummary = Omit<BacktestResult, 'equity' | 'events'> & { requests: number; cachedPages: number };

export function createBacktestWorker(options: BacktestWorkerOptions): BacktestWorker {
  const prefix = options.prefix ?? KEY_PREFIX;
  const now = options.now ?? Date.now;
  const every = options.progressEveryMs ?? 2_000;
  const log = options.logger.child({ module: 'backtest-worker' });
  const history = createKlineHistory({ exchange: options.exchange, redis: options.redis, prefix, marketKey: options.marketKey });

  async function run(job: Job<BacktestJobData>): Promise<BacktestSummary | undefined> {
    const data = job.data;
    const spec: BacktestSpec = { symbol: data.symbol, strategy: data.strategy, interval: data.interval, days: data.days };
    const card = createProgressCard({
      everyMs: every,
      now,
      edit: (text) => options.api.editMessageText(data.chatId, data.messageId, text, { parse_mode: 'HTML' }).then(() => undefined),
      onError: (error) => {
        if (!isNotModified(error)) log.warn({ err: error, jobId: job.id }, 'backtest card edit failed');
      },
    });
    const edit = (text: string, force = false) => card.show(text, force);

    try {
      const info = await options.symbols.symbol(data.symbol);
      const tickSize = info ? priceFilterOf(info)?.tickSize : undefined;
      if (!info || !tickSize) throw new AppError('EXCHANGE_UNKNOWN_SYMBOL', `unknown symbol ${data.symbol}`, { userMessage: `The exchange does not list ${data.symbol}.` });
      const [newest] = await options.exchange.klines(data.symbol, data.interval, { limit: 1 });
      if (!newest) throw new AppError('EXCHANGE_BAD_RESPONSE', 'no klines', { userMessage: `The exchange has no ${data.interval} candles for ${data.symbol}.` });
      // Binance's last row is the forming candle; one whose close has passed on the exchange's clock
      // is closed (a replay that has not started yet serves no forming candle).
      const lastCloseTime = newest.closeTime < now() - options.exchange.usage().clockOffsetMs ? newest.closeTime : newest.openTime - 1;
      const span = Math.ceil((data.days * DAY) / intervalMs(data.interval));
      await edit(progressText(spec, 'Loading candles…'), true);
      const loaded = await history.load({
        symbol: data.symbol,
        interval: data.interval,
        count: span + WARMUP_CANDLES,
        lastCloseTime,
        onPage: (done, pages, note) => void edit(progressText(spec, note ? `Loading candles (${done}/${pages}): ${note}` : `Loading candles: ${done}/${pages} pages`)),
      });
      const candles = loaded.candles;
      // Fewer candles than asked: the exchange holds nothing older (a new listing, a replayed paper market).
      const held = candles.length < span + WARMUP_CANDLES && candles[0] ? { since: candles[0].openTime, lastCloseTime } : undefined;
      if (candles.length < MIN_WARMUP + MIN_SPAN) {
        throw new AppError('BOT_BAD_ARGUMENTS', `only ${candles.length} candles`, { userMessage: tooShortText(spec, candles.length, MIN_WARMUP + MIN_SPAN, MIN_WARMUP, held) });
      }
      // Fewer warm-up candles when history is shorter; the span gives way only to keep MACD's minimum, and the answer says so.
      const spanStart = Math.max(MIN_WARMUP, Math.min(WARMUP_CANDLES, candles.length - span));
      const shortSpan = candles.length - spanStart < span ? held : undefined;
      await edit(progressText(spec, `Running ${data.strategy} over ${candles.length - spanStart} candles…`));
      // Synchronous and short (under 0.2 s for a year of 1h candles: docs/BENCHMARKS.md): no edits inside it.
      const result = runBacktest({ strategy: strategyOf(data.strategy), candles, spanStart, tickSize });
      const png = await renderBacktestChart({ symbol: data.symbol, interval: data.interval, candles: candles.slice(spanStart), result });
      await edit(resultText(spec, result, tickDecimals(info), shortSpan), true);
      await options.api.sendPhoto(data.chatId, new InputFile(png, `${data.symbol}-${data.interval}-${data.strategy}-backtest.png`), {
        caption: `${data.symbol} · ${data.strategy} · ${data.interval}: price with entries ▲ and exits ▼, equity against buy and hold`,
        reply_parameters: { message_id: data.messageId, allow_sending_without_reply: true },
      });
      log.info({ jobId: job.id, ...spec, trades: result.trades.length, requests: loaded.requests, cachedPages: loaded.cachedPages }, 'backtest done');
      const { equity: _equity, events: _events, ...summary } = result;
      return { ...summary, requests: loaded.requests, cachedPages: loaded.cachedPages };
    } catch (error) {
      log.warn({ err: error, jobId: job.id, ...spec }, 'backtest failed');
      await edit(failedText(spec, userMessageOf(error)), true);
      return undefined;
    }
  }

  // One at a time: a backtest is CPU work beside the stop manager and the order worker.
  const worker = new Worker<BacktestJobData, BacktestSummary | undefined>(BACKTESTS_QUEUE, run, { connection: options.connection, prefix, concurrency: 1 });
  worker.on('error', (error) => log.error({ err: error }, 'backtests worker error'));
  return { worker, close: () => worker.close() };
}
