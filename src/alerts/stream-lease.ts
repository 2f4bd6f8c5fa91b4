/**
 * One user data stream listener per account across every worker process (DESIGN.md §1): a
 * renewable lease in Redis.
 *
 * - acquire: `SET key holder NX PX ttl` (or, when the key already names us, extend it: a holder
 *   whose renewal failed on a Redis blip takes its own lease back at once);
 * - renew every `renewEveryMs`: compare-and-extend in Lua (extend only while the value is ours);
 * - release on close: compare-and-delete in Lua (never delete someone else's lease).
 *
 * A holder stops listening (`onLost`) the moment a renewal says the lease is someone else's, and
 * also when it cannot renew in time: each success arms a local deadline at
 * `start of the successful call + ttl − safety margin`, measured before the call was sent, so the
 * holder gives up before Redis can hand the key to another worker, even with a hung connection.
 *
 * Takeover bound: when the holder dies without releasing (SIGKILL, power loss), its key expires at
 * most `ttlMs` after its last renewal, and a waiting worker tries every `pollMs`: another worker
 * holds the lease within `ttlMs + pollMs` (see `takeoverBoundMs`), then needs one connect and
 * subscribe round trip. A clean shutdown releases the lease, so the wait is only `pollMs`.
 *
 * The lease is about efficiency and order, not correctness: two listeners for a moment (a paused
 * holder that wakes after its deadline) cannot double an alert, because every alert is claimed
 * atomically in Redis first (execution-alerts.ts).
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from '../logger.js';
import { asFlag, defineScript, DELETE_IF_HELD } from '../redis-scripts.js';

// KEYS[1] lease. ARGV: holder, ttl ms. 1 when extended.
const EXTEND = defineScript({ name: 'chatopsLeaseExtend', keys: 1, parse: asFlag, lua: `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
` });

export type LeaseLossReason = 'taken' | 'expired' | 'released';

export interface StreamLeaseOptions {
  /** A `producer` connection (fail fast: a hung renewal must not outlive the lease). */
  redis: Redis;
  /** e.g. `chatops:user-stream:lease:main`. */
  key: string;
  /** This process's name in the lease. Default `host:pid:random`. */
  holderId?: string;
  /** Lease lifetime without renewal. Default 10 000 ms. */
  ttlMs?: number;
  /** Default ttlMs / 3 (two renewals may fail before the deadline). */
  renewEveryMs?: number;
  /** How often a worker without the lease tries to take it. Default 2 000 ms. */
  pollMs?: number;
  /** Given up before the key's own expiry, against clock drift between us and Redis. Default max(ttl/10, 50 ms). */
  safetyMarginMs?: number;
  logger: Logger;
  /** We hold the lease: start listening. */
  onAcquired(): void | Promise<void>;
  /** We no longer hold it (or cannot be sure): stop listening at once. */
  onLost(reason: LeaseLossReason): void | Promise<void>;
  now?: () => number;
}

export interface StreamLease {
  readonly holderId: string;
  start(): void;
  isHeld(): boolean;
  /** The current holder as Redis has it. */
  currentHolder(): Promise<string | undefined>;
  /** Stops trying; a held lease is given up (onLost('released') first) and deleted. */
  close(): Promise<void>;
}

/** How long after a holder's death another worker holds the lease, at most. */
export function takeoverBoundMs(options: { ttlMs?: number; pollMs?: number } = {}): number {
  return (options.ttlMs ?? 10_000) + (options.pollMs ?? 2_000);
}

export function defaultHolderId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
}

