/**
 * The account's balances as the user data stream keeps them, so that pricing a card or a
 * confirmed order does not pay `GET /api/v3/account` (weight 20, two of them per /buy + Confirm).
 *
 * Only the worker that holds the user data stream writes (user-stream-service.ts): a full REST
 * snapshot after every (re)connect, and each `outboundAccountPosition` ("sent any time an account
 * balance has changed", user-data-stream.md) as it arrives. Both write per asset and only over
 * an older update time (`u`, the snapshot's `updateTime`), so they commute: a snapshot read before
 * an event but written after it cannot undo the event. Readers (bot and workers, any process) use the cache only while the
 * `fresh` key exists: the writer sets it once its snapshot is in and renews it on every heartbeat
 * while the stream is caught up, deletes it when the stream drops, and it expires on its own when
 * the writer dies. Otherwise they ask the exchange, exactly as before the cache.
 *
 * What the cache can miss is bounded: a fill reaches it with the stream's event, milliseconds after
 * the order response; within that gap a card may show the balance before the fill. The exchange
 * still refuses what the balance cannot pay (-2010), so a stale preview can cost a refusal, never
 * an order the account could not hold.
 */
import type { Redis } from 'ioredis';
import type { Account, Balance } from '../binance/types.js';
import type { ExchangeClient } from '../binance/exchange-client.js';
import { KEY_PREFIX } from '../redis.js';
import { AppError } from '../errors.js';
import { asFlag, asStrings, defineScript } from '../redis-scripts.js';

export interface AccountCache {
  /** The account while the stream keeps it fresh; undefined when the caller must ask the exchange. */
  read(): Promise<Account | undefined>;
}

export interface AccountCacheWriter {
  /** A REST snapshot taken after the stream subscribed: every balance (but what the stream told of later), and the cache is fresh. */
  replace(account: Account): Promise<void>;
  /** One `outboundAccountPosition`: the assets it names, each only if newer than what is stored. */
  apply(update: { u: number; B: ReadonlyArray<{ a: string; f: string; l: string }> }): Promise<void>;
  /** The stream is still caught up: the cache stays fresh for another `freshForMs`. */
  keepFresh(): Promise<void>;
  /** The stream dropped or fell behind: readers go back to the exchange. */
  markStale(): Promise<void>;
}

/** One balance as stored: the exchange's strings and the update time they are as of. */
interface StoredBalance {
  free: string;
  locked: string;
  u: number;
}

type AccountMeta = Omit<Account, 'balances'>;

const keys = (prefix: string) => ({
  balances: `${prefix}:account:balances`,
  meta: `${prefix}:account:meta`,
  fresh: `${prefix}:account:fresh`,
});

// KEYS[1] balances hash. ARGV[1] the update's time, then asset, json pairs. An older update
// never overwrites a newer one. One call for all the assets an event names: one round trip.
const PUT_BALANCES = defineScript({ name: 'chatopsAccountBalancesPut', keys: 1, parse: asFlag, lua: `
local u = tonumber(ARGV[1])
for i = 2, #ARGV, 2 do
  local old = redis.call('HGET', KEYS[1], ARGV[i])
  local newer = false
  if old then
    local ok, decoded = pcall(cjson.decode, old)
    newer = ok and tonumber(decoded['u']) ~= nil and tonumber(decoded['u']) > u
  end
  if not newer then redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
end
return 1
` });

// KEYS: fresh, meta, balances. Nil unless the cache is fresh and has its meta; else {meta, HGETALL}.
// A script rather than a MULTI: ioredis builds a MULTI as a pipeline, which copies every script
// defined on the connection, on each pricing read.
const READ_ACCOUNT = defineScript({ name: 'chatopsAccountRead', keys: 3, parse: parseRead, lua: `
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local meta = redis.call('GET', KEYS[2])
if not meta then return false end
return {meta, redis.call('HGETALL', KEYS[3])}
` });

