/**
 * Delivers `alerts` jobs to Telegram with grammY's `Api` (DESIGN.md §6), from the worker process:
 * no bot process is needed. The Api is a dependency: production passes `createAlertsApi()`
 * (auto-retry on 429/5xx), the console passes one whose transport prints to the terminal.
 *
 * How each answer is handled (core.telegram.org/bots/api "Making requests", grammY "Flood limits"):
 * - "message is not modified": the card already shows this text → delivered.
 * - 403 (blocked, kicked): the chat is marked inactive and the job ends (UnrecoverableError);
 *   later alerts to that chat are skipped until the user writes to the bot again.
 * - 429 whose retry_after is beyond what auto-retry waits in-line: the whole queue is held for
 *   retry_after (BullMQ manual rate limiting) and the job goes back to waiting, attempts intact.
 * - other 400s (bad HTML, chat not found): final, logged.
 * - network errors and 5xx that outlived auto-retry: BullMQ retries with exponential backoff.
 *
 * A text over 4096 characters is split (src/format.ts). Edits carry a revision; an edit older than
 * the one a message already shows is dropped, so a late retry cannot roll a card back.
 *
 * Delivery is at-least-once: the Bot API has no idempotency key, and losing a fill alert is worse
 * than repeating it. The job's progress narrows and marks the window (`readAlertProgress`): before
 * part i leaves it reads i + 0.5, after Telegram accepts it i + 1. A retry skips accepted parts and
 * sends a part left "being sent" again under REPEAT_NOTICE, so a trader who sees it twice is told
 * why. Edits need no notice: an edit applied twice is "message is not modified".
 */
