/**
 * A confirmed stop whose first order is in the orders pipeline ("placing"): the order worker
 * places it under the intent's client order id and records it (order-records.ts); this reads the
 * record, or the job when there is none yet, and says where the stop stands.
 */
import type { OrderRecord } from '../orders/order-records.js';
import type { StopStore } from './stop-store.js';
import type { ManagedStop } from './stop-types.js';
import { OPEN } from './stop-settle.js';

export type PlacingResolution =
  /** The order rests: the stop is active now (saved). */
  | { kind: 'active'; stop: ManagedStop }
  /** Not placed yet (queued, paused, running). */
  | { kind: 'pending' }
  /** The job failed: no order will come. */
  | { kind: 'failed' }
  /** Placed and already closed (filled at once, or cancelled). */
  | { kind: 'closed'; status: string; stop: ManagedStop };

export interface PlacingDeps {
  records: { get(clientOrderId: string): Promise<OrderRecord | undefined> };
  store: StopStore;
  /** BullMQ state of the orders job with this id (the intent id), undefined when there is no job. */
  jobState?: (jobId: string) => Promise<string | undefined>;
  now?: () => number;
}

/**
 * A stop confirmed this long ago with neither a record nor a job never got its order queued (the
 * enqueue failed and Confirm was not tapped again): it is given up.
 */
const ORPHAN_AFTER_MS = 10 * 60_000;


export async function resolvePlacing(stop: ManagedStop, deps: PlacingDeps): Promise<PlacingResolution> {
  const record = stop.clientOrderId ? await deps.records.get(stop.clientOrderId) : undefined;
  if (record) {
    const placed: ManagedStop = { ...stop, status: 'active', orderId: record.orderId };
    if (!OPEN.has(record.status)) return { kind: 'closed', status: record.status, stop: placed };
    const saved = await deps.store.save(placed);
    if (saved) return { kind: 'active', stop: saved };
    const current = await deps.store.get(stop.id);
    return current && current.status !== 'placing' ? { kind: 'active', stop: current } : { kind: 'pending' };
  }
  if (!deps.jobState) return { kind: 'pending' };
  const state = await deps.jobState(stop.id);
  if (state === 'failed') return { kind: 'failed' };
  const orphan = (state === undefined || state === 'unknown') && (deps.now ?? Date.now)() - stop.createdAt > ORPHAN_AFTER_MS;
  return orphan ? { kind: 'failed' } : { kind: 'pending' };
}
