/**
 * The `alerts` BullMQ queue (DESIGN.md §6): whatever the worker side wants shown in Telegram
 * (card edits, fills, stop moves, errors) goes through here, so delivery survives a restart and
 * Telegram's flood limits without blocking the order pipeline.
 *
 * `jobId` is the alert's key, so a key is delivered at most once while the job is retained
 * (48 h after completion): one alert per execution id even when a stream reconnects or a job is
 * retried. BullMQ refuses ids containing `:` or made only of digits; such keys are encoded
 * (see `alertJobId`) instead of being rejected.
 */
import { Queue, type JobsOptions } from 'bullmq';
import { logQueueErrors } from '../queue-errors.js';
import { depthsOf } from '../trading/orders/orders-queue.js';
import type { AlertJob, AlertSink, QueueDepths } from '../trading/types.js';
import { KEY_PREFIX } from '../redis.js';
import { retentionOf, type ProducerQueueOptions } from '../queue-options.js';

export const ALERTS_QUEUE = 'alerts';

export interface AlertsQueueOptions extends ProducerQueueOptions {
  /** Attempts per alert, including the first. Default 8. */
  attempts?: number;
  /** First retry delay of the exponential backoff. Default 2000 ms. */
  backoffMs?: number;
}

export interface AlertsQueue extends AlertSink {
  readonly queue: Queue<AlertJob>;
  depths(): Promise<QueueDepths>;
  close(): Promise<void>;
}

const SAFE_ID = /^[A-Za-z0-9_.-]{1,200}$/;

/**
 * The BullMQ job id of an alert key: the key itself when BullMQ accepts it, else `k-` and the
 * key in base64url. Keys starting with `k-` are always encoded, which keeps the mapping one-to-one.
 */
export function alertJobId(key: string): string {
  if (SAFE_ID.test(key) && !/^\d+$/.test(key) && !key.startsWith('k-')) return key;
  return `k-${Buffer.from(key, 'utf8').toString('base64url')}`;
}

export function createAlertsQueue(options: AlertsQueueOptions): AlertsQueue {
  const jobOptions: JobsOptions = {
    attempts: options.attempts ?? 8,
    backoff: { type: 'exponential', delay: options.backoffMs ?? 2_000 },
    ...retentionOf(options),
  };
  const queue = new Queue<AlertJob>(ALERTS_QUEUE, { connection: options.connection, prefix: options.prefix ?? KEY_PREFIX });
  if (options.logger) logQueueErrors(queue, options.logger, { queue: ALERTS_QUEUE });

  return {
    queue,
    async enqueue(alert, options) {
      const delay = options?.delayMs !== undefined && options.delayMs > 0 ? { delay: Math.ceil(options.delayMs) } : {};
      await queue.add(alert.category, alert, { ...jobOptions, ...delay, jobId: alertJobId(alert.key) });
    },
    async withdraw(key) {
      // BullMQ leaves a job a worker holds (locked): that one runs and finds it has nothing to do.
      await queue.remove(alertJobId(key));
    },
    depths: () => depthsOf(queue),
    close: () => queue.close(),
  };
}
