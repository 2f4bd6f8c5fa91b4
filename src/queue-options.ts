/** What the orders and alerts queues share: a fail-fast connection, the prefix and job retention. */
import type { JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from './logger.js';

export interface ProducerQueueOptions {
  /** A `producer` connection (src/redis.ts): fail fast rather than hang a Confirm. */
  connection: Redis;
  /** BullMQ key prefix (tests pass uniquePrefix()). Default `chatops`. */
  prefix?: string;
  /** How long a completed job (and so its id, which deduplicates) is kept. Default 48 h. */
  keepCompletedMs?: number;
  /** How long a failed job is kept for inspection. Default 7 days. */
  keepFailedMs?: number;
  /** Where the queue handle's Redis errors go (else BullMQ prints them with console.error). */
  logger?: Logger;
}

/** BullMQ's retention options (in seconds) from ours (in ms). */
export function retentionOf(options: ProducerQueueOptions): Pick<JobsOptions, 'removeOnComplete' | 'removeOnFail'> {
  return {
    removeOnComplete: { age: Math.ceil((options.keepCompletedMs ?? 48 * 3600_000) / 1000) },
    removeOnFail: { age: Math.ceil((options.keepFailedMs ?? 7 * 24 * 3600_000) / 1000) },
  };
}
