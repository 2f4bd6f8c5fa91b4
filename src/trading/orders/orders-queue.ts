/**
 * The `orders` BullMQ queue (DESIGN.md §4 step 2): Confirm adds one job per intent with the
 * intent id as `jobId`, so a double tap, a replayed callback or a second bot instance adds
 * nothing new. Completed jobs are kept 48 h (≥ 24 h) because that retention *is* the dedup
 * window: BullMQ only recognises an id it still holds.
 *
 * /pause is BullMQ's global pause (docs.bullmq.io "Pausing queues"): jobs added meanwhile wait
 * in the paused list and no worker takes a new one until resume; a job already running finishes.
 */
import { Queue, type JobsOptions } from 'bullmq';
import { AppError } from '../../errors.js';
import { formatDuration, formatUtc } from '../../format.js';
import { logQueueErrors } from '../../queue-errors.js';
import type { OrderIntent, QueueDepths } from '../types.js';
import { KEY_PREFIX } from '../../redis.js';
import { retentionOf, type ProducerQueueOptions } from '../../queue-options.js';

export const ORDERS_QUEUE = 'orders';
export const PLACE_ORDER_JOB = 'place-order';

export interface OrderJobData {
  intent: OrderIntent;
  /** Epoch ms of the confirm (for the confirm → placed latency metric). */
  confirmedAt: number;
  /**
   * A plan's exits again after they were refused ([Retry protection], src/trading/brackets/): the
   * entry is on the exchange already; the n-th attempt places under its own list id.
   */
  protect?: { attempt: number };
}

export interface OrderJobResult {
  orderId: number;
  status: string;
  /** True when the order was found on the exchange rather than placed by this attempt. */
  adopted: boolean;
}

export interface OrdersQueueOptions extends ProducerQueueOptions {
  /** Attempts per job, including the first. Default 5. */
  attempts?: number;
  /** First retry delay of the exponential backoff. Default 1000 ms (1 s, 2 s, 4 s, 8 s). */
  backoffMs?: number;
}

export interface OrdersQueue {
  readonly queue: Queue<OrderJobData, OrderJobResult>;
  /** Adds the intent's job; adding an id the queue still holds is a no-op. */
  enqueue(intent: OrderIntent, confirmedAt: number): Promise<void>;
  /** A plan's exits placed again for a filled entry (attempt ≥ 1); `jobId` dedups a double tap. */
  enqueueProtection(intent: OrderIntent, attempt: number, jobId: string, at: number): Promise<void>;
  pause(): Promise<void>;
  resume(): Promise<void>;
  isPaused(): Promise<boolean>;
  depths(): Promise<QueueDepths>;
  /** Holds every worker of the queue for `ms` (manual rate limiting after a 429/418). */
  rateLimit(ms: number): Promise<void>;
  close(): Promise<void>;
}

export function createOrdersQueue(options: OrdersQueueOptions): OrdersQueue {
  const jobOptions: JobsOptions = {
    attempts: options.attempts ?? 5,
    backoff: { type: 'exponential', delay: options.backoffMs ?? 1_000 },
    ...retentionOf(options),
  };
  const queue = new Queue<OrderJobData, OrderJobResult>(ORDERS_QUEUE, {
    connection: options.connection,
    prefix: options.prefix ?? KEY_PREFIX,
  });
  if (options.logger) logQueueErrors(queue, options.logger, { queue: ORDERS_QUEUE });

  return {
    queue,
    async enqueue(intent, confirmedAt) {
      await queue.add(PLACE_ORDER_JOB, { intent, confirmedAt }, { ...jobOptions, jobId: intent.id });
    },
    async enqueueProtection(intent, attempt, jobId, at) {
      await queue.add(PLACE_ORDER_JOB, { intent, confirmedAt: at, protect: { attempt } }, { ...jobOptions, jobId });
    },
    pause: () => queue.pause(),
    resume: () => queue.resume(),
    isPaused: () => queue.isPaused(),
    depths: () => depthsOf(queue),
    rateLimit: (ms) => queue.rateLimit(ms),
    close: () => queue.close(),
  };
}

/** Job counts and the pause flag of any BullMQ queue (for /status). */
export async function depthsOf(queue: Queue): Promise<QueueDepths> {
  const [counts, paused] = await Promise.all([
    queue.getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed', 'prioritized'),
    queue.isPaused(),
  ]);
  return {
    // 'waiting' includes a paused queue's jobs (BullMQ keeps them in the same list).
    waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0),
    active: counts.active ?? 0,
    delayed: counts.delayed ?? 0,
    failed: counts.failed ?? 0,
    completed: counts.completed ?? 0,
    paused,
  };
}

/**
 * QUEUED_ORDER_MAX_AGE_S: a market order confirmed before /pause or an outage must not go out at
 * whatever price the market has reached when the queue moves again. The worker checks it last
 * before the send mark, so an order that may already be on the exchange is still looked up and adopted.
 */
export function refuseIfQueuedTooLong(intent: OrderIntent, confirmedAt: number, at: number, maxAgeMs: number): void {
  const waitedMs = at - confirmedAt;
  if (waitedMs <= maxAgeMs) return;
  throw new AppError('ORDER_QUEUED_TOO_LONG', `confirmed ${waitedMs} ms ago, limit ${maxAgeMs} ms`, {
    userMessage: `Expired in the queue: confirmed at ${formatUtc(confirmedAt)} and still waiting ${formatDuration(waitedMs)} later (automation paused, or the exchange or the worker unavailable), past the ${formatDuration(maxAgeMs)} allowed (QUEUED_ORDER_MAX_AGE_S). Nothing was sent; the market may have moved, so send the command again if you still want it.`,
    details: { intentId: intent.id, confirmedAt, waitedMs, maxAgeMs },
  });
}
