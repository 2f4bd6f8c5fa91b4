/**
 * Exactly one worker watches a symbol's price alerts (DESIGN.md §1, §6b): a lease per symbol in
 * Redis, as the user data stream has one per account (stream-lease.ts), but taken and renewed for
 * every wanted symbol in one Lua call, so 200 symbols cost one round trip per renewal.
 *
 * A worker holds a symbol while its renewals land; it gives every symbol up (`onChange` with
 * fewer) when it cannot renew within `ttlMs − safetyMarginMs` of its last success, before Redis
 * can hand the leases to another worker. A dead worker's symbols pass to another within
 * `ttlMs + renewEveryMs`. As for the user stream, the lease is about efficiency: two watchers
 * for a moment cannot fire an alert twice, because every fire is claimed in Redis first.
 */
import type { Redis } from 'ioredis';
import type { Logger } from '../logger.js';

// KEYS: leases. ARGV: holder, ttl ms. One 1/0 per key: held by us after the call.
const TAKE = `
local held = {}
for i, key in ipairs(KEYS) do
  local v = redis.call('GET', key)
  if v == ARGV[1] then
    redis.call('PEXPIRE', key, ARGV[2])
    held[i] = 1
  elseif not v then
    redis.call('SET', key, ARGV[1], 'PX', ARGV[2])
    held[i] = 1
  else
    held[i] = 0
  end
end
return held
`;

// KEYS: leases. ARGV: holder. Deletes those that are ours.
const RELEASE = `
local n = 0
for _, key in ipairs(KEYS) do
  if redis.call('GET', key) == ARGV[1] then n = n + redis.call('DEL', key) end
end
return n
`;

export interface SymbolLeasesOptions {
  redis: Redis;
  /** Lease key of a symbol. */
  keyOf(symbol: string): string;
  holderId: string;
  /** Default 10 000 ms. */
  ttlMs?: number;
  /** Default ttlMs / 3. */
  renewEveryMs?: number;
  /** Default max(ttl/10, 50 ms). */
  safetyMarginMs?: number;
  logger: Logger;
  /** The set of symbols held changed. */
  onChange(held: ReadonlySet<string>): void;
}

export interface SymbolLeases {
  /** The symbols this worker would like to watch (it holds those no one else does). */
  want(symbols: Iterable<string>): void;
  held(): ReadonlySet<string>;
  start(): void;
  /** Releases every lease held. */
  close(): Promise<void>;
}

type ScriptFn = (...args: Array<string | number>) => Promise<unknown>;

function script(redis: Redis, name: string, lua: string): ScriptFn {
  const commands = redis as unknown as Record<string, ScriptFn | undefined>;
  if (typeof commands[name] !== 'function') redis.defineCommand(name, { lua });
  // Variadic keys: the first argument is their count.
  return (...args) => (redis as unknown as Record<string, ScriptFn>)[name]!(...args);
}

export function createSymbolLeases(options: SymbolLeasesOptions): SymbolLeases {
  const { redis } = options;
  const ttlMs = options.ttlMs ?? 10_000;
  const renewEveryMs = options.renewEveryMs ?? Math.max(1, Math.floor(ttlMs / 3));
  const marginMs = options.safetyMarginMs ?? Math.max(Math.floor(ttlMs / 10), 50);
  const log = options.logger.child({ module: 'price-alert-leases', holder: options.holderId });
  const take = script(redis, 'priceAlertLeaseTake', TAKE);
  const release = script(redis, 'priceAlertLeaseRelease', RELEASE);
  let wanted = new Set<string>();
  let held = new Set<string>();
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let deadline: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;

  function setHeld(next: Set<string>): void {
    const same = next.size === held.size && [...next].every((s) => held.has(s));
    held = next;
    if (!same) options.onChange(held);
  }

  async function tick(): Promise<void> {
    if (stopped) return;
    const sentAt = Date.now();
    try {
      const dropped = [...held].filter((s) => !wanted.has(s));
      if (dropped.length > 0) await release(dropped.length, ...dropped.map(options.keyOf), options.holderId);
      const symbols = [...wanted];
      const result = symbols.length > 0 ? ((await take(symbols.length, ...symbols.map(options.keyOf), options.holderId, String(ttlMs))) as number[]) : [];
      if (stopped) return;
      setHeld(new Set(symbols.filter((_, i) => result[i] === 1)));
      clearTimeout(deadline);
      deadline = setTimeout(() => {
        log.warn('price alert leases not renewed in time: every symbol given up');
        setHeld(new Set());
      }, Math.max(0, sentAt + ttlMs - marginMs - Date.now()));
    } catch (error) {
      log.warn({ err: (error as Error).message }, 'price alert lease renewal failed');
    }
  }

  let inFlight = false;
  let kick = false;

  function loop(): void {
    if (stopped) return;
    inFlight = true;
    kick = false;
    running = tick().finally(() => {
      inFlight = false;
      if (!stopped) timer = setTimeout(loop, kick ? 0 : renewEveryMs);
    });
  }

  return {
    want(symbols) {
      const next = new Set(symbols);
      const changed = next.size !== wanted.size || [...next].some((s) => !wanted.has(s));
      wanted = next;
      // A new symbol is taken at once rather than at the next renewal.
      if (!changed || running === undefined || stopped) return;
      if (inFlight) kick = true;
      else {
        clearTimeout(timer);
        loop();
      }
    },
    held: () => held,
    start() {
      if (!running && !stopped) loop();
    },
    async close() {
      stopped = true;
      clearTimeout(timer);
      clearTimeout(deadline);
      await running?.catch(() => undefined);
      const mine = [...held];
      held = new Set();
      if (mine.length > 0) await release(mine.length, ...mine.map(options.keyOf), options.holderId).catch(() => undefined);
    },
  };
}