import { Api, GrammyError, HttpError, type RawApi } from 'grammy';
import { autoRetry } from '@grammyjs/auto-retry';
import { Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { Counter, type Registry } from 'prom-client';
import { escapeHtml, splitMessage, TELEGRAM_TEXT_LIMIT } from '../format.js';
import type { Logger } from '../logger.js';
import { logQueueErrors } from '../queue-errors.js';
import { claimCardRevision, isNotModified, isUneditable, reassertNewestCardEdit } from '../trading/orders/card-revisions.js';
import type { AlertJob } from '../trading/types.js';
import { ALERTS_QUEUE } from './alerts-queue.js';
import { isChatInactive, markChatInactive } from './chat-status.js';
import { createAlertSettings, type AlertSettingsResolver } from './alert-settings.js';
import { KEY_PREFIX } from '../redis.js';

/** First line of a part sent again after an attempt that may already have delivered it. */
export const REPEAT_NOTICE = '↻ Sent again — the first attempt may have arrived.';
const REPEAT_NOTICE_HTML = escapeHtml(REPEAT_NOTICE);

/**
 * The messages an alert's text is sent as. A long text is split with room for the repeat notice's
 * line, so a part sent again still fits in one message.
 */
export function alertParts(text: string): string[] {
  return text.length <= TELEGRAM_TEXT_LIMIT ? [text] : splitMessage(text, TELEGRAM_TEXT_LIMIT - REPEAT_NOTICE_HTML.length - 1);
}

/**
 * An alert job's progress: `done` parts were accepted by Telegram (for an edit, part 0 is the edit);
 * `sending` says part `done` was handed to Telegram and no answer was recorded, so it may have arrived.
 */
export function readAlertProgress(progress: unknown): { done: number; sending: boolean } {
  if (typeof progress !== 'number' || !(progress >= 0)) return { done: 0, sending: false };
  const done = Math.floor(progress);
  return { done, sending: progress > done };
}

export type AlertOutcome = 'sent' | 'edited' | 'not-modified' | 'stale' | 'skipped-inactive' | 'skipped-off' | 'skipped-obsolete';

export interface CreateAlertsApiOptions {
  token: string;
  /** TELEGRAM_API_ROOT. */
  apiRoot?: string;
  /** Retries of one call on 429/5xx before the job's own backoff takes over. Default 3. */
  maxRetryAttempts?: number;
  /** Longest retry_after waited in-line; longer ones hold the queue instead. Default 30 s. */
  maxDelaySeconds?: number;
  /** Retry 5xx in-line (auto-retry waits 3 s, 6 s, …); false leaves them to the job's backoff. Default true. */
  retryServerErrors?: boolean;
}

/**
 * An Api for the worker side. Network errors are rethrown rather than retried by auto-retry,
 * whose network-error loop has no bound: BullMQ's bounded backoff handles them.
 */
export function createAlertsApi(options: CreateAlertsApiOptions): Api<RawApi> {
  const api = new Api(options.token, options.apiRoot ? { apiRoot: options.apiRoot } : undefined);
  api.config.use(
    autoRetry({
      maxRetryAttempts: options.maxRetryAttempts ?? 3,
      maxDelaySeconds: options.maxDelaySeconds ?? 30,
      rethrowHttpErrors: true,
      rethrowInternalServerErrors: options.retryServerErrors === false,
    }),
  );
  return api;
}

export interface AlertsWorkerOptions {
  /** A `worker` connection (maxRetriesPerRequest: null). */
  connection: Redis;
  /** A `producer` connection for chat status and card revisions. */
  redis: Redis;
  /** The fail-fast connection queues add jobs through; default `redis` (app/trading-stack.ts says why apart). */
  queueConnection?: Redis;
  api: Api<RawApi>;
  logger: Logger;
  /** BullMQ and key prefix. Default `chatops`. */
  prefix?: string;
  registry?: Registry;
  /** Jobs in flight. Default 4. */
  concurrency?: number;
  /** Telegram allows about 30 messages a second per bot; default 25 jobs per second. */
  limiter?: { max: number; duration: number };
  /** BullMQ stalled-job settings (tests shorten them). */
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  /** Per-user /alerts settings (on, silent, off) for new messages. Default: read from Redis under `prefix`. */
  settings?: AlertSettingsResolver;
  /** Ties a pushed card (`AlertJob.cardIntentId`) to its message: TradingService.attachCard. */
  attachCard?: (intentId: string, messageId: number) => Promise<void>;
}

export interface AlertsWorker {
  readonly worker: Worker<AlertJob, AlertOutcome>;
  close(): Promise<void>;
}

export function createAlertsWorker(options: AlertsWorkerOptions): AlertsWorker {
  const { redis, api } = options;
  const prefix = options.prefix ?? KEY_PREFIX;
  const settings = options.settings ?? createAlertSettings({ redis, prefix });
  const logger = options.logger.child({ module: 'alerts-worker' });
  const delivered = new Counter({
    name: 'binance_chatops_alerts_total',
    help: 'Alert jobs processed, by outcome',
    labelNames: ['outcome'] as const,
    registers: options.registry ? [options.registry] : [],
  });
  const repeated = new Counter({
    name: 'binance_chatops_alert_parts_repeated_total',
    help: 'Alert parts sent again, with the repeat notice, because an earlier attempt may have delivered them',
    registers: options.registry ? [options.registry] : [],
  });
  // Manual rate limiting needs a queue handle on the same connection (docs.bullmq.io "Manual rate-limit").
  const limiterQueue = new Queue(ALERTS_QUEUE, { connection: options.queueConnection ?? options.redis, prefix });
  logQueueErrors(limiterQueue, logger, { queue: ALERTS_QUEUE, handle: 'limiter' });

  const keyboard = (alert: AlertJob) =>
    alert.buttons ? { inline_keyboard: alert.buttons.map((row) => row.map((b) => ({ text: b.text, callback_data: b.data }))) } : undefined;

  /** Sends parts `from`…; `repeat` is the part an earlier attempt may have delivered (sent under the notice). */
  /** Returns the id of the last message sent (the one with the buttons). */
  async function sendParts(alert: AlertJob, parts: string[], job: Job<AlertJob>, from: number, repeat: number | undefined, silent = false): Promise<number | undefined> {
    const options = {
      parse_mode: 'HTML' as const,
      link_preview_options: { is_disabled: true },
      ...(silent ? { disable_notification: true } : {}),
    };
    let lastId: number | undefined;
    for (let i = from; i < parts.length; i++) {
      const markup = i === parts.length - 1 ? keyboard(alert) : undefined;
      // Only a single part within the notice's length of 4096 characters needs two messages here.
      const messages = i === repeat ? splitMessage(`${REPEAT_NOTICE_HTML}\n${parts[i]!}`) : [parts[i]!];
      await job.updateProgress(i + 0.5);
      try {
        for (const [m, text] of messages.entries()) {
          lastId = (await api.sendMessage(alert.chatId, text, { ...options, ...(markup && m === messages.length - 1 ? { reply_markup: markup } : {}) })).message_id;
        }
      } catch (error) {
        // Telegram answered with a refusal (429, 4xx): nothing was delivered, so a retry owes no notice.
        // A 5xx or a lost connection leaves the mark: Telegram may have delivered before failing.
        if (error instanceof GrammyError && error.error_code < 500) await job.updateProgress(i);
        throw error;
      }
      await job.updateProgress(i + 1);
      if (i === repeat) {
        repeated.inc();
        logger.warn({ key: alert.key, chatId: alert.chatId, part: i, parts: parts.length }, 'alert part sent again with the repeat notice: an earlier attempt may have delivered it');
      }
    }
    return lastId;
  }

  async function deliver(job: Job<AlertJob>): Promise<AlertOutcome> {
    const alert = job.data;
    if (await isChatInactive(redis, prefix, alert.chatId)) return 'skipped-inactive';
    // A card's expiry edit, due at its deadline: a decided intent keeps its key, so a key still
    // there means the card was confirmed or cancelled and already says so.
    if (alert.unlessKeyExists !== undefined && (await redis.exists(alert.unlessKeyExists)) === 1) return 'skipped-obsolete';
    const parts = alertParts(alert.text);
    const { done, sending } = readAlertProgress(job.progress);
    const repeat = sending ? done : undefined;

    if (alert.editMessageId === undefined) {
      // A private chat's id is its user's id: alerts without a userId follow that user's settings.
      const mode = await settings.resolve(alert.userId ?? alert.chatId, alert.category);
      if (mode === 'off') return 'skipped-off';
      const sentId = await sendParts(alert, parts, job, done, repeat, mode === 'silent');
      if (alert.cardIntentId !== undefined && sentId !== undefined && options.attachCard) {
        // The card is out either way; without the tie it only misses its expiry and status edits.
        await options.attachCard(alert.cardIntentId, sentId).catch((error: unknown) => logger.warn({ err: error, key: alert.key }, 'could not tie a pushed card to its intent'));
      }
      return 'sent';
    }
    const claimedMarkup = parts.length === 1 ? keyboard(alert) : undefined;
    const claimed = { text: parts[0]!, ...(claimedMarkup ? { markup: claimedMarkup } : {}) };
    if (alert.revision !== undefined && !(await claimCardRevision(redis, prefix, alert.chatId, alert.editMessageId, alert.revision, claimed))) {
      // An earlier attempt of this job edited the card, or may have; if that landed after the newer edit, put the newest back.
      if (done > 0 || sending) await reassertNewestCardEdit(redis, prefix, api, alert.chatId, alert.editMessageId, alert.revision);
      return 'stale';
    }
    let outcome: AlertOutcome = 'edited';
    if (done === 0) {
      const markup = parts.length === 1 ? keyboard(alert) : undefined;
      await job.updateProgress(0.5);
      try {
        await api.editMessageText(alert.chatId, alert.editMessageId, parts[0]!, {
          parse_mode: 'HTML',
          link_preview_options: { is_disabled: true },
          ...(markup ? { reply_markup: markup } : {}),
        });
      } catch (error) {
        if (isNotModified(error)) outcome = 'not-modified';
        else if (isUneditable(error)) {
          // The card is gone or too old to edit: the news still has to reach the trader.
          logger.warn({ chatId: alert.chatId, messageId: alert.editMessageId, key: alert.key }, 'card cannot be edited; sending a new message');
          // Progress 0.5 at the start may also be an earlier attempt's edit: then the notice is a false alarm, never a silent repeat.
          await sendParts(alert, parts, job, 0, repeat);
          return 'sent';
        } else throw error;
      }
      await job.updateProgress(1);
    }
    if (alert.revision !== undefined) await reassertNewestCardEdit(redis, prefix, api, alert.chatId, alert.editMessageId, alert.revision);
    await sendParts(alert, parts, job, Math.max(done, 1), repeat !== undefined && repeat >= 1 ? repeat : undefined);
    return outcome;
  }

  const worker = new Worker<AlertJob, AlertOutcome>(
    ALERTS_QUEUE,
    async (job) => {
      try {
        const outcome = await deliver(job);
        delivered.inc({ outcome });
        return outcome;
      } catch (error) {
        throw await classify(job, error);
      }
    },
    {
      connection: options.connection,
      prefix,
      concurrency: options.concurrency ?? 4,
      limiter: options.limiter ?? { max: 25, duration: 1_000 },
      ...(options.lockDurationMs ? { lockDuration: options.lockDurationMs } : {}),
      ...(options.stalledIntervalMs ? { stalledInterval: options.stalledIntervalMs } : {}),
      // A crash stalls every job the process held (up to `concurrency`); BullMQ's default of 1 would
      // fail such a job outright if a second crash caught it, and an alert would be lost.
      maxStalledCount: 5,
    },
  );
  worker.on('error', (error) => logger.error({ err: error }, 'alerts worker error'));
  worker.on('failed', (job, error) => {
    if (job && (error instanceof UnrecoverableError || job.attemptsMade >= (job.opts.attempts ?? 1))) {
      logger.error({ key: job.data.key, chatId: job.data.chatId, reason: error.message }, 'alert not delivered');
    }
  });

  async function classify(job: Job<AlertJob>, error: unknown): Promise<Error> {
    const alert = job.data;
    if (error instanceof GrammyError) {
      if (error.error_code === 403) {
        await markChatInactive(redis, prefix, alert.chatId, error.description);
        delivered.inc({ outcome: 'blocked' });
        logger.warn({ chatId: alert.chatId }, 'chat blocked the bot; marked inactive, its alerts are skipped');
        return new UnrecoverableError(`chat ${alert.chatId} blocked the bot`);
      }
      if (error.error_code === 429) {
        const waitMs = Math.max(1, error.parameters.retry_after ?? 1) * 1000;
        await limiterQueue.rateLimit(waitMs);
        delivered.inc({ outcome: 'rate-limited' });
        logger.warn({ waitMs }, 'Telegram flood limit: alerts held');
        return Worker.RateLimitError();
      }
      if (error.error_code >= 400 && error.error_code < 500) {
        delivered.inc({ outcome: 'rejected' });
        return new UnrecoverableError(`Telegram refused ${error.method}: ${error.description}`);
      }
    }
    delivered.inc({ outcome: 'retry' });
    if (error instanceof HttpError || error instanceof GrammyError) return new Error(error.message);
    return error instanceof Error ? error : new Error(String(error));
  }

  return {
    worker,
    async close() {
      await worker.close();
      await limiterQueue.close();
    },
  };
}
