/**
 * Sends the `/report` summaries (report-schedule.ts) from the worker role, through the alerts
 * queue (src/alerts/alerts-queue.ts), exactly once per user and date:
 *
 * 1. A job whose time no longer matches the user's setting (changed or off) does nothing.
 * 2. A date already marked sent (`<prefix>:report:sent:<userId>:<date>`) is not sent again.
 * 3. Otherwise the summary goes to the alerts queue under the key `report-<userId>-<date>`; the
 *    alerts queue takes a key once (its job id), so a worker that dies after enqueueing and
 *    before marking, and retries, adds nothing new. Then the date is marked.
 * 4. The next date's job is added (its id is fixed, so a retry adds it once).
 *
 * On start every worker adds each user's next job (a no-op where it exists): a schedule whose
 * job was lost (a Redis restored from an older snapshot) is whole again.
 */
import { Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { Counter, type Registry } from 'prom-client';
import type { Logger } from '../logger.js';
import { KEY_PREFIX } from '../redis.js';
import type { AlertSink } from '../trading/types.js';
import { REPORTS_QUEUE, reportAlertKey, reportSentKey, type ReportJobData, type ReportSchedule } from './report-schedule.js';

export type ReportOutcome = 'sent' | 'already-sent' | 'obsolete';

export interface ReportWorkerOptions {
  /** A `worker` connection (maxRetriesPerRequest: null). */
  connection: Redis;
  /** A `producer` connection for the sent marks. */
  redis: Redis;
  prefix?: string;
  schedule: ReportSchedule;
  alerts: AlertSink;
  /** The summary's HTML for one user at one time (report-text.ts `buildDailyReport`). */
  build(userId: number, nowMs: number): Promise<string>;
  logger: Logger;
  registry?: Registry;
  now?: () => number;
  lockDurationMs?: number;
  stalledIntervalMs?: number;
}

export interface ReportWorker {
  readonly worker: Worker<ReportJobData, ReportOutcome>;
  /** Adds every user's next report job (no-op where it exists). */
  start(): Promise<void>;
  close(): Promise<void>;
}

/** Marks outlive the alerts queue's 48 h dedup window and the report job's 3-day retention. */
const SENT_MARK_TTL_S = 4 * 86_400;

export function createReportWorker(options: ReportWorkerOptions): ReportWorker {
  const { redis, schedule } = options;
  const prefix = options.prefix ?? KEY_PREFIX;
  const now = options.now ?? Date.now;
  const log = options.logger.child({ module: 'report-worker' });
  const sentKey = (data: ReportJobData) => reportSentKey(prefix, data.userId, data.date);
  const reports = new Counter({
    name: 'binance_chatops_reports_total',
    help: 'Daily report jobs, by outcome',
    labelNames: ['outcome'] as const,
    registers: options.registry ? [options.registry] : [],
  });

  async function process(job: Job<ReportJobData>): Promise<ReportOutcome> {
    const data = job.data;
    const setting = await schedule.get(data.userId);
    if (!setting || setting.time !== data.time) return 'obsolete';
    let outcome: ReportOutcome = 'already-sent';
    if ((await redis.exists(sentKey(data))) === 0) {
      const text = await options.build(data.userId, now());
      await options.alerts.enqueue({ key: reportAlertKey(data.userId, data.date), chatId: setting.chatId, userId: data.userId, category: 'system', text });
      await redis.set(sentKey(data), String(now()), 'EX', SENT_MARK_TTL_S);
      outcome = 'sent';
    }
    // From the later of now and this job's due time: a job run early (clock drift) still moves on a day.
    await schedule.scheduleNext(data.userId, setting, Math.max(now(), data.dueAt));
    return outcome;
  }

  const worker = new Worker<ReportJobData, ReportOutcome>(
    REPORTS_QUEUE,
    async (job) => {
      const outcome = await process(job);
      reports.inc({ outcome });
      if (outcome === 'sent') log.info({ userId: job.data.userId, date: job.data.date }, 'daily report sent');
      return outcome;
    },
    {
      connection: options.connection,
      prefix,
      concurrency: 2,
      ...(options.lockDurationMs ? { lockDuration: options.lockDurationMs } : {}),
      ...(options.stalledIntervalMs ? { stalledInterval: options.stalledIntervalMs } : {}),
      maxStalledCount: 3,
    },
  );
  worker.on('error', (error) => log.error({ err: error }, 'reports worker error'));
  worker.on('failed', (job, error) => {
    if (job && job.attemptsMade >= (job.opts.attempts ?? 1)) log.error({ userId: job.data.userId, date: job.data.date, err: error }, 'daily report gave up');
  });

  return {
    worker,
    async start() {
      for (const [userId, setting] of await schedule.all()) await schedule.scheduleNext(userId, setting);
    },
    async close() {
      await worker.close();
    },
  };
}
