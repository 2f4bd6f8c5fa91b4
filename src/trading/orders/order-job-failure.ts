/**
 * What an order job that did not place its order does (DESIGN.md §4 "Failures"): 429/418 hold
 * the whole queue for Retry-After (BullMQ manual rate limiting, so no job starts and no request
 * leaves before it passes); a rejection is final (UnrecoverableError) and the card says why;
 * anything else is retried, and when the attempts run out the card says so. The card's last word
 * belongs to the job's owner: a run that lost its lock leaves it to the worker that took over.
 */
import { UnrecoverableError, Worker, type Job, type Queue } from 'bullmq';
import type { AppError } from '../../errors.js';
import { isAppError, isExchangeError, userMessageOf } from '../../errors.js';
import { formatUtc } from '../../format.js';
import type { Logger } from '../../logger.js';
import type { ExchangeClient } from '../../binance/exchange-client.js';
import type { AuditLog } from '../audit-log.js';
import type { AlertSink, OrderIntent } from '../types.js';
import { CARD_REVISION } from './card-revisions.js';
import type { CardEdits } from './order-card-edits.js';
import type { JobFence } from './job-fence.js';
import type { OrderJobMetrics } from './order-job-metrics.js';
import { OutcomeUnknownError } from './order-lookup.js';
import type { OrderRecords, SendFence } from './order-records.js';
import type { OrderJobData } from './orders-queue.js';

/**
 * Final: ExchangeErrors of kind `rejected` and our own validation errors. Except a refused
 * timestamp (nothing executed; the client has resynced) and a Redis outage: worth another attempt.
 */
const RETRYABLE_REJECTIONS = new Set(['EXCHANGE_CLOCK_SKEW', 'REDIS_UNAVAILABLE']);

/** A refusal another attempt would meet again; an unknown outcome is not one. */
export function isFinalFailure(error: unknown): boolean {
  return isAppError(error) && !RETRYABLE_REJECTIONS.has(error.code) && !(error instanceof OutcomeUnknownError) && (!isExchangeError(error) || error.kind === 'rejected');
}

export const isLastAttempt = (job: Job): boolean => job.attemptsMade + 1 >= (job.opts.attempts ?? 1);

export const asError = (error: unknown): Error => (error instanceof Error ? error : new Error(String(error)));

export interface OrderJobFailureDeps {
  exchange: Pick<ExchangeClient, 'usage'>;
  records: Pick<OrderRecords, 'sendAttemptedAt'>;
  alerts: AlertSink;
  audit: AuditLog;
  logger: Logger;
  showCard: CardEdits['showCard'];
  fence: Pick<JobFence, 'holds'>;
  jobs: OrderJobMetrics['jobs'];
  /** A handle on the orders queue: manual rate limiting holds the queue, not one worker. */
  limiterQueue: Pick<Queue, 'rateLimit'>;
  now: () => number;
}

export interface OrderJobFailures {
  /** Holds the whole queue for `waitMs`; the error to throw so BullMQ moves the job back to wait. */
  holdQueue(waitMs: number, intent: OrderIntent, error: AppError | undefined): Promise<Error>;
  /** The error to throw for a failed attempt, after telling the card when it is the last word. */
  failure(job: Job<OrderJobData>, intent: OrderIntent, error: unknown, fence: SendFence): Promise<Error>;
  /** The card of a job BullMQ failed for stalling too often, without running the processor. */
  stalled(intent: OrderIntent): Promise<void>;
}

export function createOrderJobFailures(deps: OrderJobFailureDeps): OrderJobFailures {
  const { exchange, records, alerts, audit, logger, showCard, jobs, now } = deps;

  async function holdQueue(waitMs: number, intent: OrderIntent, error: AppError | undefined): Promise<Error> {
    await deps.limiterQueue.rateLimit(Math.max(waitMs, 1));
    jobs.inc({ outcome: 'rate-limited' });
    logger.warn({ waitMs, intentId: intent.id, code: error?.code }, 'exchange rate limit: orders queue held');
    if (error?.code === 'EXCHANGE_IP_BANNED') {
      const until = now() + waitMs;
      await alerts
        .enqueue({
          key: `ip-ban-${Math.floor(until / 60_000)}`,
          chatId: intent.chatId,
          userId: intent.userId,
          category: 'system',
          text: `⛔ The exchange has banned this server for sending too many requests until ${formatUtc(until)}. Orders wait until then.`,
        })
        .catch((e: unknown) => logger.error({ err: e }, 'could not queue the ban alert'));
    }
    return Worker.RateLimitError();
  }

  async function failure(job: Job<OrderJobData>, intent: OrderIntent, error: unknown, fence: SendFence): Promise<Error> {
    const base = { intentId: intent.id, clientOrderId: intent.clientOrderId, userId: intent.userId };
    if (isExchangeError(error) && error.kind === 'rate-limited') {
      const waitMs = error.retryAfterMs ?? Math.max(exchange.usage().blockedUntil - now(), 1_000);
      return holdQueue(waitMs, intent, error);
    }
    const final = isFinalFailure(error);
    if (!final && !isLastAttempt(job)) {
      jobs.inc({ outcome: 'retry' });
      logger.warn({ ...base, err: error, attempt: job.attemptsMade + 1 }, 'order attempt failed; will retry');
      return asError(error);
    }
    // A worker that lost the lock is not final: the one that took the job over is still working on it.
    if (!(await deps.fence.holds(fence).catch(() => true))) {
      jobs.inc({ outcome: 'lock-lost' });
      logger.warn({ ...base, err: error }, 'order attempt failed after its job lock was lost; leaving the card to the new owner');
      return asError(error);
    }
    // Final: tell the trader why, in the card. A send mark still set means we never learned the outcome.
    const uncertain = !final && (await records.sendAttemptedAt(intent.clientOrderId).catch(() => 1)) !== undefined;
    const reason = final ? userMessageOf(error) : `${userMessageOf(error)} Gave up after ${job.attemptsMade + 1} attempts.`;
    jobs.inc({ outcome: final ? 'rejected' : 'failed' });
    logger.error({ ...base, err: error, final, uncertain }, 'order not placed');
    await audit.record({ event: 'failure', ...base, symbol: intent.preview.symbol, outcome: final ? 'rejected' : uncertain ? 'unknown' : 'failed', detail: isAppError(error) ? error.code : 'INTERNAL' });
    await showCard(intent, { kind: 'failed', reason, uncertain }, CARD_REVISION.final, 'failed').catch((e: unknown) =>
      logger.error({ ...base, err: e }, 'could not queue the failure card'),
    );
    return final ? new UnrecoverableError(reason) : asError(error);
  }

  async function stalled(intent: OrderIntent): Promise<void> {
    await audit.record({ event: 'failure', userId: intent.userId, intentId: intent.id, clientOrderId: intent.clientOrderId, symbol: intent.preview.symbol, outcome: 'unknown', detail: 'STALLED' });
    await showCard(intent, { kind: 'failed', reason: 'The order worker stopped repeatedly while handling this order.', uncertain: true }, CARD_REVISION.final, 'failed');
  }

  return { holdQueue, failure, stalled };
}
