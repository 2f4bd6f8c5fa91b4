/**
 * What the bot knows about orders it placed (DESIGN.md §4 step 5): one JSON record per client
 * order id, so `/orders`, the user data stream and alerts can tell whose order a fill belongs to
 * and which card to update. Kept 30 days; `recent()` reads a time-ordered index.
 *
 * Also the "send attempted" mark of §4 steps 3–4: set just before an order request leaves and
 * cleared when the exchange certainly did not execute it. A job that finds the mark set cannot
 * trust a first "order does not exist" (the look-up reads memory, then the database: rest-api.md
 * "Data Sources"), so it keeps looking until the request could no longer execute.
 *
 * A mark can be fenced: taken only while a lock still holds the taker's token, in the same Redis
 * step, and cleared only by the taker. A worker that lost its job's lock while
 * alive (a failover, a partition, a long pause) is then refused before it sends, instead of
 * sending beside the worker that took the job over.
 */
import type { Redis } from 'ioredis';
import { AppError } from '../../errors.js';
import type { Order, OrderStatus, OrderType, Side } from '../../binance/types.js';
import { KEY_PREFIX } from '../../redis.js';
import { asFlag, asIgnored, asInteger, defineScript } from '../../redis-scripts.js';

export interface OrderRecord {
  clientOrderId: string;
  intentId: string;
  userId: number;
  chatId: number;
  cardMessageId?: number;
  symbol: string;
  side: Side;
  type: OrderType;
  orderId: number;
  status: OrderStatus;
  origQty: string;
  executedQty: string;
  cummulativeQuoteQty: string;
  price: string;
  /** Epoch ms the order was placed or adopted by the worker. */
  placedAt: number;
  updatedAt: number;
  /** A managed stop's order (src/trading/stops/stop-types.ts): the stop's id. */
  stopId?: string;
  /** A managed stop's entry price: a fill is reported as a result against it. */
  entryPrice?: string;
  /** An exit of a plan (src/trading/brackets/): which leg, and entry − stop per unit (1R), for the fill alert. */
  leg?: 'stop' | 'target';
  riskPerUnit?: string;
  /**
   * Set on a managed stop's order just before the stop manager replaces it (a move:
   * cancelReplace), to the client order id of its successor: its cancel is a move, not news.
   */
  replacedBy?: string;
}

export interface OrderRecords {
  save(record: OrderRecord): Promise<void>;
  get(clientOrderId: string): Promise<OrderRecord | undefined>;
  /** Newest first. */
  recent(limit?: number): Promise<OrderRecord[]>;
  /** With a fence, throws SendFenceLostError (nothing written) unless the fence's lock holds its token. */
  markSendAttempted(clientOrderId: string, at: number, fence?: SendFence): Promise<void>;
  sendAttemptedAt(clientOrderId: string): Promise<number | undefined>;
  /** With a fence's token, only a mark taken with that token is cleared. */
  clearSendAttempted(clientOrderId: string, fence?: SendFence): Promise<void>;
  /**
   * The bot is cancelling this order for a trader who is answered in the chat (a /cancel reply, the
   * /orders list edited in place): set before the cancel request, so however the stream's event
   * and the answer race, the cancel is not pushed a second time. Cleared when the cancel failed.
   */
  markCancelling(symbol: string, orderId: number): Promise<void>;
  isCancelling(symbol: string, orderId: number): Promise<boolean>;
  clearCancelling(symbol: string, orderId: number): Promise<void>;
}

/** Long enough for a late or replayed cancel event, short enough to be forgotten. */
const CANCELLING_TTL_MS = 24 * 3600_000;

/** The lock a send is fenced by: its Redis key and the token its current holder wrote there. */
export interface SendFence {
  key: string;
  token: string;
}

/**
 * The fence's lock no longer holds our token: someone else owns the work now (a BullMQ job taken
 * over after its lock vanished). Nothing was marked; the caller must not send.
 */
export class SendFenceLostError extends AppError {
  override name = 'SendFenceLostError';
  constructor(clientOrderId: string, fence: SendFence) {
    super('ORDER_LOCK_LOST', `${clientOrderId}: lock ${fence.key} no longer holds our token; not sending`, { details: { clientOrderId, lockKey: fence.key } });
  }
}

export const isSendFenceLost = (error: unknown): error is SendFenceLostError => error instanceof SendFenceLostError;

export interface OrderRecordsOptions {
  redis: Redis;
  /** Default `chatops`. */
  prefix?: string;
  /** Default 30 days. */
  retentionMs?: number;
  /** How long a send mark outlives a crashed worker. Default 7 days (the failed-job retention). */
  sendMarkTtlMs?: number;
  now?: () => number;
}

