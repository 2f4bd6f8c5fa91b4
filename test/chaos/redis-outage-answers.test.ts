/**
 * While Redis is down,
 * - a Confirm tap is answered with the database sentence and its advice, not "Something went
 *   wrong on our side" (the raw ioredis error must not reach the button router unwrapped, as INTERNAL);
 * - BullMQ's queue handles have an `error` listener, so no failed command of the outage is
 *   printed with console.error (raw lines on stderr, outside the structured log).
 * After Redis is back the same button works and the order is placed exactly once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { ERROR_CODES } from '../../src/errors.js';
import { startRedisServer, type RedisServerHandle } from '../support/redis.js';
import { eventually, sleep } from '../support/wait.js';
import { finalStateOf, startChaosStack, user, type ChaosStack } from './support/chaos-stack.js';

const TRADER = user(7501);

let redis: RedisServerHandle | undefined;
let stack: ChaosStack | undefined;
const dir = mkdtempSync(join(tmpdir(), 'redis-outage-'));
afterAll(async () => {
  vi.restoreAllMocks();
  await stack?.close();
  await redis?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('a Confirm tapped while Redis is down', () => {
  it('is answered with the database sentence, logs through pino only, and works once Redis is back', async () => {
    // AOF, as the product's private server: the card outlives the crash.
    redis = await startRedisServer({ appendOnly: true, dir });
    stack = await startChaosStack({ allowedUsers: [TRADER.id], redisUrl: redis.url, orderWorker: true });
    const s = stack;
    const card = await s.orderCard(TRADER, '/buy BTCUSDT 0.001');
    if (typeof card === 'string') throw new Error(`no card: ${card}`);

    // Observes what BullMQ would print; the real console still gets it.
    const consoleErrors = vi.spyOn(console, 'error');
    await redis.kill();
    const answer = await s.press(TRADER, card.messageId, card.confirmData);
    // Let the queue handles and workers notice the outage (reconnect attempts run every 0.1–5 s).
    await sleep(1_500);
    const printed = consoleErrors.mock.calls.length;
    consoleErrors.mockRestore();

    expect(answer).toBe(ERROR_CODES.REDIS_UNAVAILABLE);
    expect(printed).toBe(0);
    const warned = s.capture.lines().filter((line) => line.includes('Redis unavailable'));
    expect(warned.length).toBeGreaterThan(0);
    expect(warned.every((line) => JSON.parse(line).level === 40)).toBe(true);

    await redis.restart();
    const again = await eventually(async () => {
      const text = await s.press(TRADER, card.messageId, card.confirmData);
      return text && /^Confirmed|already confirmed/.test(text) ? text : undefined;
    }, 'a tap after the restart to be confirmed', 20_000);
    expect(again).toMatch(/^Confirmed/);
    const final = await eventually(() => finalStateOf(s.cardText(card)), 'the card to reach a final state', 20_000);
    expect(final).toBe('filled');
    expect(s.ordersOf(`bco-${card.intentId}`)).toHaveLength(1);
  }, 60_000);
});
