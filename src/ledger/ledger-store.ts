/**
 * The ledger's fills in Redis (DESIGN.md §10): the exchange's own record, keyed by (symbol, trade
 * id), so a fill is stored once however often the stream and myTrades report it.
 *
 * Keys under `<prefix>:ledger:`:
 * - `fills`   hash `SYMBOL:tradeId` → the stored fill (JSON). Written with HSETNX: the first copy stays.
 * - `times`   sorted set of the same members by trade time: the replay order, and the membership
 *             list a reader diffs against what it already holds.
 * - `log`     list of the members in the order they were first stored: a reader fetches only the
 *             part after what it holds.
 * - `version` bumped by every write that added a fill (readers re-read only then).
 * - `gen`     changed by a rebuild: a reader holding another generation starts over.
 * - `symbols` every symbol a fill was seen on: the sync keeps checking them.
 * - `cursor`  hash symbol → the highest trade id the myTrades sync has stored (the next page starts after it).
 * - `rates`   hash `SYMBOL:minute` → the price used to value a quote or fee at that minute.
 * - `sync`    JSON of the last sync's report, for /status-like views and operators.
 *
 * A batch of fills is written by one Lua script (ADD_FILLS): a fill not yet in `fills` is added
 * to `fills`, `times`, `symbols` and `log` together, and the version moves once; a fill already
 * there changes nothing. A crash cannot leave a fill half-written.
 */
import type { Redis } from 'ioredis';
import { KEY_PREFIX } from '../redis.js';
import { fillKey, type StoredFill } from './ledger-basis.js';

export interface SyncReport {
  at: number;
  reason: string;
  symbols: number;
  pages: number;
  /** Request weight the sync spent on myTrades. */
  weight: number;
  /** Fills that were new to the ledger. */
  added: number;
  durationMs: number;
}

export interface LedgerStore {
  readonly keyPrefix: string;
  /** Stores fills not yet stored; returns how many were new. */
  add(fills: readonly StoredFill[]): Promise<number>;
  has(symbol: string, tradeId: number): Promise<boolean>;
  version(): Promise<number>;
  stamp(): Promise<LedgerStamp>;
  /** Members in the order first stored, from index `from` of the log. */
  logSince(from: number): Promise<string[]>;
  /** Every member (`SYMBOL:tradeId`) in trade-time order. */
  members(): Promise<string[]>;
  get(members: readonly string[]): Promise<Array<StoredFill | undefined>>;
  count(): Promise<number>;
  symbols(): Promise<string[]>;
  noteSymbols(symbols: readonly string[]): Promise<void>;
  cursor(symbol: string): Promise<number | undefined>;
  setCursor(symbol: string, tradeId: number): Promise<void>;
  rate(key: string): Promise<string | undefined>;
  setRate(key: string, price: string): Promise<void>;
  lastSync(): Promise<SyncReport | undefined>;
  setLastSync(report: SyncReport): Promise<void>;
  /** Forgets every fill and cursor (a rebuild starts here); keeps the symbols and the rate cache. */
  clearFills(): Promise<void>;
}

const GET_CHUNK = 1000;

// KEYS: fills, times, symbols, log, version. ARGV: per fill member, time, symbol, json.
const ADD_FILLS = `
local added = 0
for i = 1, #ARGV, 4 do
  if redis.call('HSETNX', KEYS[1], ARGV[i], ARGV[i + 3]) == 1 then
    redis.call('ZADD', KEYS[2], ARGV[i + 1], ARGV[i])
    redis.call('SADD', KEYS[3], ARGV[i + 2])
    redis.call('RPUSH', KEYS[4], ARGV[i])
    added = added + 1
  end
end
if added > 0 then redis.call('INCR', KEYS[5]) end
return added
`;

/** What a reader checks before each read: unchanged version and generation mean nothing new. */
export interface LedgerStamp {
  version: number;
  generation: string;
  /** Length of the ingest log. */
  logLength: number;
}

export function createLedgerStore(deps: { redis: Redis; prefix?: string }): LedgerStore {
  const { redis } = deps;
  const base = `${deps.prefix ?? KEY_PREFIX}:ledger`;
  const k = {
    fills: `${base}:fills`,
    times: `${base}:times`,
    version: `${base}:version`,
    symbols: `${base}:symbols`,
    cursor: `${base}:cursor`,
    rates: `${base}:rates`,
    sync: `${base}:sync`,
    log: `${base}:log`,
    gen: `${base}:gen`,
  };

  return {
    keyPrefix: base,
    async add(fills) {
      let added = 0;
      for (let i = 0; i < fills.length; i += GET_CHUNK) {
        const args = fills.slice(i, i + GET_CHUNK).flatMap((f) => [fillKey(f), String(f.time), f.symbol, JSON.stringify(f)]);
        added += Number(await redis.eval(ADD_FILLS, 5, k.fills, k.times, k.symbols, k.log, k.version, ...args));
      }
      return added;
    },
    async has(symbol, tradeId) {
      return (await redis.hexists(k.fills, `${symbol}:${tradeId}`)) === 1;
    },
    async version() {
      return Number((await redis.get(k.version)) ?? 0);
    },
    async stamp() {
      const [version, generation, logLength] = (await redis.multi().get(k.version).get(k.gen).llen(k.log).exec()) ?? [];
      return { version: Number(version?.[1] ?? 0), generation: String(generation?.[1] ?? ''), logLength: Number(logLength?.[1] ?? 0) };
    },
    logSince: (from) => redis.lrange(k.log, from, -1),
    members: () => redis.zrange(k.times, '0', '-1'),
    async get(members) {
      const out: Array<StoredFill | undefined> = [];
      for (let i = 0; i < members.length; i += GET_CHUNK) {
        const values = await redis.hmget(k.fills, ...members.slice(i, i + GET_CHUNK));
        for (const v of values) out.push(v === null ? undefined : (JSON.parse(v) as StoredFill));
      }
      return out;
    },
    count: () => redis.zcard(k.times),
    symbols: async () => (await redis.smembers(k.symbols)).sort(),
    async noteSymbols(symbols) {
      if (symbols.length > 0) await redis.sadd(k.symbols, ...symbols);
    },
    async cursor(symbol) {
      const v = await redis.hget(k.cursor, symbol);
      return v === null ? undefined : Number(v);
    },
    async setCursor(symbol, tradeId) {
      await redis.hset(k.cursor, symbol, String(tradeId));
    },
    async rate(key) {
      return (await redis.hget(k.rates, key)) ?? undefined;
    },
    async setRate(key, price) {
      await redis.hset(k.rates, key, price);
    },
    async lastSync() {
      const v = await redis.get(k.sync);
      return v === null ? undefined : (JSON.parse(v) as SyncReport);
    },
    async setLastSync(report) {
      await redis.set(k.sync, JSON.stringify(report));
    },
    async clearFills() {
      await redis.multi().del(k.fills, k.times, k.cursor, k.log).set(k.gen, String(Date.now()) + Math.random().toString(36).slice(2, 8)).incr(k.version).exec();
    },
  };
}
