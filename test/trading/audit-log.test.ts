import { afterAll, describe, expect, it } from 'vitest';
import { createAuditLog } from '../../src/trading/audit-log.js';
import { createLogger } from '../../src/logger.js';
import { testRedisClient, uniquePrefix } from '../support/redis.js';

const redis = testRedisClient();
afterAll(() => redis.disconnect());

describe('audit log', () => {
  it('appends who did what to a Redis stream, newest first on read', async () => {
    const prefix = uniquePrefix('audit');
    const audit = createAuditLog({ redis, prefix, logger: createLogger({ level: 'silent' }) });
    await audit.record({ event: 'intent', userId: 7, displayName: 'ann', intentId: 'i1', clientOrderId: 'bco-i1', symbol: 'BTCUSDT', outcome: 'card' });
    await audit.record({ event: 'placement', userId: 7, intentId: 'i1', clientOrderId: 'bco-i1', symbol: 'BTCUSDT', orderId: 42, outcome: 'filled' });
    const [latest, first] = await audit.recent();
    expect(latest).toMatchObject({ event: 'placement', userId: 7, orderId: 42, clientOrderId: 'bco-i1', outcome: 'filled' });
    expect(first).toMatchObject({ event: 'intent', displayName: 'ann', outcome: 'card' });
    expect(latest!.at).toBeGreaterThanOrEqual(first!.at);
  });

  it('drops entries older than the retention on write', async () => {
    const prefix = uniquePrefix('audit');
    const logger = createLogger({ level: 'silent' });
    const audit = createAuditLog({ redis, prefix, logger });
    for (let i = 0; i < 300; i++) await audit.record({ event: 'confirm', userId: 1, outcome: 'queued', intentId: `i${i}` });
    expect(await redis.xlen(`${prefix}:audit`)).toBe(300);
    // 31 days later, one more write trims everything older than 30 days (whole stream nodes: MINID ~).
    const later = createAuditLog({ redis, prefix, logger, now: () => Date.now() + 31 * 24 * 3600_000 });
    await later.record({ event: 'pause', userId: 1, outcome: 'paused' });
    expect(await redis.xlen(`${prefix}:audit`)).toBeLessThan(150);
  });
});
