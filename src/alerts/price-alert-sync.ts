/**
 * Keeps a worker's price alert index equal to Redis (price-alert-store.ts): at start every alert
 * is loaded, then the `changes` stream is read every `pollMs` from a cursor, so additions and
 * removals reach the worker without reading every alert again. A worker that fell behind the
 * stream's trim reloads everything. The same poll hands over claimed fires a dead worker left in
 * the outbox (price-alert-claims.ts).
 */
import type { Logger } from '../logger.js';
import type { PriceAlertIndex } from './price-alert-index.js';
import type { PriceAlertStore } from './price-alert-store.js';
import type { PriceAlert } from './price-alert-types.js';

export interface PriceAlertSyncDeps {
  store: Pick<PriceAlertStore, 'cursor' | 'changesSince' | 'getMany' | 'all'>;
  index: Pick<PriceAlertIndex, 'upsert' | 'remove' | 'symbols' | 'alertsOf'>;
  /** An alert added or changed, after it is in the index. */
  onAlert(alert: PriceAlert): void;
  /** The set of symbols with alerts may have changed. */
  onSymbols(): void;
  flushOutbox(): Promise<number>;
  log: Logger;
  /** How often alert changes are read from Redis. Default 1 000 ms. */
  pollMs?: number;
  /** How often claimed fires left in the outbox are enqueued. Default 5 000 ms. */
  outboxFlushMs?: number;
}

export interface PriceAlertSync {
  /** Hands over the outbox, loads every alert and starts the poll; never throws (a Redis down at start is caught up by the poll). */
  start(): Promise<void>;
  close(): Promise<void>;
}

export function createPriceAlertSync(deps: PriceAlertSyncDeps): PriceAlertSync {
  const { store, index, log } = deps;
  let cursor = '0-0';
  let stopped = false;
  let pollTimer: NodeJS.Timeout | undefined;
  let polling: Promise<void> | undefined;
  let lastOutboxFlush = 0;

  async function reload(): Promise<void> {
    const all = await store.all();
    const ids = new Set(all.map((a) => a.id));
    for (const a of all) index.upsert(a);
    for (const symbol of index.symbols()) for (const a of index.alertsOf(symbol)) if (!ids.has(a.id)) index.remove(a.id);
    deps.onSymbols();
  }

  async function applyChanges(): Promise<void> {
    const batch = await store.changesSince(cursor);
    if (batch.reset) {
      log.warn('price alert changes were trimmed before this worker read them: reloading every alert');
      cursor = batch.cursor;
      await reload();
      return;
    }
    cursor = batch.cursor;
    if (batch.ids.length === 0) return;
    const found = await store.getMany(batch.ids);
    for (const id of batch.ids) {
      const alert = found.get(id);
      if (alert) {
        index.upsert(alert);
        deps.onAlert(alert);
      } else index.remove(id);
    }
    deps.onSymbols();
  }

  function poll(): void {
    if (stopped) return;
    polling = applyChanges()
      .catch((error: unknown) => log.warn({ err: error }, 'reading price alert changes failed'))
      .then(async () => {
        // A worker that died between a claim and its enqueue left the job in the outbox: any live
        // worker hands it over (the job id is the claim's, so a second enqueue adds nothing).
        if (Date.now() - lastOutboxFlush < (deps.outboxFlushMs ?? 5_000)) return;
        lastOutboxFlush = Date.now();
        await deps.flushOutbox().catch((error: unknown) => log.warn({ err: error }, 'price alert outbox not flushed'));
      })
      .finally(() => {
        if (!stopped) pollTimer = setTimeout(poll, deps.pollMs ?? 1_000);
      });
  }

  return {
    async start() {
      lastOutboxFlush = Date.now();
      await deps.flushOutbox().catch((error: unknown) => log.warn({ err: error }, 'price alert outbox not flushed; retried by the poll'));
      try {
        cursor = await store.cursor();
        await reload();
      } catch (error) {
        // Redis is not there yet: the poll reads every change from the start of the stream instead.
        log.warn({ err: error }, 'price alerts not loaded at start; the poll catches up');
        cursor = '0-0';
      }
      pollTimer = setTimeout(poll, deps.pollMs ?? 1_000);
    },
    async close() {
      stopped = true;
      clearTimeout(pollTimer);
      await polling?.catch(() => undefined);
    },
  };
}
