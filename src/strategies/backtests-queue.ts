/**
 * The `backtests` BullMQ queue (DESIGN.md §11): the bot answers /backtest with a progress card
 * and adds a job; a worker (backtest-worker.ts) loads the history, runs the strategy, edits the
 * card with the numbers and sends the chart. A backtest is CPU work in a process that also moves
 * stops, so it runs in the worker role, one at a time, never in the bot.
 */
import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { KlineInterval } from '../binance/types.js';
import type { Logger } from '../logger.js';
import { logQueueErrors } from '../queue-errors.js';
import { KEY_PREFIX } from '../redis.js';
import type { StrategyName } from './strategy-types.js';

export const BACKTESTS_QUEUE = 'backtests';

export interface BacktestJobData {
  userId: number;
  chatId: number;
  /** The progress card the worker edits. */
  messageId: number;
  symbol: string;
  strategy: StrategyName;
  interval: KlineInterval;
  days: number;
}

export interface BacktestsQueue {
  readonly queue: Queue<BacktestJobData>;
  enqueue(job: BacktestJobData): Promise<string>;
  /** Jobs waiting before a new one (for the card: "2 ahead of yours"). */
  waiting(): Promise<number>;
  close(): Promise<void>;
}

export function createBacktestsQueue(options: { connection: Redis; prefix?: string; logger?: Logger }): BacktestsQueue {
  const queue = new Queue<BacktestJobData>(BACKTESTS_QUEUE, { connection: options.connection, prefix: options.prefix ?? KEY_PREFIX });
  if (options.logger) logQueueErrors(queue, options.logger, { queue: BACKTESTS_QUEUE });
  return {
    queue,
    async enqueue(job) {
      const id = `bt-${randomBytes(9).toString('base64url')}`;
      // One attempt: a failure is told on the card; the trader asks again if they want to.
      await queue.add('backtest', job, { jobId: id, attempts: 1, removeOnComplete: { age: 3600 }, removeOnFail: { age: 24 * 3600 } });
      return id;
    },
    waiting: () => queue.getWaitingCount(),
    close: () => queue.close(),
  };
}

/** The request a /backtest job carries, shared by the bot's parser and the worker. */
export const BACKTEST_LIMITS = {
  defaultInterval: '4h' as KlineInterval,
  defaultDays: 90,
  maxDays: 365,
  /** Candles in a span, at most: 365 days of 15m. */
  maxCandles: 35_040,
};
