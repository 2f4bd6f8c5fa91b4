import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { clientOrderIdOf, createIntentStore, type IntentStore } from '../../src/trading/intent-store.js';
import { parseCardCallback, cardCallbackData } from '../../src/trading/card-callback.js';
import type { OrderPreview } from '../../src/trading/types.js';
import { testRedisClient, uniquePrefix } from '../support/redis.js';
import { sleep } from '../support/wait.js';

const preview: OrderPreview = {
  mode: 'paper',
  symbol: 'BTCUSDT',
  baseAsset: 'BTC',
  quoteAsset: 'USDT',
  side: 'BUY',
  type: 'MARKET',
  quantity: '0.00123',
  lastPrice: '65000',
  estimatedNotional: '79.95',
  estimatedFee: '0.00000123',
  feeAsset: 'BTC',
  remainingFree: { asset: 'USDT', amount: '9920.05' },
  adjustments: [],
  priceDecimals: 2,
  quantityDecimals: 5,
};

const redis: Redis = testRedisClient();
let prefix: string;
let store: IntentStore;

afterAll(() => redis.disconnect());
beforeEach(() => {
  prefix = uniquePrefix('intents');
  store = createIntentStore({ redis, prefix, ttlS: 60 });
});

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'ok';
  } catch (error) {
    return (error as { code: string }).code;
  }
}

describe('intent store', () => {
  it('issues short unguessable ids whose client order id and callback data fit the exchange and Telegram', async () => {
    const ids = new Set<string>();
    for (let i = 0; i < 200; i++) ids.add((await store.create({ userId: 1, chatId: 1, preview })).id);
    expect(ids.size).toBe(200);
    for (const id of ids) {
      expect(id).toMatch(/^[A-Za-z0-9_-]{16}$/);
      expect(clientOrderIdOf(id)).toMatch(/^[a-zA-Z0-9-_]{1,36}$/);
      const data = cardCallbackData('confirm', id);
      expect(Buffer.byteLength(data)).toBeLessThanOrEqual(64);
      expect(parseCardCallback(data)).toEqual({ action: 'confirm', intentId: id });
    }
    expect(parseCardCallback('oc:../../etc')).toBeUndefined();
    expect(parseCardCallback('balance:all')).toBeUndefined();
  });

  it('keeps a pending intent for exactly CONFIRM_TTL_S', async () => {
    const intent = await store.create({ userId: 7, chatId: 7, preview });
    const ttl = await redis.pttl(`${prefix}:intent:${intent.id}`);
    expect(ttl).toBeGreaterThan(59_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
    expect(intent.expiresAt - intent.createdAt).toBe(60_000);
  });

  it('confirms once: a second tap, another user and a dismissed card get their own refusal', async () => {
    const intent = await store.create({ userId: 7, chatId: 7, preview });
    expect(await codeOf(store.confirm(intent.id, 8))).toBe('CONFIRM_FOREIGN');
    expect((await store.confirm(intent.id, 7)).resumed).toBe(false);
    await store.markEnqueued(intent.id);
    expect(await codeOf(store.confirm(intent.id, 7))).toBe('CONFIRM_ALREADY_USED');
    expect(await codeOf(store.dismiss(intent.id, 7))).toBe('CONFIRM_ALREADY_USED');
    // The decided intent is kept ≥ 24 h so a late replay is still answered precisely.
    expect(await redis.pttl(`${prefix}:intent:${intent.id}`)).toBeGreaterThan(24 * 3600_000);

    const other = await store.create({ userId: 7, chatId: 7, preview });
    await store.dismiss(other.id, 7);
    expect(await codeOf(store.confirm(other.id, 7))).toBe('CONFIRM_CANCELLED');
    expect(await codeOf(store.confirm('AAAAAAAAAAAAAAAA', 7))).toBe('CONFIRM_EXPIRED');
    expect(await codeOf(store.confirm('not an id', 7))).toBe('CONFIRM_EXPIRED');
  });

  it('lets exactly one of many racing confirms win', async () => {
    const intent = await store.create({ userId: 7, chatId: 7, preview });
    const results = await Promise.all(Array.from({ length: 20 }, () => codeOf(store.confirm(intent.id, 7))));
    expect(results.filter((r) => r === 'ok')).toHaveLength(1);
    expect(new Set(results.filter((r) => r !== 'ok'))).toEqual(new Set(['CONFIRM_ALREADY_USED']));
  });

  it('answers an intent whose TTL ran out (also while nobody was running) as expired', async () => {
    const short = createIntentStore({ redis, prefix, ttlS: 1 });
    const intent = await short.create({ userId: 7, chatId: 7, preview });
    await sleep(1_100);
    const restarted = createIntentStore({ redis, prefix, ttlS: 1 });
    expect(await codeOf(restarted.confirm(intent.id, 7))).toBe('CONFIRM_EXPIRED');
    expect(await restarted.get(intent.id)).toBeUndefined();
  });

  it('lets a later confirm enqueue again when the first enqueue never completed', async () => {
    let clock = 1_000_000;
    const timed = createIntentStore({ redis, prefix, ttlS: 60, now: () => clock, reenqueueAfterMs: 3_000 });
    const intent = await timed.create({ userId: 7, chatId: 7, preview });
    await timed.confirm(intent.id, 7);
    expect(await codeOf(timed.confirm(intent.id, 7))).toBe('CONFIRM_ALREADY_USED');
    clock += 5_000;
    expect((await timed.confirm(intent.id, 7)).resumed).toBe(true);
    await timed.markEnqueued(intent.id);
    clock += 5_000;
    expect(await codeOf(timed.confirm(intent.id, 7))).toBe('CONFIRM_ALREADY_USED');
  });

  it('records the card message id without resurrecting an expired intent', async () => {
    const intent = await store.create({ userId: 7, chatId: 7, preview });
    await store.attachCard(intent.id, 555);
    expect((await store.get(intent.id))!.intent.cardMessageId).toBe(555);
    await store.attachCard('BBBBBBBBBBBBBBBB', 556);
    expect(await redis.exists(`${prefix}:intent:BBBBBBBBBBBBBBBB`)).toBe(0);
  });
});
