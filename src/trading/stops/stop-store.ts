/**
 * Managed stops in Redis (DESIGN.md §5: "stop state lives in Redis"), shared by the bot (arming,
 * /stops, /stop off) and every worker (evaluation, moves, reconciliation).
 *
 * One JSON value per stop under `<prefix>:stop:<id>`, with index sets by symbol and by
 * (symbol, interval), and the set of (symbol, interval) pairs in use — what the schedulers and
 * the kline stream follow. Every write is one Lua script, so the indexes never disagree with the
 * stops, and saves are compare-and-set on the stop's `version`: a move and a /stop off racing on
 * the same stop cannot both win. Exchange work on a stop is also serialised by a short lease
 * (`withLock`), because a compare-and-set cannot undo an order already sent.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { AppError } from '../../errors.js';
import type { StopInterval } from './stop-intervals.js';
import { readStoredStop } from './stop-basis.js';
import { isTrailing, type ManagedStop, type StopEvaluationNote } from './stop-types.js';
import { KEY_PREFIX } from '../../redis.js';
import { asFlag, asStrings, defineScript, DELETE_IF_HELD } from '../../redis-scripts.js';
import { sleep } from '../../sleep.js';

export interface StopPair {
  symbol: string;
  interval: StopInterval;
}

export interface StopStore {
  /** Stores a new stop; when one with this id exists already (a replayed Confirm) returns it unchanged. */
  create(stop: Omit<ManagedStop, 'version'>): Promise<{ stop: ManagedStop; created: boolean }>;
  get(id: string): Promise<ManagedStop | undefined>;
  all(): Promise<ManagedStop[]>;
  bySymbol(symbol: string): Promise<ManagedStop[]>;
  byPair(pair: StopPair): Promise<ManagedStop[]>;
  /** (symbol, interval) pairs with at least one trailing stop. */
  pairs(): Promise<StopPair[]>;
  /** Compare-and-set on `stop.version`: returns the saved stop, or undefined when it changed or is gone. */
  save(stop: ManagedStop): Promise<ManagedStop | undefined>;
  /** `save` for many stops in one round trip; returns how many were saved (the others had changed). */
  saveMany(stops: readonly ManagedStop[]): Promise<number>;
  /** Forgets a stop (and its pair when it was the last one on it). True when it existed. */
  remove(id: string): Promise<boolean>;
  /** Runs `work` holding the stop's lease; waits up to `waitMs` (default 10 s) for it. */
  withLock<T>(id: string, work: () => Promise<T>, waitMs?: number): Promise<T>;
  setLastEvaluation(note: StopEvaluationNote): Promise<void>;
  lastEvaluation(): Promise<StopEvaluationNote | undefined>;
}

export interface StopStoreOptions {
  /** A `producer` connection. */
  redis: Redis;
  /** Key prefix. Default `chatops`. */
  prefix?: string;
  /** How long a lease lives if its holder dies. Default 30 s (longer than any exchange call with its retries). */
  lockTtlMs?: number;
}

// KEYS: stop, all, by-symbol, by-pair ('' for fixed), pairs. ARGV: id, json, pair member ('' for fixed).
const CREATE = defineScript({ name: 'chatopsStopCreate', keys: 5, parse: asStrings, lua: `
local existing = redis.call('GET', KEYS[1])
if existing then return {0, existing} end
redis.call('SET', KEYS[1], ARGV[2])
redis.call('SADD', KEYS[2], ARGV[1])
redis.call('SADD', KEYS[3], ARGV[1])
if ARGV[3] ~= '' then
  redis.call('SADD', KEYS[4], ARGV[1])
  redis.call('SADD', KEYS[5], ARGV[3])
end
return {1, ARGV[2]}
` });

// KEYS: stop. ARGV: expected version, json.
const SAVE = defineScript({ name: 'chatopsStopSave', keys: 1, parse: asFlag, lua: `
local current = redis.call('GET', KEYS[1])
if not current then return 0 end
if tostring(cjson.decode(current)['version']) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2])
return 1
` });

// KEYS: stop, all, by-symbol, by-pair, pairs. ARGV: id, pair member.
const REMOVE = defineScript({ name: 'chatopsStopRemove', keys: 5, parse: asFlag, lua: `
if redis.call('DEL', KEYS[1]) == 0 then return 0 end
redis.call('SREM', KEYS[2], ARGV[1])
redis.call('SREM', KEYS[3], ARGV[1])
if ARGV[2] ~= '' then
  redis.call('SREM', KEYS[4], ARGV[1])
  if redis.call('SCARD', KEYS[4]) == 0 then redis.call('SREM', KEYS[5], ARGV[2]) end
end
return 1
` });

const PAIR_SEPARATOR = '|';

