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
import { asFlag, defineScript } from '../redis-scripts.js';

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

// KEYS[1] balances hash. ARGV: asset, json, update time. An older update never overwrites a newer one.
const PUT_BALANCE = defineScript({ name: 'chatopsAccountBalancePut', keys: 1, parse: asFlag, lua: `
local old = redis.call('HGET', KEYS[1], ARGV[1])
if old then
  local ok, decoded = pcall(cjson.decode, old)
  if ok and tonumber(decoded['u']) and tonumber(decoded['u']) > tonumber(ARGV[3]) then return 0 end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 1
` });

// KEYS[1] balances hash. ARGV[1] the snapshot's update time, then asset, json pairs. Per asset as
// PUT_BALANCE; an asset absent from the snapshot is dropped unless the stream told of it later.
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
      const replies = await deps.redis.multi().exists(k.fresh).get(k.meta).hgetall(k.balances).exec();
      if (!replies || replies.some(([error]) => error)) return undefined;
      const [[, fresh], [, meta], [, stored]] = replies as [[null, number], [null, string | null], [null, Record<string, string>]];
      if (fresh !== 1 || meta === null) return undefined;
      const balances: Balance[] = Object.entries(stored).map(([asset, json]) => {
        const b = JSON.parse(json) as StoredBalance;
        return { asset, free: b.free, locked: b.locked };
      });
      return { ...(JSON.parse(meta) as AccountMeta), balances };
    },
  };
}

export function createAccountCacheWriter(deps: { redis: Redis; prefix?: string; freshForMs: number }): AccountCacheWriter {
  const k = keys(deps.prefix ?? KEY_PREFIX);
  const put = (asset: string, balance: StoredBalance) => PUT_BALANCE.run(deps.redis, [k.balances], [asset, JSON.stringify(balance), balance.u]);
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
      for (const b of update.B) await put(b.a, { free: b.f, locked: b.l, u: update.u });
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
