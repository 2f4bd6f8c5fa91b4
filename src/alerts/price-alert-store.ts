/**
 * Price alerts in Redis (DESIGN.md §6b): the one record of what traders asked for, shared by the
 * bot (which creates, lists and removes them) and every worker (which evaluates them).
 *
 * Keys under `<prefix>:pa:`
 * - `alerts`         hash id → alert JSON;
 * - `user:<userId>`  sorted set of the user's alert ids by creation (the /alert list order, the limit);
 * - `seq`            the id counter;
 * - `changes`        a stream of `{op, id}` every write appends to, so workers follow additions and
 *                    removals without reading every alert again (trimmed; a worker that falls
 *                    behind the trim reloads everything);
 * - `outbox`         claimed fires whose alert job may not be enqueued yet (claim id → job JSON);
 * - `seen`           per symbol, the last market state a watcher evaluated (the catch-up's start).
 *
 * Every write that touches more than one key is one Lua script (price-alert-scripts.ts). A fire is claimed by a compare-and-set on the alert's
 * generation that removes (or disarms) the alert and writes its job to the outbox in the same
 * step: a fire is claimed once, and a claimed fire is never lost (price-alert-claims.ts).
 */
import type { Redis } from 'ioredis';
import { KEY_PREFIX } from '../redis.js';
import type { AlertJob } from '../trading/types.js';
import { CREATE, FIRE, REARM, REMOVE, type FireResult } from './price-alert-scripts.js';
import type { FireMode, PriceAlert, PriceAlertCondition } from './price-alert-types.js';

export type { FireResult } from './price-alert-scripts.js';

const CHANGES_MAXLEN = 10_000;
export interface NewPriceAlert {
  userId: number;
  chatId: number;
  symbol: string;
  condition: PriceAlertCondition;
  repeat: boolean;
}

export type CreateResult = { status: 'created'; alert: PriceAlert } | { status: 'limit'; count: number };

export interface FireClaim {
  alert: PriceAlert;
  mode: FireMode;
  at: number;
  /** Indicator alerts: the candle that fired. */
  closeTime?: number;
  job: AlertJob;
}

/** What a watcher last evaluated for a symbol. */
export interface SeenMark {
  /** Exchange event time, epoch ms. */
  at: number;
  price: string;
  /** The extremes traded in the minute of `at` up to it, as seen live: the catch-up's candle of that minute counts only beyond them. */
  high?: string;
  low?: string;
}

export interface ChangeBatch {
  cursor: string;
  /** Ids added, updated or removed since the cursor (read them again). */
  ids: string[];
  /** The cursor fell behind the stream's trim: reload everything. */
  reset: boolean;
}

export interface PriceAlertStore {
  create(input: NewPriceAlert, limit: number, now?: number): Promise<CreateResult>;
  list(userId: number): Promise<PriceAlert[]>;
  count(userId: number): Promise<number>;
  /** The user's own alerts among `ids`, removed; returns those removed. */
  remove(userId: number, ids: readonly string[]): Promise<PriceAlert[]>;
  removeAll(userId: number): Promise<PriceAlert[]>;
  get(id: string): Promise<PriceAlert | undefined>;
  getMany(ids: readonly string[]): Promise<Map<string, PriceAlert>>;
  all(): Promise<PriceAlert[]>;
  /** The stream position now: follow changes from here. */
  cursor(): Promise<string>;
  changesSince(cursor: string, count?: number): Promise<ChangeBatch>;
  /** Claims a fire (see FIRE): only the generation read fires, once. */
  fire(claim: FireClaim): Promise<FireResult>;
  rearm(alert: PriceAlert, at: number): Promise<boolean>;
  pendingOutbox(): Promise<Map<string, AlertJob>>;
  settleOutbox(claimId: string): Promise<void>;
  saveSeen(marks: ReadonlyMap<string, SeenMark>): Promise<void>;
  readSeen(symbols: readonly string[]): Promise<Map<string, SeenMark>>;
}

const parse = (json: string): PriceAlert => JSON.parse(json) as PriceAlert;

