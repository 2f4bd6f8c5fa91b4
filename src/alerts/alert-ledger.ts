/**
 * What has been alerted, per order, in Redis: the single source of truth that makes every fill,
 * cancel, expiry and rejection reach the trader exactly once, whether it was learned live from the
 * stream, from a duplicate or replayed event, or from REST reconciliation after a gap.
 *
 * Per order a mark holds the cumulative executed quantity already reported (`filled`, as a
 * fixed-width string so Lua can compare decimals as strings), its quote value (`quote`) and the
 * final status already reported (`final`). Per execution a key marks the execution id as seen.
 *
 * A claim is one Lua script, compare-and-set against the mark the caller read: it refuses when the
 * execution id was seen (`duplicate`) or the mark moved since it was read (`stale`: re-read and
 * recompute), and otherwise, atomically, marks the execution id, advances the mark and writes the
 * alert jobs to an outbox hash. Only then are the jobs enqueued (their keys are BullMQ job ids, so
 * a second enqueue is a no-op) and removed from the outbox. A crash between claim and enqueue
 * leaves the jobs in the outbox, and `pendingOutbox()` hands them over again on the next start or
 * reconnect: claimed alerts are never lost, and never doubled.
 */
import type { Redis } from 'ioredis';
import { normalize } from '../decimal.js';
import type { AlertJob } from '../trading/types.js';
import { KEY_PREFIX } from '../redis.js';
import { AppError } from '../errors.js';
import { asFields, defineScript } from '../redis-scripts.js';

// KEYS: mark, outbox, execution key. ARGV: ttl, has-exec, expected filled, expected has-final,
// new filled, new quote, new final, outbox field, outbox json, now.
const CLAIM = defineScript({ name: 'chatopsAlertClaim', keys: 3, parse: asClaimResult, lua: `
if ARGV[2] == '1' and redis.call('EXISTS', KEYS[3]) == 1 then return 'duplicate' end
local filled = redis.call('HGET', KEYS[1], 'filled') or ''
local hasFinal = redis.call('HEXISTS', KEYS[1], 'final')
if filled ~= ARGV[3] or tostring(hasFinal) ~= ARGV[4] then return 'stale' end
if ARGV[2] == '1' then redis.call('SET', KEYS[3], ARGV[10], 'PX', ARGV[1]) end
if ARGV[5] ~= '' then redis.call('HSET', KEYS[1], 'filled', ARGV[5], 'quote', ARGV[6]) end
if ARGV[7] ~= '' then redis.call('HSET', KEYS[1], 'final', ARGV[7]) end
redis.call('HSET', KEYS[1], 'at', ARGV[10])
redis.call('PEXPIRE', KEYS[1], ARGV[1])
if ARGV[9] ~= '' then redis.call('HSET', KEYS[2], ARGV[8], ARGV[9]) end
return 'claimed'
` });

// KEYS: symbols, open orders, mark. ARGV: at, symbol, open field, open ref JSON ('' when no longer
// open). What every order update notes, and the mark it is claimed against, in one round trip.
const NOTE_AND_READ = defineScript({ name: 'chatopsAlertNoteRead', keys: 3, parse: asFields, lua: `
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
if ARGV[4] ~= '' then redis.call('HSET', KEYS[2], ARGV[3], ARGV[4]) else redis.call('HDEL', KEYS[2], ARGV[3]) end
return redis.call('HGETALL', KEYS[3])
` });

/** Binance decimals have at most 20 integer and 20 fraction digits (BINANCE.md "Filters"). */
export function fixedWidth(value: string): string {
  const [int = '0', frac = ''] = normalize(value).split('.');
  return `${int.padStart(20, '0')}.${frac.padEnd(20, '0')}`;
}

export function fromFixedWidth(value: string): string {
  return normalize(value);
}

export interface OrderMark {
  /** Cumulative executed quantity already reported ('0' when none). */
  filled: string;
  /** Its cumulative quote value. */
  quote: string;
  /** Final status already reported or recorded. */
  final?: string;
  /** True when the mark exists at all (the order was seen before). */
  known: boolean;
  /** Raw fixed-width `filled` for the compare-and-set ('' when none). */
  rawFilled: string;
}

export interface ClaimRequest {
  symbol: string;
  orderId: number;
  mark: OrderMark;
  /** Marks this execution id as seen, refusing if it was. */
  executionId?: number;
  /** Advances the reported fill to this cumulative quantity and quote value. */
  filled?: { qty: string; quote: string };
  /** Records the final status. */
  final?: string;
  /** Claim id (outbox field) and the jobs to enqueue; none for a silent baseline. */
  claimId: string;
  jobs: AlertJob[];
}

export type ClaimResult = 'claimed' | 'duplicate' | 'stale';

function asClaimResult(reply: unknown, name: string): ClaimResult {
  if (reply === 'claimed' || reply === 'duplicate' || reply === 'stale') return reply;
  throw new AppError('INTERNAL', `redis script ${name} answered ${JSON.stringify(reply)}`);
}