export function createStreamLease(options: StreamLeaseOptions): StreamLease {
  const { redis, key } = options;
  const now = options.now ?? Date.now;
  const holderId = options.holderId ?? defaultHolderId();
  const ttlMs = options.ttlMs ?? 10_000;
  const renewEveryMs = options.renewEveryMs ?? Math.max(1, Math.floor(ttlMs / 3));
  const pollMs = options.pollMs ?? 2_000;
  const marginMs = options.safetyMarginMs ?? Math.max(Math.floor(ttlMs / 10), 50);
  const log = options.logger.child({ module: 'stream-lease', holder: holderId });
  let held = false;
  /** Counts acquisitions: a renewal answered after its tenure ended (a reply held back by a Redis outage) speaks for nobody. */
  let tenure = 0;
  let stopped = false;
  let tickTimer: NodeJS.Timeout | undefined;
  let deadline: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;

  function next(delayMs: number): void {
    clearTimeout(tickTimer);
    if (!stopped) tickTimer = setTimeout(() => (running = tick()), delayMs);
  }

  function armDeadline(sentAt: number): void {
    clearTimeout(deadline);
    const ms = sentAt + ttlMs - marginMs - now();
    deadline = setTimeout(() => void lose('expired'), Math.max(0, ms));
  }

  async function lose(reason: LeaseLossReason): Promise<void> {
    if (!held) return;
    held = false;
    clearTimeout(deadline);
    log.warn({ reason }, 'user stream lease lost; listening stops');
    try {
      await options.onLost(reason);
    } catch (error) {
      log.error({ err: error }, 'stopping the listener failed');
    }
    next(pollMs);
  }

  async function tryAcquire(): Promise<boolean> {
    const set = await redis.set(key, holderId, 'PX', ttlMs, 'NX');
    if (set === 'OK') return true;
    return EXTEND.run(redis, [key], [holderId, ttlMs]);
  }

  async function tick(): Promise<void> {
    if (stopped) return;
    const sentAt = now();
    if (!held) {
      let acquired = false;
      try {
        acquired = await tryAcquire();
      } catch (error) {
        log.debug({ err: (error as Error).message }, 'lease acquire failed');
      }
      if (stopped) {
        if (acquired) await DELETE_IF_HELD.run(redis, [key], [holderId]).catch(() => undefined);
        return;
      }
      if (!acquired) return next(pollMs);
      held = true;
      tenure += 1;
      armDeadline(sentAt);
      log.info({ ttlMs }, 'user stream lease acquired');
      next(renewEveryMs);
      try {
        await options.onAcquired();
      } catch (error) {
        log.error({ err: error }, 'starting the listener failed; giving the lease up');
        await lose('released');
        await DELETE_IF_HELD.run(redis, [key], [holderId]).catch(() => undefined);
      }
      return;
    }
    const renewing = tenure;
    try {
      const extended = await EXTEND.run(redis, [key], [holderId, ttlMs]);
      if (!held || stopped || tenure !== renewing) return;
      if (!extended) {
        await lose('taken');
        return;
      }
      armDeadline(sentAt);
      next(renewEveryMs);
    } catch (error) {
      // Keep trying until the deadline fires; it stops the listener if no renewal lands in time.
      if (tenure !== renewing) return;
      log.warn({ err: (error as Error).message }, 'lease renewal failed');
      next(Math.min(renewEveryMs, 250));
    }
  }

  return {
    holderId,
    start() {
      if (stopped || running) return;
      running = tick();
    },
    isHeld: () => held,
    async currentHolder() {
      return (await redis.get(key)) ?? undefined;
    },
    async close() {
      if (stopped) return;
      stopped = true;
      clearTimeout(tickTimer);
      await running?.catch(() => undefined);
      if (held) {
        held = false;
        clearTimeout(deadline);
        // Stop listening before the key goes, so two listeners never overlap on a clean handover.
        await Promise.resolve(options.onLost('released')).catch((error: unknown) => log.error({ err: error }, 'stopping the listener failed'));
        await DELETE_IF_HELD.run(redis, [key], [holderId]).catch((error: unknown) => log.warn({ err: (error as Error).message }, 'lease release failed; it expires on its own'));
      }
      clearTimeout(deadline);
    },
  };
}