export function createPriceAlertStore(options: { redis: Redis; prefix?: string }): PriceAlertStore {
  const { redis } = options;
  const prefix = options.prefix ?? KEY_PREFIX;
  const k = {
    alerts: `${prefix}:pa:alerts`,
    user: (userId: number) => `${prefix}:pa:user:${userId}`,
    seq: `${prefix}:pa:seq`,
    changes: `${prefix}:pa:changes`,
    outbox: `${prefix}:pa:outbox`,
    seen: `${prefix}:pa:seen`,
  };

  async function getMany(ids: readonly string[]): Promise<Map<string, PriceAlert>> {
    const found = new Map<string, PriceAlert>();
    if (ids.length === 0) return found;
    const values = await redis.hmget(k.alerts, ...ids);
    values.forEach((json, i) => {
      if (json) found.set(ids[i]!, parse(json));
    });
    return found;
  }

  async function remove(userId: number, ids: readonly string[]): Promise<PriceAlert[]> {
    if (ids.length === 0) return [];
    const removed = await REMOVE.run(redis, [k.alerts, k.user(userId), k.changes], [String(userId), CHANGES_MAXLEN, ...ids]);
    return removed.map(parse);
  }

  return {
    async create(input, limit, now = Date.now()) {
      const draft: Omit<PriceAlert, 'id'> & { id: string } = {
        id: '',
        userId: input.userId,
        chatId: input.chatId,
        symbol: input.symbol,
        condition: input.condition,
        repeat: input.repeat,
        createdAt: now,
        gen: 0,
        armed: true,
        armedAt: now,
      };
      const [status, payload] = await CREATE.run(redis, [k.alerts, k.user(input.userId), k.seq, k.changes], [limit, JSON.stringify(draft), now, CHANGES_MAXLEN]);
      return status === 'created' ? { status: 'created', alert: parse(payload) } : { status: 'limit', count: Number(payload) };
    },
    async list(userId) {
      const ids = await redis.zrange(k.user(userId), '0', '-1');
      const found = await getMany(ids);
      return ids.map((id) => found.get(id)).filter((a): a is PriceAlert => a !== undefined);
    },
    count: (userId) => redis.zcard(k.user(userId)),
    remove,
    async removeAll(userId) {
      return remove(userId, await redis.zrange(k.user(userId), '0', '-1'));
    },
    async get(id) {
      const json = await redis.hget(k.alerts, id);
      return json ? parse(json) : undefined;
    },
    getMany,
    async all() {
      const alerts: PriceAlert[] = [];
      let cursor = '0';
      do {
        const [next, flat] = await redis.hscan(k.alerts, cursor, 'COUNT', 1000);
        for (let i = 1; i < flat.length; i += 2) alerts.push(parse(flat[i]!));
        cursor = next;
      } while (cursor !== '0');
      return alerts;
    },
    async cursor() {
      const last = (await redis.xrevrange(k.changes, '+', '-', 'COUNT', 1))[0];
      return last ? last[0] : '0-0';
    },
    async changesSince(cursor, count = 1000) {
      // The oldest entry kept: a cursor before it may have missed trimmed changes.
      const first = (await redis.xrange(k.changes, '-', '+', 'COUNT', 1))[0];
      const reset = first !== undefined && cursor !== '0-0' && compareIds(cursor, first[0]) < 0;
      const entries = await redis.xrange(k.changes, `(${cursor}`, '+', 'COUNT', count);
      const ids = new Set<string>();
      for (const [, fields] of entries) {
        const at = fields.indexOf('id');
        if (at >= 0 && fields[at + 1] !== undefined) ids.add(fields[at + 1]!);
      }
      const last = entries[entries.length - 1];
      return { cursor: last ? last[0] : cursor, ids: [...ids], reset };
    },
    async fire(claim) {
      const a = claim.alert;
      return FIRE.run(
        redis,
        [k.alerts, k.user(a.userId), k.changes, k.outbox],
        [a.id, String(a.gen), claim.closeTime !== undefined ? String(claim.closeTime) : '', claim.mode, String(claim.at), claim.job.key, JSON.stringify(claim.job), CHANGES_MAXLEN],
      );
    },
    async rearm(alert, at) {
      return REARM.run(redis, [k.alerts, k.changes], [alert.id, String(alert.gen), String(at), CHANGES_MAXLEN]);
    },
    async pendingOutbox() {
      const raw = await redis.hgetall(k.outbox);
      return new Map(Object.entries(raw).map(([id, json]) => [id, JSON.parse(json) as AlertJob]));
    },
    async settleOutbox(claimId) {
      await redis.hdel(k.outbox, claimId);
    },
    async saveSeen(marks) {
      if (marks.size === 0) return;
      const flat: string[] = [];
      for (const [symbol, mark] of marks) flat.push(symbol, JSON.stringify(mark));
      await redis.hset(k.seen, ...flat);
    },
    async readSeen(symbols) {
      const seen = new Map<string, SeenMark>();
      if (symbols.length === 0) return seen;
      const values = await redis.hmget(k.seen, ...symbols);
      values.forEach((json, i) => {
        if (json) seen.set(symbols[i]!, JSON.parse(json) as SeenMark);
      });
      return seen;
    },
  };
}

/** Stream ids `ms-seq` in order. */
function compareIds(a: string, b: string): number {
  const [am = 0, as = 0] = a.split('-').map(Number);
  const [bm = 0, bs = 0] = b.split('-').map(Number);
  return am !== bm ? am - bm : as - bs;
}
