/**
 * An orders job's BullMQ lock as the fence of its sends (DESIGN.md §4; order-records.ts
 * `markSendAttempted`): a send mark is set only while the lock still holds this run's token, and a
 * run that no longer holds it leaves the card to the worker that took the job over.
 */
import type { Job, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { SendFence } from './order-records.js';

export interface JobFence {
  /** The job's BullMQ lock, holding the token of the worker that runs it now. */
  of(job: Job, token: string | undefined): SendFence;
  /** Whether the lock still holds this run's token (rejects when Redis cannot say). */
  holds(fence: SendFence): Promise<boolean>;
}

/** `queue` names the lock's key: any handle on the orders queue with the workers' prefix. */
export function createJobFence(redis: Redis, queue: Pick<Queue, 'toKey'>): JobFence {
  return {
    of: (job, token) => ({
      key: `${queue.toKey(job.id ?? '')}:lock`,
      // No token (never so from BullMQ's Worker) cannot match a lock: the fence refuses.
      token: token ?? '',
    }),
    async holds(fence) {
      return fence.token !== '' && (await redis.get(fence.key)) === fence.token;
    },
  };
}
