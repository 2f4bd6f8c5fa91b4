/**
 * "The alerts queue has drained": nothing waiting or being delivered, and nothing delayed but the
 * cards' expiry edits (keys `expire-…`), which wait for their deadlines whatever the test does.
 */
import type { Queue } from 'bullmq';
import type { AlertJob } from '../../../src/trading/types.js';

export async function alertsIdle(queue: Queue<AlertJob>): Promise<boolean> {
  const counts = await queue.getJobCounts('waiting', 'active', 'prioritized');
  if (Object.values(counts).some((n) => n > 0)) return false;
  const delayed = await queue.getJobs(['delayed']);
  return delayed.every((job) => job.data.key.startsWith('expire-'));
}
