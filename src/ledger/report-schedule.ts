/**
 * `/report HH:MM|off` (DESIGN.md §2): each user's daily summary time, in UTC, and the delayed job
 * that sends it.
 *
 * - The setting is one field per user of the hash `<prefix>:report:settings` (time and chat).
 * - The next report is one delayed job in the `reports` queue whose id is fixed by user and date
 *   (`report-<userId>-<YYYYMMDD>`): adding it again — the bot when the time is set, every worker
 *   at start, the report job scheduling its successor — adds nothing. Delayed jobs live in Redis,
 *   so a restart loses none, and a report due while no worker ran goes out when one starts.
 * - Changing the time removes the pending job first: it carries the old time, and its id would
 *   otherwise keep the new one out on that date. A report job checks the time it carries against
 *   the setting and does nothing when they differ, so a job that escaped removal is harmless.
 *
 * The bot (setting a time) and the worker (sending, scheduling the next) share this module.
 */
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '../logger.js';
import { logQueueErrors } from '../queue-errors.js';
import { KEY_PREFIX } from '../redis.js';

export const REPORTS_QUEUE = 'reports';
const DAY_MS = 86_400_000;

export interface ReportSetting {
  /** "HH:MM", UTC. */
  time: string;
  chatId: number;
}

export interface ReportJobData extends ReportSetting {
  userId: number;
  /** The report's date, "YYYY-MM-DD" (UTC). */
  date: string;
  /** When it is due, ms since the epoch. */
  dueAt: number;
}

const TIME_RE = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** "9:05" and "09:05" → "09:05"; undefined when it is not a time of day. */
export function parseReportTime(text: string): string | undefined {
  const match = /^(\d{1,2}):(\d{2})$/.exec(text.trim());
  if (!match) return undefined;
  const time = `${match[1]!.padStart(2, '0')}:${match[2]}`;
  return TIME_RE.test(time) ? time : undefined;
}

/** The first instant strictly after `afterMs` whose UTC time of day is `time`. */
export function nextOccurrence(time: string, afterMs: number): number {
  const [hours, minutes] = time.split(':').map(Number) as [number, number];
  const day = Math.floor(afterMs / DAY_MS) * DAY_MS;
  const today = day + (hours * 60 + minutes) * 60_000;
  return today > afterMs ? today : today + DAY_MS;
}

export const reportDate = (atMs: number): string => new Date(atMs).toISOString().slice(0, 10);
export const reportJobId = (userId: number, date: string): string => `report-${userId}-${date.replaceAll('-', '')}`;
/** The alert's key: one summary per user and date reaches the alerts queue (its job id dedups). */
export const reportAlertKey = (userId: number, date: string): string => `report-${userId}-${date}`;

/** Set once a user's report for a date is in the alerts queue (report-worker.ts). */
export const reportSentKey = (prefix: string, userId: number, date: string): string => `${prefix}:report:sent:${userId}:${date}`;

export interface ReportSchedule {
  readonly queue: Queue<ReportJobData>;
  get(userId: number): Promise<ReportSetting | undefined>;
  /** Saves the time and schedules its next report; returns when that is due. */
  set(userId: number, setting: ReportSetting): Promise<number>;
  /** Removes the setting and its pending report. */
  clear(userId: number): Promise<boolean>;
  /** Every user with a report time. */
  all(): Promise<Map<number, ReportSetting>>;
  /** Adds the job for the first occurrence after `afterMs` (default now); a no-op when it exists. */
  scheduleNext(userId: number, setting: ReportSetting, afterMs?: number): Promise<number>;
  close(): Promise<void>;
}

export interface ReportScheduleOptions {
  /** A `producer` connection. */
  redis: Redis;
  prefix?: string;
  logger?: Logger;
  now?: () => number;
}

function parseSetting(raw: string | null | undefined): ReportSetting | undefined {
  if (!raw) return undefined;
  try {
    const value = JSON.parse(raw) as Partial<ReportSetting>;
    if (typeof value.time === 'string' && TIME_RE.test(value.time) && Number.isSafeInteger(value.chatId)) return { time: value.time, chatId: value.chatId! };
  } catch {
    // A field that is not ours to read is treated as no setting.
  }
  return undefined;
}

export function createReportSchedule(options: ReportScheduleOptions): ReportSchedule {
  const { redis } = options;
  const prefix = options.prefix ?? KEY_PREFIX;
  const now = options.now ?? Date.now;
  const settingsKey = `${prefix}:report:settings`;
  const queue = new Queue<ReportJobData>(REPORTS_QUEUE, { connection: redis, prefix });
  if (options.logger) logQueueErrors(queue, options.logger, { queue: REPORTS_QUEUE });

  async function scheduleNext(userId: number, setting: ReportSetting, afterMs = now()): Promise<number> {
    let dueAt = nextOccurrence(setting.time, afterMs);
    // Once a day: a time moved later on a day whose report went out already starts tomorrow.
    if ((await redis.exists(reportSentKey(prefix, userId, reportDate(dueAt)))) === 1) dueAt = nextOccurrence(setting.time, dueAt);
    const date = reportDate(dueAt);
    await queue.add(
      'report',
      { userId, chatId: setting.chatId, time: setting.time, date, dueAt },
      {
        jobId: reportJobId(userId, date),
        delay: Math.max(0, dueAt - now()),
        attempts: 5,
        backoff: { type: 'exponential', delay: 5_000 },
        // Kept past the next day, so the id still refuses a second job for its date.
        removeOnComplete: { age: 3 * 86_400 },
        removeOnFail: { age: 7 * 86_400 },
      },
    );
    return dueAt;
  }

  /** Removes the user's waiting report jobs (at most the next one or two dates). */
  async function removePending(userId: number): Promise<void> {
    const from = now() - DAY_MS;
    for (let i = 0; i < 3; i++) {
      const job = await queue.getJob(reportJobId(userId, reportDate(from + i * DAY_MS)));
      if (job && (await job.isDelayed())) await job.remove().catch(() => undefined);
    }
  }

  return {
    queue,
    async get(userId) {
      return parseSetting(await redis.hget(settingsKey, String(userId)));
    },
    async set(userId, setting) {
      await removePending(userId);
      await redis.hset(settingsKey, String(userId), JSON.stringify(setting));
      return scheduleNext(userId, setting);
    },
    async clear(userId) {
      const removed = (await redis.hdel(settingsKey, String(userId))) > 0;
      await removePending(userId);
      return removed;
    },
    async all() {
      const raw = await redis.hgetall(settingsKey);
      const settings = new Map<number, ReportSetting>();
      for (const [field, value] of Object.entries(raw)) {
        const setting = parseSetting(value);
        if (setting && /^\d+$/.test(field)) settings.set(Number(field), setting);
      }
      return settings;
    },
    scheduleNext,
    close: () => queue.close(),
  };
}
