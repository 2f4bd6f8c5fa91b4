/**
 * The Mini App's live feed tails the audit trail and the alerts queue's event stream from the
 * moment a page subscribes: nothing older is replayed, nothing newer is skipped, not even an
 * entry written in the very millisecond of the subscription.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLiveFeed, type LiveEvent, type LiveFeed } from '../../src/http/webapp-live.js';
import { createLogger } from '../../src/logger.js';
import { testRedisClient, uniquePrefix } from '../support/redis.js';

const logger = createLogger({ level: 'silent' });
let feed: LiveFeed | undefined;

afterEach(async () => {
  vi.restoreAllMocks();
  await feed?.close();
  feed = undefined;
});

describe('webapp live feed', () => {
  it('delivers an entry written in the same millisecond as the subscription, and nothing written before it', async () => {
    const prefix = uniquePrefix('live');
    const writer = testRedisClient();
    const now = Date.now();
    await writer.xadd(`${prefix}:audit`, `${now - 5}-0`, 'event', 'confirm', 'outcome', 'ok');
    vi.spyOn(Date, 'now').mockReturnValue(now);
    feed = createLiveFeed({ redis: testRedisClient(), prefix, logger, blockMs: 200 });
    const events: LiveEvent[] = [];
    feed.subscribe((event) => events.push(event));
    vi.restoreAllMocks();
    await writer.xadd(`${prefix}:audit`, `${now}-0`, 'event', 'cancel', 'outcome', 'ok', 'symbol', 'BTCUSDT');
    await writer.xadd(`${prefix}:alerts:events`, `${now}-1`, 'event', 'added', 'name', 'fill');
    await vi.waitFor(() => expect(events).toHaveLength(2), { timeout: 3_000 });
    expect(events).toEqual([
      { type: 'activity', event: 'cancel', outcome: 'ok', symbol: 'BTCUSDT', at: now },
      { type: 'alert', category: 'fill', at: now },
    ]);
    await writer.del(`${prefix}:audit`, `${prefix}:alerts:events`);
    writer.disconnect();
  });
});
