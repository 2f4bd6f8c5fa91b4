/**
 * Pending order intents in Redis (DESIGN.md §2 "Confirmation card", §4 step 1).
 *
 * An intent is a hash under `<prefix>:intent:<id>` that lives CONFIRM_TTL_S while pending: when
 * the key is gone the card has expired, whether it expired while the bot was running or while it
 * was down. Confirm and dismiss are one Lua script each, so any number of taps, replayed
 * callbacks or racing bot instances see exactly one winner. On a decision the key's TTL is
 * extended (default 48 h) so a late replay still gets "already confirmed" instead of "expired".
 *
 * Ids are 96 random bits in base64url (16 characters): unguessable, short enough for Telegram's
 * 64-byte callback data, and free of `:` so they can be BullMQ job ids as they are.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { AppError } from '../errors.js';
import type { IntentState, OrderIntent, OrderPreview } from './types.js';
import { KEY_PREFIX } from '../redis.js';
import { asFlag, asIgnored, asStrings, defineScript } from '../redis-scripts.js';

export const INTENT_ID_RE = /^[A-Za-z0-9_-]{16}$/;

/** `newClientOrderId` for an intent: `^[a-zA-Z0-9-_]{1,36}$` (BINANCE.md "Orders"), 20 characters. */
export function clientOrderIdOf(intentId: string): string {
  return `bco-${intentId}`;
}

export function newIntentId(): string {
  return randomBytes(12).toString('base64url');
}

export interface StoredIntent {
  intent: OrderIntent;
  state: IntentState;
  /** Epoch ms of the confirm or dismiss. */
  decidedAt?: number;
  /** True once the confirmed intent's job was handed to the orders queue. */
  enqueued: boolean;
}

/** A won decision: the intent, and `resumed` when a confirm found it confirmed but never enqueued. */
export interface Decision {
  intent: OrderIntent;
  resumed: boolean;
}

export interface IntentStore {
  create(input: {
    userId: number;
    chatId: number;
    displayName?: string;
    preview: OrderPreview;
    /** A /stop card's managed stop (armed on Confirm). */
    stop?: OrderIntent['stop'];
    /** A /tp card on a managed stop. */
    takeProfit?: OrderIntent['takeProfit'];
  }): Promise<OrderIntent>;
  get(id: string): Promise<StoredIntent | undefined>;
  /** The intent's Redis key: gone exactly when a pending intent expired (a decided one is kept). */
  keyOf(id: string): string;
  /** Records the card's message id; a no-op when the intent is gone. */
  attachCard(id: string, messageId: number): Promise<void>;
  /**
   * Pending → confirmed, atomically. Throws CONFIRM_EXPIRED, CONFIRM_FOREIGN, CONFIRM_ALREADY_USED
   * or CONFIRM_CANCELLED. `resumed` is true when the intent was already confirmed but its job was
   * never enqueued (the enqueue failed): the caller enqueues again, which the job id dedups.
   */
  confirm(id: string, userId: number): Promise<Decision>;
  /** Notes that the confirmed intent's job is in the orders queue. */
  markEnqueued(id: string): Promise<void>;
  /** Pending → dismissed, atomically; same errors as confirm. */
  dismiss(id: string, userId: number): Promise<OrderIntent>;
}

export interface IntentStoreOptions {
  redis: Redis;
  /** Key prefix (tests pass uniquePrefix()). Default `chatops`. */
  prefix?: string;
  /** CONFIRM_TTL_S. */
  ttlS: number;
  /** How long a decided intent is kept so replays are answered precisely. Default 48 h (≥ 24 h). */
  decidedRetentionMs?: number;
  /**
   * A confirmed intent without the enqueued mark is enqueued again by a later confirm only after
   * this long, so a double tap racing the first enqueue is answered "already confirmed". Default 3 s.
   */
  reenqueueAfterMs?: number;
  now?: () => number;
}

// KEYS[1] intent key. ARGV: userId, new state, retention ms, now, re-enqueue grace ms.
const DECIDE = defineScript({ name: 'chatopsIntentDecide', keys: 1, parse: asStrings, lua: `
if redis.call('EXISTS', KEYS[1]) == 0 then return {'expired'} end
local v = redis.call('HMGET', KEYS[1], 'user', 'state', 'decidedAt', 'enqueued')
if v[1] ~= ARGV[1] then return {'foreign'} end
if v[2] == 'dismissed' then return {'cancelled'} end
if v[2] == 'confirmed' then
  if ARGV[2] == 'confirmed' and not v[4] and tonumber(ARGV[4]) - tonumber(v[3] or '0') > tonumber(ARGV[5]) then
    return {'resumed', redis.call('HGET', KEYS[1], 'data'), redis.call('HGET', KEYS[1], 'card') or ''}
  end
  return {'used'}
end
redis.call('HSET', KEYS[1], 'state', ARGV[2], 'decidedAt', ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return {'ok', redis.call('HGET', KEYS[1], 'data'), redis.call('HGET', KEYS[1], 'card') or ''}
` });

