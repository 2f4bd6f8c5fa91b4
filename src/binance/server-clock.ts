/**
 * The offset between our clock and Binance's. Signed requests are refused with -1021 when
 * `timestamp >= serverTime + 1000` or `serverTime - timestamp > recvWindow` (rest-api.md
 * "Timing security"), so timestamps are taken on the server's clock: `now() - offset`.
 *
 * The offset is measured against the midpoint of the GET /api/v3/time round trip (the server
 * read its clock somewhere inside it; the midpoint halves the error), refreshed periodically
 * and on demand after a -1021. Concurrent callers share one measurement.
 */
import type { Logger } from '../logger.js';

export interface ServerClock {
  /** Local clock minus server clock, ms. 0 until the first sync. */
  offsetMs(): number;
  synced(): boolean;
  /** Current server time estimate, epoch ms (integer). */
  timestamp(): number;
  /** Measures the offset now (one measurement shared by concurrent callers) and returns it. */
  sync(): Promise<number>;
  /** Stops the periodic refresh. */
  close(): void;
}

export interface ServerClockDeps {
  /** GET /api/v3/time's serverTime. */
  fetchServerTime: () => Promise<number>;
  logger: Logger;
  now?: () => number;
  /** Periodic refresh, ms; 0 disables. Default 30 min. */
  refreshMs?: number;
  onSync?: (offsetMs: number) => void;
}

export function createServerClock(deps: ServerClockDeps): ServerClock {
  const now = deps.now ?? Date.now;
  const refreshMs = deps.refreshMs ?? 30 * 60_000;
  let offset = 0;
  let hasSynced = false;
  let inFlight: Promise<number> | undefined;

  async function measure(): Promise<number> {
    const sentAt = now();
    const serverTime = await deps.fetchServerTime();
    const receivedAt = now();
    offset = Math.round((sentAt + receivedAt) / 2 - serverTime);
    hasSynced = true;
    deps.logger.debug({ offsetMs: offset, roundTripMs: receivedAt - sentAt }, 'exchange clock synced');
    deps.onSync?.(offset);
    return offset;
  }

  function sync(): Promise<number> {
    inFlight ??= measure().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  }

  const timer =
    refreshMs > 0
      ? setInterval(() => {
          sync().catch((error: unknown) => deps.logger.warn({ err: error }, 'exchange clock refresh failed; keeping the last offset'));
        }, refreshMs)
      : undefined;
  timer?.unref();

  return {
    offsetMs: () => offset,
    synced: () => hasSynced,
    timestamp: () => Math.round(now() - offset),
    sync,
    close: () => {
      if (timer) clearInterval(timer);
    },
  };
}