export function recordOf(
  order: Order,
  owner: { intentId: string; userId: number; chatId: number; cardMessageId?: number; stopId?: string; entryPrice?: string; leg?: 'stop' | 'target'; riskPerUnit?: string },
  at: number,
): OrderRecord {
  return {
    clientOrderId: order.clientOrderId,
    intentId: owner.intentId,
    userId: owner.userId,
    chatId: owner.chatId,
    ...(owner.cardMessageId !== undefined ? { cardMessageId: owner.cardMessageId } : {}),
    symbol: order.symbol,
    side: order.side,
    type: order.type,
    orderId: order.orderId,
    status: order.status,
    origQty: order.origQty,
    executedQty: order.executedQty,
    cummulativeQuoteQty: order.cummulativeQuoteQty,
    price: order.price,
    placedAt: at,
    updatedAt: at,
    ...(owner.stopId !== undefined ? { stopId: owner.stopId } : {}),
    ...(owner.entryPrice !== undefined ? { entryPrice: owner.entryPrice } : {}),
    ...(owner.leg !== undefined ? { leg: owner.leg } : {}),
    ...(owner.riskPerUnit !== undefined ? { riskPerUnit: owner.riskPerUnit } : {}),
  };
}

// KEYS: record, recent index. ARGV: record JSON, retention ms, placedAt, client order id, cut-off.
// One script rather than MULTI: ioredis builds every MULTI by copying each Lua command defined on
// the connection, and the producer connection carries BullMQ's 64 (0.18 ms a MULTI against
// 0.01 ms on a bare connection; docs/BENCHMARKS.md).
const SAVE_RECORD = defineScript({ name: 'chatopsOrderSave', keys: 2, parse: asIgnored, lua: `
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[5])
return 1
` });

// KEYS: lock, send mark. ARGV: token, mark value, TTL ms. The check and the mark are one step, so
// no one can take the lock over between them; a mark once taken is what a taker-over sees
// (order-worker.ts reconciles before sending). In a Redis Cluster both keys need the prefix's
// hash tag, as BullMQ's own keys do.
const FENCED_MARK = defineScript({ name: 'chatopsSendMarkFenced', keys: 2, parse: asFlag, lua: `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
return 1
` });

// KEYS: send mark. ARGV: the token the mark must end with (after a space).
const FENCED_CLEAR = defineScript({ name: 'chatopsSendMarkClear', keys: 1, parse: asInteger, lua: `
local value = redis.call('GET', KEYS[1])
if not value then return 0 end
local suffix = ' ' .. ARGV[1]
if string.sub(value, -string.len(suffix)) ~= suffix then return 0 end
return redis.call('DEL', KEYS[1])
` });

/** A mark's value: the epoch ms it was taken at, then the taker's token when fenced. */
const markAtOf = (value: string): number => Number(value.split(' ', 1)[0]);

export function createOrderRecords(options: OrderRecordsOptions): OrderRecords {
  const { redis } = options;
  const prefix = options.prefix ?? KEY_PREFIX;
  const retentionMs = options.retentionMs ?? 30 * 24 * 3600_000;
  const markTtlMs = options.sendMarkTtlMs ?? 7 * 24 * 3600_000;
  const now = options.now ?? Date.now;
  const recordKey = (id: string) => `${prefix}:order:${id}`;
  const markKey = (id: string) => `${prefix}:order-send:${id}`;
  const cancellingKey = (symbol: string, orderId: number) => `${prefix}:order-cancelling:${symbol}:${orderId}`;
  const indexKey = `${prefix}:orders:recent`;

  return {
    async save(record) {
      const id = record.clientOrderId;
      await SAVE_RECORD.run(redis, [recordKey(id), indexKey], [JSON.stringify(record), retentionMs, record.placedAt, id, now() - retentionMs]);
    },
    async get(clientOrderId) {
      const json = await redis.get(recordKey(clientOrderId));
      return json ? (JSON.parse(json) as OrderRecord) : undefined;
    },
    async recent(limit = 50) {
      const ids = await redis.zrevrange(indexKey, 0, limit - 1);
      if (ids.length === 0) return [];
      const rows = await redis.mget(ids.map(recordKey));
      return rows.filter((r): r is string => r !== null).map((r) => JSON.parse(r) as OrderRecord);
    },
    async markSendAttempted(clientOrderId, at, fence) {
      if (!fence) {
        await redis.set(markKey(clientOrderId), String(at), 'PX', markTtlMs);
        return;
      }
      const taken = await FENCED_MARK.run(redis, [fence.key, markKey(clientOrderId)], [fence.token, `${at} ${fence.token}`, markTtlMs]);
      if (!taken) throw new SendFenceLostError(clientOrderId, fence);
    },
    async sendAttemptedAt(clientOrderId) {
      const value = await redis.get(markKey(clientOrderId));
      return value === null ? undefined : markAtOf(value);
    },
    async markCancelling(symbol, orderId) {
      await redis.set(cancellingKey(symbol, orderId), '1', 'PX', CANCELLING_TTL_MS);
    },
    async isCancelling(symbol, orderId) {
      return (await redis.exists(cancellingKey(symbol, orderId))) === 1;
    },
    async clearCancelling(symbol, orderId) {
      await redis.del(cancellingKey(symbol, orderId));
    },
    async clearSendAttempted(clientOrderId, fence) {
      // A mark retaken by the worker that took the job over covers its request, not ours: keep it.
      if (fence) await FENCED_CLEAR.run(redis, [markKey(clientOrderId)], [fence.token]);
      else await redis.del(markKey(clientOrderId));
    },
  };
}
