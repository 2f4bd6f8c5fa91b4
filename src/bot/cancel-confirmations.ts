/**
 * A multi-order /cancel waits for a Confirm (DESIGN.md §2): the orders listed on the message are
 * kept in Redis under a short random id, bound to the user who asked, for CONFIRM_TTL_S. The
 * button carries only the id. Taking it is one Lua script, so a double tap, a redelivered update
 * or a second bot instance cancels the list once; a foreign press leaves it untouched.
 *
 * After a decision the key is kept (48 h) as a tombstone, so a late press hears "already
 * confirmed" or "cancelled" instead of "expired".
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { AppError } from '../errors.js';
import { asStrings, defineScript } from '../redis-scripts.js';

export interface OrderToCancel {
  symbol: string;
  orderId: number;
}

export interface CancelConfirmation {
  id: string;
  userId: number;
  chatId: number;
  orders: OrderToCancel[];
  expiresAt: number;
}

export interface CancelConfirmations {
  create(input: { userId: number; chatId: number; orders: OrderToCancel[] }): Promise<CancelConfirmation>;
  /** Pending → confirmed, once. Throws CONFIRM_EXPIRED / CONFIRM_FOREIGN / CONFIRM_ALREADY_USED / CONFIRM_CANCELLED. */
  confirm(id: string, userId: number): Promise<CancelConfirmation>;
  /** Pending → dismissed, once. Same errors. */
  dismiss(id: string, userId: number): Promise<void>;
  /** The confirmation's Redis key: gone exactly when it expired unanswered (a decided one is kept as a tombstone). */
  keyOf(id: string): string;
}

export interface CancelConfirmationsOptions {
  redis: Redis;
  /** Key prefix, e.g. `chatops` → `chatops:cancel:<id>`. */
  prefix: string;
  ttlSeconds: number;
  /** How long a decided confirmation answers late presses. Default 48 h. */
  tombstoneSeconds?: number;
  now?: () => number;
}

// KEYS[1] the confirmation; ARGV: user id, new state, tombstone TTL (s).
// Returns {status, payload}: status ok | expired | foreign | confirmed | dismissed.
const DECIDE = defineScript({ name: 'chatopsCancelDecide', keys: 1, parse: asStrings, lua: `
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return {'expired', ''} end
if state ~= 'pending' then return {state, ''} end
if redis.call('HGET', KEYS[1], 'userId') ~= ARGV[1] then return {'foreign', ''} end
redis.call('HSET', KEYS[1], 'state', ARGV[2])
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[3]))
return {'ok', redis.call('HGET', KEYS[1], 'payload')}
` });

export function createCancelConfirmations(options: CancelConfirmationsOptions): CancelConfirmations {
  const { redis, prefix, ttlSeconds } = options;
  const tombstone = String(options.tombstoneSeconds ?? 48 * 3600);
  const now = options.now ?? Date.now;
  const key = (id: string) => `${prefix}:cancel:${id}`;

  async function decide(id: string, userId: number, next: 'confirmed' | 'dismissed'): Promise<string> {
    const [status, payload = ''] = await DECIDE.run(redis, [key(id)], [userId, next, tombstone]);
    switch (status) {
      case 'ok':
        return payload;
      case 'foreign':
        throw new AppError('CONFIRM_FOREIGN');
      case 'confirmed':
        throw new AppError('CONFIRM_ALREADY_USED', undefined, { userMessage: 'These orders were already cancelled from this message.' });
      case 'dismissed':
        throw new AppError('CONFIRM_CANCELLED', undefined, { userMessage: 'This cancel request was dismissed. Send /cancel again.' });
      default:
        throw new AppError('CONFIRM_EXPIRED');
    }
  }

  return {
    keyOf: key,
    async create(input) {
      const id = randomBytes(12).toString('base64url');
      const confirmation: CancelConfirmation = { id, ...input, expiresAt: now() + ttlSeconds * 1000 };
      const results = await redis
        .multi()
        .hset(key(id), { state: 'pending', userId: String(input.userId), payload: JSON.stringify(confirmation) })
        .expire(key(id), ttlSeconds)
        .exec();
      const failed = results?.find(([error]) => error)?.[0];
      if (!results || failed) throw new AppError('REDIS_UNAVAILABLE', 'could not store a cancel confirmation', { cause: failed });
      return confirmation;
    },
    async confirm(id, userId) {
      return JSON.parse(await decide(id, userId, 'confirmed')) as CancelConfirmation;
    },
    async dismiss(id, userId) {
      await decide(id, userId, 'dismissed');
    },
  };
}