export interface OpenOrderRef {
  symbol: string;
  orderId: number;
  clientOrderId: string;
}

export interface AlertLedger {
  readMark(symbol: string, orderId: number): Promise<OrderMark>;
  /** noteSymbol, trackOpen and readMark of one order update, in that order, in one round trip. */
  noteUpdate(order: OpenOrderRef, open: boolean, at: number): Promise<OrderMark>;
  claim(request: ClaimRequest): Promise<ClaimResult>;
  /** Claimed jobs not yet known to be enqueued, by claim id. */
  pendingOutbox(): Promise<Map<string, AlertJob[]>>;
  settleOutbox(claimId: string): Promise<void>;
  /** Orders known to be open, for reconciliation after a gap. */
  trackOpen(order: OpenOrderRef, open: boolean): Promise<void>;
  openOrders(): Promise<OpenOrderRef[]>;
  /** Symbols seen in events or reconciliation, with when. */
  noteSymbol(symbol: string, at: number): Promise<void>;
  symbolsSince(since: number): Promise<string[]>;
  /** The last moment the stream was known to be delivering (epoch ms), for reconciliation windows. */
  heardAt(): Promise<number | undefined>;
  setHeardAt(at: number): Promise<void>;
}

function markOf(m: Record<string, string>): OrderMark {
  const rawFilled = m.filled ?? '';
  return {
    filled: rawFilled === '' ? '0' : fromFixedWidth(rawFilled),
    quote: m.quote ?? '0',
    ...(m.final !== undefined ? { final: m.final } : {}),
    known: Object.keys(m).length > 0,
    rawFilled,
  };
}

export interface AlertLedgerOptions {
  redis: Redis;
  prefix?: string;
  /** How long marks and execution ids are kept. Default 30 days (the order records' retention). */
  ttlMs?: number;
  now?: () => number;
}

export function createAlertLedger(options: AlertLedgerOptions): AlertLedger {
  const { redis } = options;
  const prefix = options.prefix ?? KEY_PREFIX;
  const ttlMs = options.ttlMs ?? 30 * 24 * 3_600_000;
  const now = options.now ?? Date.now;
  const markKey = (symbol: string, orderId: number) => `${prefix}:ua:mark:${symbol}:${orderId}`;
  const execKey = (symbol: string, executionId: number) => `${prefix}:ua:exec:${symbol}:${executionId}`;
  const outboxKey = `${prefix}:ua:outbox`;
  const openKey = `${prefix}:ua:open`;
  const symbolsKey = `${prefix}:ua:symbols`;
  const heardKey = `${prefix}:ua:heard-at`;

  return {
    async readMark(symbol, orderId) {
      return markOf(await redis.hgetall(markKey(symbol, orderId)));
    },
    async noteUpdate(order, open, at) {
      const mark = await NOTE_AND_READ.run(
        redis,
        [symbolsKey, openKey, markKey(order.symbol, order.orderId)],
        [at, order.symbol, `${order.symbol}:${order.orderId}`, open ? JSON.stringify(order) : ''],
      );
      return markOf(mark);
    },
    async claim(r) {
      return CLAIM.run(
        redis,
        [markKey(r.symbol, r.orderId), outboxKey, r.executionId !== undefined ? execKey(r.symbol, r.executionId) : markKey(r.symbol, r.orderId)],
        [
          ttlMs,
          r.executionId !== undefined ? '1' : '0',
          r.mark.rawFilled,
          r.mark.final !== undefined ? '1' : '0',
          r.filled ? fixedWidth(r.filled.qty) : '',
          r.filled ? r.filled.quote : '',
          r.final ?? '',
          r.claimId,
          r.jobs.length > 0 ? JSON.stringify(r.jobs) : '',
          now(),
        ],
      );
    },
    async pendingOutbox() {
      const raw = await redis.hgetall(outboxKey);
      return new Map(Object.entries(raw).map(([id, json]) => [id, JSON.parse(json) as AlertJob[]]));
    },
    async settleOutbox(claimId) {
      await redis.hdel(outboxKey, claimId);
    },
    async trackOpen(order, open) {
      const field = `${order.symbol}:${order.orderId}`;
      if (open) await redis.hset(openKey, field, JSON.stringify(order));
      else await redis.hdel(openKey, field);
    },
    async openOrders() {
      const raw = await redis.hvals(openKey);
      return raw.map((json) => JSON.parse(json) as OpenOrderRef);
    },
    async noteSymbol(symbol, at) {
      await redis.zadd(symbolsKey, at, symbol);
    },
    async symbolsSince(since) {
      return redis.zrangebyscore(symbolsKey, since, '+inf');
    },
    async heardAt() {
      const value = await redis.get(heardKey);
      return value === null ? undefined : Number(value);
    },
    async setHeardAt(at) {
      await redis.set(heardKey, String(at));
    },
  };
}
