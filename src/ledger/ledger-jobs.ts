/**
 * When the ledger syncs (DESIGN.md §10): the `ledger` BullMQ queue, shared by every worker.
 *
 * - `sync` jobs: at start, after each (re)connect of the user data stream, after a fill the
 *   stream could not store, and from a job scheduler every LEDGER_SYNC_MIN minutes.
 * - `rebuild` jobs: forget every fill and cursor and sync from each symbol's first trade
 *   (`/pnl rebuild`, `npm run ledger:rebuild`).
 *
 * One at a time across all workers: the queue's global concurrency is 1, so a scheduled sync, a
 * reconnect's and a rebuild never interleave. A worker killed mid-sync leaves its job stalled;
 * BullMQ hands it to another worker after the lock expires, and the sync goes on from the stored
 * cursors (ledger-sync.ts). A request while another sync still waits is dropped (the waiting one
 * covers it), so a burst of reconnects syncs at most twice.
 */
import { randomUUID } from 'node:crypto';
import { Queue, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '../logger.js';
import { logQueueErrors } from '../queue-errors.js';
import { KEY_PREFIX } from '../redis.js';
import type { LedgerStore, SyncReport } from './ledger-store.js';
import type { LedgerSync } from './ledger-sync.js';

export const LEDGER_QUEUE = 'ledger';
const SCHEDULER_ID = 'ledger-sync';

export interface LedgerJobData {
  reason: string;
  /** Who asked for a rebuild (Telegram user id), for the log. */
  by?: number;
}

export interface LedgerJobsOptions {
  /** A `producer` connection for adding jobs. */
  redis: Redis;
  prefix?: string;
  logger: Logger;
  /** The worker side; absent in a process that only asks for syncs (the bot). */
  work?: { sync: LedgerSync; store: LedgerStore; /** A `worker` connection for BullMQ's blocking calls. */ connection: Redis };
  /** LEDGER_SYNC_MIN in ms; 0 turns the schedule off. Default 60 min. */
  syncEveryMs?: number;
  /** Attempts of a job. Default 5 (backoff doubling from `backoffMs`). */
  attempts?: number;
  /** Default 5 000 ms. */
  backoffMs?: number;
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  now?: () => number;
}

export interface LedgerJobs {
  readonly queue: Queue<LedgerJobData>;
  /** Worker side: one-at-a-time, the schedule, and a first sync. */
  start(): Promise<void>;
  requestSync(reason: string): Promise<void>;
  requestRebuild(by: number): Promise<void>;
  close(): Promise<void>;
}

export function createLedgerJobs(options: LedgerJobsOptions): LedgerJobs {
  const prefix = options.prefix ?? KEY_PREFIX;
  const now = options.now ?? Date.now;
  const log = options.logger.child({ module: 'ledger-jobs' });
  const queue = new Queue<LedgerJobData>(LEDGER_QUEUE, { connection: options.redis, prefix });
  logQueueErrors(queue, log, { queue: LEDGER_QUEUE });
  const jobOpts = {
    attempts: options.attempts ?? 5,
    backoff: { type: 'exponential' as const, delay: options.backoffMs ?? 5_000 },
    removeOnComplete: { age: 24 * 3600, count: 200 },
    removeOnFail: { age: 7 * 24 * 3600 },
  };
  let worker: Worker<LedgerJobData, SyncReport> | undefined;

  async function process(job: Job<LedgerJobData>): Promise<SyncReport> {
    const work = options.work!;
    if (job.name === 'rebuild') {
      log.warn({ by: job.data.by }, 'ledger rebuild: forgetting every fill, syncing from the first trade');
      await work.store.clearFills();
    }
    return work.sync.sync(job.data.reason);
  }

  async function requestSync(reason: string): Promise<void> {
    // A sync still waiting will run after everything asked so far happened: it covers this ask
    // too. An active one may have passed a symbol already, so it does not.
    const waiting = await queue.getJobCounts('waiting', 'delayed', 'prioritized');
    if (Object.values(waiting).some((n) => n > 0)) return;
    await queue.add('sync', { reason }, { ...jobOpts, jobId: `sync-${now()}-${randomUUID().slice(0, 8)}` });
  }

  return {
    queue,
    async start() {
      if (!options.work) return;
      await queue.setGlobalConcurrency(1);
      const every = options.syncEveryMs ?? 3_600_000;
      if (every > 0) {
        await queue.upsertJobScheduler(SCHEDULER_ID, { every }, { name: 'sync', data: { reason: 'schedule' }, opts: jobOpts });
      } else {
        await queue.removeJobScheduler(SCHEDULER_ID);
      }
      worker = new Worker<LedgerJobData, SyncReport>(LEDGER_QUEUE, process, {
        connection: options.work.connection,
        prefix,
        concurrency: 1,
        ...(options.lockDurationMs ? { lockDuration: options.lockDurationMs } : {}),
        ...(options.stalledIntervalMs ? { stalledInterval: options.stalledIntervalMs } : {}),
        maxStalledCount: 5,
      });
      worker.on('error', (error) => log.error({ err: error }, 'ledger worker error'));
      worker.on('failed', (job, error) => log.warn({ jobId: job?.id, attempt: job?.attemptsMade, err: error }, 'ledger sync failed'));
      await requestSync('start');
    },
    requestSync,
    async requestRebuild(by) {
      await queue.add('rebuild', { reason: 'rebuild', by }, { ...jobOpts, jobId: `rebuild-${now()}-${by}` });
    },
    async close() {
      await worker?.close();
      await queue.close();
    },
  };
}
