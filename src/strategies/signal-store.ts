/**
 * Live signals (/signal, DESIGN.md §11) in Redis: one JSON value per signal under
 * `<prefix>:signal:<id>`, indexed by (symbol, interval) — the pairs whose candle closes the stop
 * manager must announce — and by owner. Ids are a short counter ("7") a trader can type in
 * `/signal off 7`.
 *
 * Every write is one Lua script, so the indexes never disagree with the signals, and a save is
 * compare-and-set on `version`: a close evaluated twice (a retried job, two workers) is applied
 * once, and a /signal off racing an evaluation wins cleanly.
 */
import type { Redis } from 'ioredis';
import { KEY_PREFIX } from '../redis.js';
import type { StopInterval } from '../trading/stops/stop-intervals.js';
import type { StopPair } from '../trading/stops/stop-store.js';
import type { RiskSpec } from '../trading/brackets/bracket-types.js';
import type { AmountSpec } from '../trading/types.js';
import type { StrategyState } from './strategy-step.js';
import type { StrategyName } from './strategy-types.js';

/** What an entry card buys: an amount as /buy's, or `risk=` sized by the strategy's stop (fractal exits only). */
export type SignalSize = AmountSpec | { kind: 'risk'; risk: RiskSpec };

export interface Signal {
  id: string;
  userId: number;
  chatId: number;
  displayName?: string;
  symbol: string;
  interval: StopInterval;
  strategy: StrategyName;
  /** What an entry card buys. */
  size: SignalSize;
  createdAt: number;
  /** The strategy's own (virtual) position and its order waiting for the next open. */
  state: StrategyState;
  /** Close time of the newest candle evaluated. */
  lastClose?: number;
  /** The entry card of the current position: its sell card sells what that order bought. */
  entryIntentId?: string;
  /** The entry card was a bracket holding the strategy's fractal stop: the exchange's stop sells, the exit sends no sell card. */
  entryStop?: 'fractal';
  /** Cards proposed so far. */
  cards: number;
  version: number;
}

export interface SignalStore {
  /** Stores a new signal with the next id. */
  create(input: Omit<Signal, 'id' | 'version' | 'cards' | 'state'>): Promise<Signal>;
  get(id: string): Promise<Signal | undefined>;
  all(): Promise<Signal[]>;
  byPair(pair: StopPair): Promise<Signal[]>;
  byOwner(userId: number): Promise<Signal[]>;
  /** (symbol, interval) pairs with at least one signal. */
  pairs(): Promise<StopPair[]>;
  /** Compare-and-set on `version`: the saved signal, or undefined when it changed or is gone. */
  save(signal: Signal): Promise<Signal | undefined>;
  remove(id: string): Promise<boolean>;
}

// KEYS: signal, all, by-pair, pairs, by-owner. ARGV: id, json, pair member.
const CREATE = `
redis.call('SET', KEYS[1], ARGV[2])
redis.call('SADD', KEYS[2], ARGV[1])
redis.call('SADD', KEYS[3], ARGV[1])
redis.call('SADD', KEYS[4], ARGV[3])
redis.call('SADD', KEYS[5], ARGV[1])
return 1
`;

// KEYS: signal. ARGV: expected version, json.
const SAVE = `
local current = redis.call('GET', KEYS[1])
if not current then return 0 end
if tostring(cjson.decode(current)['version']) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2])
return 1
`;

// KEYS: signal, all, by-pair, pairs, by-owner. ARGV: id, pair member.
const REMOVE = `
if redis.call('DEL', KEYS[1]) == 0 then return 0 end
redis.call('SREM', KEYS[2], ARGV[1])
redis.call('SREM', KEYS[3], ARGV[1])
redis.call('SREM', KEYS[5], ARGV[1])
if redis.call('SCARD', KEYS[3]) == 0 then redis.call('SREM', KEYS[4], ARGV[2]) end
return 1
`;

const SEPARATOR = '|';

export function createSignalStore(options: { redis: Redis; prefix?: string }): SignalStore {
  const { redis } = options;
  const prefix = options.prefix ?? KEY_PREFIX;
  const signalKey = (id: string) => `${prefix}:signal:${id}`;
  const allKey = `${prefix}:signals`;
  const seqKey = `${prefix}:signals:seq`;
  const pairKey = (pair: StopPair) => `${prefix}:signals:pair:${pair.symbol}:${pair.interval}`;
  const pairsKey = `${prefix}:signals:pairs`;
  const ownerKey = (userId: number) => `${prefix}:signals:owner:${userId}`;
  const member = (pair: StopPair) => `${pair.symbol}${SEPARATOR}${pair.interval}`;

  async function get(id: string): Promise<Signal | undefined> {
    const json = await redis.get(signalKey(id));
    return json ? (JSON.parse(json) as Signal) : undefined;
  }

  async function load(ids: string[]): Promise<Signal[]> {
    if (ids.length === 0) return [];
    const sorted = ids.sort((a, b) => Number(a) - Number(b));
    const rows = await redis.mget(sorted.map(signalKey));
    return rows.filter((r): r is string => r !== null).map((r) => JSON.parse(r) as Signal);
  }

  return {
    async create(input) {
      const id = String(await redis.incr(seqKey));
      const signal: Signal = { ...input, id, state: {}, cards: 0, version: 1 };
      await redis.eval(CREATE, 5, signalKey(id), allKey, pairKey(signal), pairsKey, ownerKey(signal.userId), id, JSON.stringify(signal), member(signal));
      return signal;
    },
    get,
    all: async () => load(await redis.smembers(allKey)),
    byPair: async (pair) => load(await redis.smembers(pairKey(pair))),
    byOwner: async (userId) => load(await redis.smembers(ownerKey(userId))),
    async pairs() {
      const members = await redis.smembers(pairsKey);
      return members.sort().map((m) => {
        const [symbol = '', interval = ''] = m.split(SEPARATOR);
        return { symbol, interval: interval as StopInterval };
      });
    },
    async save(signal) {
      const next: Signal = { ...signal, version: signal.version + 1 };
      const saved = (await redis.eval(SAVE, 1, signalKey(signal.id), String(signal.version), JSON.stringify(next))) as number;
      return saved === 1 ? next : undefined;
    },
    async remove(id) {
      const signal = await get(id);
      if (!signal) return false;
      const removed = (await redis.eval(REMOVE, 5, signalKey(id), allKey, pairKey(signal), pairsKey, ownerKey(signal.userId), id, member(signal))) as number;
      return removed === 1;
    },
  };
}
