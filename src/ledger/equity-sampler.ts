/**
 * Records the account's net value once per slot of EQUITY_SAMPLE_MIN minutes (DESIGN.md §10),
 * from the worker role, through the `equity` BullMQ queue.
 *
 * - One job scheduler (`upsertJobScheduler`, `every` the slot length, aligned to the epoch) fires
 *   one job per slot for the whole deployment; every worker upserts the same scheduler id, so
 *   there is still one. It lives in Redis and so survives restarts.
 * - A worker starting adds a job for the current slot (job id `slot-<start>`), so a slot missed
 *   while no worker ran is filled as soon as one is back, and a fresh install has a first point.
 * - The store writes a slot once (equity-store.ts): racing workers and retries keep one sample.
 * - The reads go at view priority (the caller passes `withPriority('view')`): when the minute's
 *   weight nears the trading reserve the read is refused before it is sent, and the job retries
 *   with backoff within its slot, then gives the slot up. A sample never delays an order or a
 *   stop move. Each sample costs weight 24 (account 20, all prices 4): 96 an hour at 15 minutes.
 */
import { Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { Counter, type Registry } from 'prom-client';
import type { Logger } from '../logger.js';
import { logQueueErrors } from '../queue-errors.js';
import { KEY_PREFIX } from '../redis.js';
import type { EquityStore } from './equity-store.js';
import type { NetValueReader } from './equity-valuation.js';

export const EQUITY_QUEUE = 'equity';
export const EQUITY_SCHEDULER_ID = 'equity-sample';

export interface EquityJobData {
  /** The slot's start; absent on the scheduler's jobs, whose slot is their scheduled time. */
  slot?: number;
}

export type SampleOutcome = 'recorded' | 'exists' | 'missed';

export interface EquitySamplerOptions {
  /** A `worker` connection (maxRetriesPerRequest: null) for BullMQ's blocking calls. */
  connection: Redis;
  /** A `producer` connection for adding jobs and the scheduler. */
  redis: Redis;
  /** BullMQ prefix. Default `chatops`. */
  prefix?: string;
  store: EquityStore;
  netValue: NetValueReader;
  /** EQUITY_SAMPLE_MIN. */
  sampleMinutes: number;
  logger: Logger;
  registry?: Registry;
  /** Run a worker that takes `equity` jobs. Default true. */
  work?: boolean;
  /** Attempts of one slot's job. Default 5 (5 s, 10 s, 20 s, 40 s between them: past a minute's weight reset). */
  attempts?: number;
  backoffMs?: number;
  now?: () => number;
  /** BullMQ lock and stalled-check periods (tests shorten them). */
  lockDurationMs?: number;
  stalledIntervalMs?: number;
}

export interface EquitySampler {
  readonly queue: Queue<EquityJobData>;
  /** Upserts the scheduler and asks for the current slot's sample. */
  start(): Promise<void>;
  /** Measures and records one slot now (the job's work; tests call it to race two workers). */
  sampleSlot(slot: number): Promise<SampleOutcome>;
  close(): Promise<void>;
}

export const slotOf = (timeMs: number, slotMs: number): number => Math.floor(timeMs / slotMs) * slotMs;

export function createEquitySampler(options: EquitySamplerOptions): EquitySampler {
  const prefix = options.prefix ?? KEY_PREFIX;
  const now = options.now ?? Date.now;
  const slotMs = options.sampleMinutes * 60_000;
  const log = options.logger.child({ module: 'equity-sampler' });
  const samples = new Counter({
    name: 'binance_chatops_equity_samples_total',
    help: 'Net value sample jobs, by outcome',
    labelNames: ['outcome'] as const,
    registers: options.registry ? [options.registry] : [],
  });
  const jobOptions = {
    attempts: options.attempts ?? 5,
    backoff: { type: 'exponential', delay: options.backoffMs ?? 5_000 },
    removeOnComplete: { age: 24 * 3600 },
    removeOnFail: { age: 7 * 24 * 3600 },
  };
  const queue = new Queue<EquityJobData>(EQUITY_QUEUE, { connection: options.redis, prefix });
  logQueueErrors(queue, log, { queue: EQUITY_QUEUE });

  async function sampleSlot(slot: number): Promise<SampleOutcome> {
    if (await options.store.has(slot)) return 'exists';
    // A value read after its slot ended belongs to the next one: leave this slot empty.
    if (now() >= slot + slotMs) return 'missed';
    const net = await options.netValue.read();
    if (now() >= slot + slotMs) return 'missed';
    if (net.unpriced.length > 0) log.info({ slot, unpriced: net.unpriced }, 'assets without a price path are left out of the net value');
    return (await options.store.record({ time: slot, value: net.value })) ? 'recorded' : 'exists';
  }

  /** The scheduler's job is due at its slot's start (`every` is aligned to the epoch). */
  const slotOfJob = (job: Job<EquityJobData>) => {
    const due = (job.opts as { prevMillis?: number }).prevMillis ?? job.timestamp + (job.opts.delay ?? 0);
    return job.data.slot ?? slotOf(due, slotMs);
  };

  const worker =
    options.work === false
      ? undefined
      : new Worker<EquityJobData, SampleOutcome>(
          EQUITY_QUEUE,
          async (job) => {
            const slot = slotOfJob(job);
            try {
              const outcome = await sampleSlot(slot);
              samples.inc({ outcome });
              return outcome;
            } catch (error) {
              // Retrying past the slot's end could only record a value that belongs to the next one.
              const nextTry = now() + (options.backoffMs ?? 5_000) * 2 ** job.attemptsMade;
              if (nextTry >= slot + slotMs) {
                samples.inc({ outcome: 'failed' });
                log.warn({ slot, err: error }, 'net value sample gave up for this slot');
                throw new UnrecoverableError(error instanceof Error ? error.message : String(error));
              }
              throw error;
            }
          },
          {
            connection: options.connection,
            prefix,
            concurrency: 1,
            ...(options.lockDurationMs ? { lockDuration: options.lockDurationMs } : {}),
            ...(options.stalledIntervalMs ? { stalledInterval: options.stalledIntervalMs } : {}),
          },
        );
  worker?.on('error', (error) => log.error({ err: error }, 'equity worker error'));
  worker?.on('failed', (job, error) => {
    if (job && !(error instanceof UnrecoverableError) && job.attemptsMade >= (job.opts.attempts ?? 1)) log.warn({ jobId: job.id, err: error }, 'net value sample gave up after its attempts');
  });

  return {
    queue,
    sampleSlot,
    async start() {
      await queue.upsertJobScheduler(EQUITY_SCHEDULER_ID, { every: slotMs }, { name: 'sample', data: {}, opts: jobOptions });
      const slot = slotOf(now(), slotMs);
      await queue.add('sample', { slot }, { ...jobOptions, jobId: `slot-${slot}` });
      log.info({ everyMinutes: options.sampleMinutes }, 'net value sampled every slot');
    },
    async close() {
      await worker?.close();
      await queue.close();
    },
  };
}
