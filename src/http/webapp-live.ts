/**
 * Live updates for the Mini App (DESIGN.md §12: fills, stop moves): what the worker role does
 * reaches the bot role through Redis, so the feed tails two streams any process writes:
 *
 * - the audit trail (`<prefix>:audit`, src/trading/audit-log.ts): placements, cancels, confirms,
 *   stop arms, moves and removals, with who did them;
 * - the alerts queue's BullMQ event stream (`<prefix>:alerts:events`): every alert added, named by
 *   its category, so a fill (which the audit trail does not record) is seen as it is pushed.
 *
 * One blocking XREAD on its own connection serves every open page; it runs only while someone
 * listens. Entries written before the feed started are not replayed (a page loads its views
 * fresh and then only needs what changes).
 */
import type { Redis } from 'ioredis';
import type { Logger } from '../logger.js';
import { ALERTS_QUEUE } from '../alerts/alerts-queue.js';
import { fieldsOf } from '../redis-scripts.js';

export type LiveEvent =
  | { type: 'activity'; event: string; outcome: string; symbol?: string; at: number }
  | { type: 'alert'; category: string; at: number };

export interface LiveFeed {
  /** Calls `listener` for every event from now on; returns the unsubscribe. */
  subscribe(listener: (event: LiveEvent) => void): () => void;
  close(): Promise<void>;
}

export interface LiveFeedOptions {
  /** A dedicated connection (it blocks): src/redis.ts "worker" use. The feed disconnects it on close. */
  redis: Redis;
  prefix: string;
  logger: Logger;
  /** Longest XREAD block, ms. Default 5 000. */
  blockMs?: number;
}

const ALERT_CATEGORIES = new Set(['fill', 'stop', 'order', 'error']);

export function createLiveFeed(options: LiveFeedOptions): LiveFeed {
  const { redis } = options;
  const log = options.logger.child({ module: 'webapp-live' });
  const auditKey = `${options.prefix}:audit`;
  const eventsKey = `${options.prefix}:${ALERTS_QUEUE}:events`;
  const blockMs = options.blockMs ?? 5_000;
  const listeners = new Set<(event: LiveEvent) => void>();
  let closed = false;
  let running: Promise<void> | undefined;

  const emit = (event: LiveEvent) => {
    for (const listener of listeners) {
      try {
        listener(event);
      } catch (error) {
        log.warn({ err: error }, 'live listener failed');
      }
    }
  };

  async function loop(): Promise<void> {
    // Ids, not '$': an entry written between two reads must not fall through the gap. XREAD
    // answers ids after the one given, so start at the end of the previous millisecond: an entry
    // written in this one, after the page subscribed, is not skipped.
    const start = `${Date.now() - 1}-18446744073709551615`;
    const last = { [auditKey]: start, [eventsKey]: start };
    let failures = 0;
    while (!closed && listeners.size > 0) {
      try {
        const answer = (await redis.xread('COUNT', 100, 'BLOCK', blockMs, 'STREAMS', auditKey, eventsKey, last[auditKey]!, last[eventsKey]!)) as Array<[string, Array<[string, string[]]>]> | null;
        failures = 0;
        for (const [key, entries] of answer ?? []) {
          for (const [id, flat] of entries) {
            last[key] = id;
            const at = Number(id.split('-')[0]);
            const f = fieldsOf(flat);
            if (key === auditKey && f.event) emit({ type: 'activity', event: f.event, outcome: f.outcome ?? '', at, ...(f.symbol ? { symbol: f.symbol } : {}) });
            if (key === eventsKey && f.event === 'added' && f.name && ALERT_CATEGORIES.has(f.name)) emit({ type: 'alert', category: f.name, at });
          }
        }
      } catch (error) {
        if (closed) return;
        failures++;
        if (failures === 1) log.warn({ err: error }, 'live feed read failed; retrying');
        await new Promise((resolve) => setTimeout(resolve, Math.min(100 * 2 ** failures, 5_000)));
      }
    }
  }

  function ensureRunning(): void {
    if (running || closed) return;
    running = loop().finally(() => {
      running = undefined;
      // A subscriber that arrived as the loop was ending.
      if (!closed && listeners.size > 0) ensureRunning();
    });
  }

  return {
    subscribe(listener) {
      listeners.add(listener);
      ensureRunning();
      return () => void listeners.delete(listener);
    },
    async close() {
      closed = true;
      listeners.clear();
      // A blocked XREAD ends only with its connection.
      redis.disconnect();
      await running?.catch(() => undefined);
    },
  };
}
