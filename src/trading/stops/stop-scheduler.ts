/**
 * When stops are evaluated (DESIGN.md §5): the `stops` BullMQ queue, shared by every worker.
 *
 * - `close` jobs evaluate one (symbol, interval) at one candle close. Their job id is
 *   `close-<symbol>-<interval>-<closeTime>`, so however many announce a close — the kline stream
 *   in each worker, the job scheduler, a retry — it is evaluated once, by one worker.
 * - Job schedulers (`upsertJobScheduler`, one per (symbol, interval) in use) fire a `tick` a few
 *   seconds after each candle close by the cron of the interval, in UTC; the tick names the
 *   close from the exchange clock and adds its `close` job. They are the backstop that needs no
 *   socket; the kline stream is the fast path, and the only one for a replayed market whose
 *   candles do not follow the wall clock (PAPER_SPEED).
 *
 * `syncSchedules` makes the schedulers match the pairs in use (stop-store.ts `pairs`).
 */
import { Queue, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '../../logger.js';
import { logQueueErrors } from '../../queue-errors.js';
import { closeCronPattern, lastClosedCloseTime, type StopInterval } from './stop-intervals.js';
import type { StopPair } from './stop-store.js';
import type { PairEvaluation } from './stop-types.js';
import { CloseNotPublishedError } from './stop-evaluator.js';
import { KEY_PREFIX } from '../../redis.js';

export const STOPS_QUEUE = 'stops';

type TickData = StopPair;
type CloseData = StopPair & { closeTime: number };
type StopJobData = TickData | CloseData;

export interface StopSchedulerOptions {
  /** A `worker` connection (maxRetriesPerRequest: null) for BullMQ's blocking calls. */
  connection: Redis;
  /** A `producer` connection for adding jobs. */
  redis: Redis;
  /** The fail-fast connection queues add jobs through; default `redis` (app/trading-stack.ts says why apart). */
  queueConnection?: Redis;
  /** BullMQ prefix. Default `chatops`. */
  prefix?: string;
  logger: Logger;
  evaluate(pair: StopPair, closeTime: number): Promise<PairEvaluation>;
  /** Exchange time now (local clock corrected by the REST client's offset). */
  serverNow(): number;
  /** Run a worker that takes `stops` jobs. Default true (false: this process only announces closes). */
  work?: boolean;
  /** Seconds after a close the scheduler fires (the exchange publishes the closed candle). Default 3. */
  delaySeconds?: number;
  /** Pairs evaluated at once by this worker. Default 4. */
  concurrency?: number;
  /** Attempts of a `close` job. Default 4 (1 s, 2 s, 4 s between them). */
  attempts?: number;
  backoffMs?: number;
  /** How long a finished close job (and so its id) is kept. Default 1 h: far longer than any duplicate announcement. */
  keepCompletedMs?: number;
  /** BullMQ lock and stalled-check periods (a crashed worker's close job is taken over after them). Defaults BullMQ's, 30 s each. */
  lockDurationMs?: number;
  stalledIntervalMs?: number;
}

export interface StopScheduler {
  readonly queue: Queue<StopJobData>;
  /** Announces a candle close; a close already announced is a no-op. */
  enqueueClose(pair: StopPair, closeTime: number): Promise<void>;
  /** One job scheduler per pair in use, none for the others. */
  syncSchedules(pairs: readonly StopPair[]): Promise<void>;
  close(): Promise<void>;
}

const schedulerId = (pair: StopPair) => `stop-close-${pair.symbol}-${pair.interval}`;
export const closeJobId = (pair: StopPair, closeTime: number) => `close-${pair.symbol}-${pair.interval}-${closeTime}`;

export function createStopScheduler(options: StopSchedulerOptions): StopScheduler {
  const prefix = options.prefix ?? KEY_PREFIX;
  const log = options.logger.child({ module: 'stop-scheduler' });
  const delaySeconds = options.delaySeconds ?? 3;
  const keepCompleted = { age: Math.ceil((options.keepCompletedMs ?? 3_600_000) / 1000) };
  const queue = new Queue<StopJobData>(STOPS_QUEUE, { connection: options.queueConnection ?? options.redis, prefix });
  logQueueErrors(queue, log, { queue: STOPS_QUEUE });

  async function enqueueClose(pair: StopPair, closeTime: number): Promise<void> {
    await queue.add('close', { symbol: pair.symbol, interval: pair.interval, closeTime }, {
      jobId: closeJobId(pair, closeTime),
      attempts: options.attempts ?? 4,
      backoff: { type: 'exponential', delay: options.backoffMs ?? 1_000 },
      removeOnComplete: keepCompleted,
      removeOnFail: { age: 24 * 3600 },
    });
  }

  async function process(job: Job<StopJobData>): Promise<PairEvaluation | number> {
    const pair = { symbol: job.data.symbol, interval: job.data.interval };
    if (job.name === 'tick') {
      const closeTime = lastClosedCloseTime(pair.interval, options.serverNow());
      await enqueueClose(pair, closeTime);
      return closeTime;
    }
    try {
      return await options.evaluate(pair, (job.data as CloseData).closeTime);
    } catch (error) {
      if (error instanceof CloseNotPublishedError) log.info({ ...pair, attempt: job.attemptsMade + 1 }, error.message);
      throw error;
    }
  }

  const worker =
    options.work === false
      ? undefined
      : new Worker<StopJobData>(STOPS_QUEUE, process, {
          connection: options.connection,
          prefix,
          concurrency: options.concurrency ?? 4,
          ...(options.lockDurationMs ? { lockDuration: options.lockDurationMs } : {}),
          ...(options.stalledIntervalMs ? { stalledInterval: options.stalledIntervalMs } : {}),
          // BullMQ's default of 1 fails a close caught by two crashes in a row; its stops would then
          // wait for the next candle. Evaluating a close twice is harmless (moves are idempotent).
          maxStalledCount: 3,
        });
  worker?.on('error', (error) => log.error({ err: error }, 'stops worker error'));
  worker?.on('failed', (job, error) => {
    if (job && job.attemptsMade >= (job.opts.attempts ?? 1)) log.error({ jobId: job.id, err: error }, 'stop evaluation gave up');
  });

  return {
    queue,
    enqueueClose,
    async syncSchedules(pairs) {
      const wanted = new Map(pairs.map((p) => [schedulerId(p), p]));
      const existing = await queue.getJobSchedulers(0, -1);
      const have = new Set<string>();
      for (const scheduler of existing) {
        const id = scheduler.key;
        if (!id.startsWith('stop-close-')) continue;
        if (wanted.has(id)) have.add(id);
        else await queue.removeJobScheduler(id);
      }
      for (const [id, pair] of wanted) {
        if (have.has(id)) continue;
        await queue.upsertJobScheduler(id, { pattern: closeCronPattern(pair.interval as StopInterval, delaySeconds), tz: 'UTC' }, {
          name: 'tick',
          data: { symbol: pair.symbol, interval: pair.interval },
          opts: { removeOnComplete: keepCompleted, removeOnFail: { age: 24 * 3600 } },
        });
        log.info({ ...pair }, 'stop evaluation scheduled at every candle close');
      }
    },
    async close() {
      await worker?.close();
      await queue.close();
    },
  };
}