export function createStopStore(options: StopStoreOptions): StopStore {
  const { redis } = options;
  const prefix = options.prefix ?? KEY_PREFIX;
  const lockTtlMs = options.lockTtlMs ?? 30_000;
  const stopKey = (id: string) => `${prefix}:stop:${id}`;
  const allKey = `${prefix}:stops`;
  const symbolKey = (symbol: string) => `${prefix}:stops:sym:${symbol}`;
  const pairKey = (pair: StopPair) => `${prefix}:stops:pair:${pair.symbol}:${pair.interval}`;
  const pairsKey = `${prefix}:stops:pairs`;
  const lockKey = (id: string) => `${prefix}:stop-lock:${id}`;
  const lastEvaluationKey = `${prefix}:stops:last-evaluation`;

  const pairOf = (stop: Pick<ManagedStop, 'symbol' | 'interval' | 'kind'>): StopPair | undefined =>
    isTrailing(stop.kind) && stop.interval ? { symbol: stop.symbol, interval: stop.interval } : undefined;
  const memberOf = (pair: StopPair | undefined) => (pair ? `${pair.symbol}${PAIR_SEPARATOR}${pair.interval}` : '');

  async function get(id: string): Promise<ManagedStop | undefined> {
    const json = await redis.get(stopKey(id));
    return json ? readStoredStop(json) : undefined;
  }

  async function load(ids: string[]): Promise<ManagedStop[]> {
    if (ids.length === 0) return [];
    const rows = await redis.mget(ids.sort().map(stopKey));
    return rows.filter((r): r is string => r !== null).map(readStoredStop);
  }

  return {
    async create(input) {
      const stop: ManagedStop = { ...input, version: 1 };
      const pair = pairOf(stop);
      const [created, json = ''] = await CREATE.run(
        redis,
        [stopKey(stop.id), allKey, symbolKey(stop.symbol), pair ? pairKey(pair) : stopKey(stop.id), pairsKey],
        [stop.id, JSON.stringify(stop), memberOf(pair)],
      );
      return { stop: readStoredStop(json), created: created === '1' };
    },

    get,

    all: async () => load(await redis.smembers(allKey)),
    bySymbol: async (symbol) => load(await redis.smembers(symbolKey(symbol))),
    byPair: async (pair) => load(await redis.smembers(pairKey(pair))),

    async pairs() {
      const members = await redis.smembers(pairsKey);
      return members
        .sort()
        .map((m) => {
          const [symbol = '', interval = ''] = m.split(PAIR_SEPARATOR);
          return { symbol, interval: interval as StopInterval };
        });
    },

    async save(stop) {
      const next: ManagedStop = { ...stop, version: stop.version + 1 };
      const saved = await SAVE.run(redis, [stopKey(stop.id)], [stop.version, JSON.stringify(next)]);
      return saved ? next : undefined;
    },

    async saveMany(stops) {
      if (stops.length === 0) return 0;
      SAVE.install(redis);
      const pipeline = redis.pipeline();
      for (const stop of stops) SAVE.queue(pipeline, [stopKey(stop.id)], [stop.version, JSON.stringify({ ...stop, version: stop.version + 1 })]);
      const replies = (await pipeline.exec()) ?? [];
      return replies.filter(([error, saved]) => error === null && SAVE.parse(saved)).length;
    },

    async remove(id) {
      const stop = await get(id);
      if (!stop) return false;
      const pair = pairOf(stop);
      return REMOVE.run(redis, [stopKey(id), allKey, symbolKey(stop.symbol), pair ? pairKey(pair) : stopKey(id), pairsKey], [id, memberOf(pair)]);
    },

    async withLock(id, work, waitMs = 10_000) {
      const token = randomBytes(8).toString('hex');
      const deadline = Date.now() + waitMs;
      let pause = 20;
      while ((await redis.set(lockKey(id), token, 'PX', lockTtlMs, 'NX')) !== 'OK') {
        if (Date.now() > deadline) {
          throw new AppError('INTERNAL', `stop ${id} is busy`, {
            userMessage: 'This stop is being changed right now (a move or a removal). Try again in a few seconds.',
            details: { stopId: id },
          });
        }
        await sleep(pause);
        pause = Math.min(pause * 2, 250);
      }
      try {
        return await work();
      } finally {
        await DELETE_IF_HELD.run(redis, [lockKey(id)], [token]).catch(() => undefined);
      }
    },

    async setLastEvaluation(note) {
      await redis.set(lastEvaluationKey, JSON.stringify(note));
    },

    async lastEvaluation() {
      const json = await redis.get(lastEvaluationKey);
      return json ? (JSON.parse(json) as StopEvaluationNote) : undefined;
    },
  };
}