function parseRead(reply: unknown, name: string): { meta: string; flat: string[] } | undefined {
  if (reply === null) return undefined;
  if (Array.isArray(reply) && typeof reply[0] === 'string' && Array.isArray(reply[1])) return { meta: reply[0], flat: asStrings(reply[1], name) };
  throw new AppError('INTERNAL', `redis script ${name} answered ${JSON.stringify(reply)}`);
}

// KEYS[1] balances hash. ARGV[1] the snapshot's update time, then asset, json pairs. Per asset as
// PUT_BALANCES; an asset absent from the snapshot is dropped unless the stream told of it later.
const REPLACE_BALANCES = defineScript({ name: 'chatopsAccountBalancesReplace', keys: 1, parse: asFlag, lua: `
local u = tonumber(ARGV[1])
local incoming = {}
for i = 2, #ARGV, 2 do incoming[ARGV[i]] = ARGV[i + 1] end
local held = redis.call('HGETALL', KEYS[1])
for i = 1, #held, 2 do
  local ok, decoded = pcall(cjson.decode, held[i + 1])
  local heldU = (ok and tonumber(decoded['u'])) or -1
  if incoming[held[i]] then
    if heldU > u then incoming[held[i]] = nil end
  elseif heldU <= u then
    redis.call('HDEL', KEYS[1], held[i])
  end
end
for asset, json in pairs(incoming) do redis.call('HSET', KEYS[1], asset, json) end
return 1
` });

export function createAccountCache(deps: { redis: Redis; prefix?: string }): AccountCache {
  const k = keys(deps.prefix ?? KEY_PREFIX);
  return {
    async read() {
      const stored = await READ_ACCOUNT.run(deps.redis, [k.fresh, k.meta, k.balances], []);
      if (!stored) return undefined;
      const balances: Balance[] = [];
      for (let i = 0; i < stored.flat.length; i += 2) {
        const b = JSON.parse(stored.flat[i + 1]!) as StoredBalance;
        balances.push({ asset: stored.flat[i]!, free: b.free, locked: b.locked });
      }
      return { ...(JSON.parse(stored.meta) as AccountMeta), balances };
    },
  };
}

export function createAccountCacheWriter(deps: { redis: Redis; prefix?: string; freshForMs: number }): AccountCacheWriter {
  const k = keys(deps.prefix ?? KEY_PREFIX);
  return {
    async replace(account) {
      const { balances, ...meta } = account;
      const fields = balances.flatMap((b) => [b.asset, JSON.stringify({ free: b.free, locked: b.locked, u: account.updateTime } satisfies StoredBalance)]);
      REPLACE_BALANCES.install(deps.redis);
      const tx = deps.redis.multi();
      REPLACE_BALANCES.queue(tx, [k.balances], [account.updateTime, ...fields]);
      await tx.set(k.meta, JSON.stringify(meta)).set(k.fresh, '1', 'PX', deps.freshForMs).exec();
    },
    async apply(update) {
      if (update.B.length === 0) return;
      const fields = update.B.flatMap((b) => [b.a, JSON.stringify({ free: b.f, locked: b.l, u: update.u } satisfies StoredBalance)]);
      await PUT_BALANCES.run(deps.redis, [k.balances], [update.u, ...fields]);
    },
    async keepFresh() {
      await deps.redis.pexpire(k.fresh, deps.freshForMs);
    },
    async markStale() {
      await deps.redis.del(k.fresh);
    },
  };
}

/**
 * `client` with `account()` answered from the cache while it is fresh, and by `client` itself
 * otherwise (so a metered client still pays its budget for the REST read). Every other method is
 * the client's own: a Proxy, because the clients carry more than the ExchangeClient contract
 * (priorities, usage, events) and each must stay reachable.
 */
export function readingAccountFrom<T extends ExchangeClient>(client: T, cache: AccountCache): T {
  const account = async (): Promise<Account> => (await cache.read().catch(() => undefined)) ?? client.account();
  return new Proxy(client, {
    get(target, property, receiver) {
      return property === 'account' ? account : Reflect.get(target, property, receiver);
    },
  });
}