// KEYS[1] intent key. ARGV: field, value. Sets a field only on an existing intent (never resurrects one).
const SET_IF_EXISTS = defineScript({ name: 'chatopsIntentSetIfExists', keys: 1, parse: asFlag, lua: `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 1
` });

// KEYS[1] intent key. ARGV: intent JSON, userId, TTL ms. A script rather than MULTI: ioredis
// builds every MULTI by copying each Lua command defined on the connection, and the producer
// connection carries BullMQ's (0.18 ms a MULTI against 0.01 ms; docs/BENCHMARKS.md).
const CREATE = defineScript({ name: 'chatopsIntentCreate', keys: 1, parse: asIgnored, lua: `
redis.call('HSET', KEYS[1], 'data', ARGV[1], 'user', ARGV[2], 'state', 'pending')
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
` });

const DEFAULT_RETENTION_MS = 48 * 3600_000;

export function createIntentStore(options: IntentStoreOptions): IntentStore {
  const { redis, ttlS } = options;
  const prefix = options.prefix ?? KEY_PREFIX;
  const retentionMs = Math.max(options.decidedRetentionMs ?? DEFAULT_RETENTION_MS, ttlS * 1000);
  const reenqueueAfterMs = options.reenqueueAfterMs ?? 3_000;
  const now = options.now ?? Date.now;
  const keyOf = (id: string) => `${prefix}:intent:${id}`;

  const withCard = (json: string, card: string): OrderIntent => {
    const intent = JSON.parse(json) as OrderIntent;
    return card ? { ...intent, cardMessageId: Number(card) } : intent;
  };

  async function decide(id: string, userId: number, state: 'confirmed' | 'dismissed'): Promise<Decision> {
    // An id that cannot be ours is answered like an expired one: nothing to tell a prober.
    if (!INTENT_ID_RE.test(id)) throw new AppError('CONFIRM_EXPIRED', undefined, { details: { intentId: id } });
    const [verdict, json, card] = await DECIDE.run(redis, [keyOf(id)], [userId, state, retentionMs, now(), reenqueueAfterMs]);
    const details = { intentId: id, userId };
    switch (verdict) {
      case 'ok':
        return { intent: withCard(json!, card ?? ''), resumed: false };
      case 'resumed':
        return { intent: withCard(json!, card ?? ''), resumed: true };
      case 'expired':
        throw new AppError('CONFIRM_EXPIRED', undefined, { details });
      case 'foreign':
        throw new AppError('CONFIRM_FOREIGN', undefined, { details });
      case 'cancelled':
        throw new AppError('CONFIRM_CANCELLED', undefined, { details });
      default:
        throw new AppError('CONFIRM_ALREADY_USED', undefined, { details });
    }
  }

  return {
    keyOf,
    async create(input) {
      const id = newIntentId();
      const createdAt = now();
      const intent: OrderIntent = {
        id,
        kind: 'place-order',
        userId: input.userId,
        chatId: input.chatId,
        ...(input.displayName !== undefined ? { displayName: input.displayName } : {}),
        createdAt,
        expiresAt: createdAt + ttlS * 1000,
        clientOrderId: clientOrderIdOf(id),
        preview: input.preview,
        ...(input.stop ? { stop: input.stop } : {}),
        ...(input.takeProfit ? { takeProfit: input.takeProfit } : {}),
      };
      await CREATE.run(redis, [keyOf(id)], [JSON.stringify(intent), input.userId, ttlS * 1000]);
      return intent;
    },

    async get(id) {
      if (!INTENT_ID_RE.test(id)) return undefined;
      const fields = await redis.hgetall(keyOf(id));
      if (!fields.data) return undefined;
      return {
        intent: withCard(fields.data, fields.card ?? ''),
        state: (fields.state ?? 'pending') as IntentState,
        ...(fields.decidedAt ? { decidedAt: Number(fields.decidedAt) } : {}),
        enqueued: fields.enqueued === '1',
      };
    },

    async attachCard(id, messageId) {
      if (!INTENT_ID_RE.test(id)) return;
      await SET_IF_EXISTS.run(redis, [keyOf(id)], ['card', messageId]);
    },

    confirm: (id, userId) => decide(id, userId, 'confirmed'),

    async markEnqueued(id) {
      await SET_IF_EXISTS.run(redis, [keyOf(id)], ['enqueued', '1']);
    },

    async dismiss(id, userId) {
      return (await decide(id, userId, 'dismissed')).intent;
    },
  };
}
