/**
 * Redis restart during a burst of confirmations: Redis runs with AOF (fsync always, as
 * the product's private server does), is SIGKILLed while traders tap Confirm on a batch of cards,
 * and comes back. A trader whose tap was answered with an error taps again a little later, as a
 * person does, until the bot says the order is confirmed. Afterwards no intent and no job is lost:
 * every card created before the crash still exists, every confirmed intent has its job, and every
 * job ends with exactly one exchange order and a final card.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startRedisServer, type RedisServerHandle } from '../support/redis.js';
import { createPrng, seedOf } from '../fuzz/prng.js';
import { eventually, sleep } from '../support/wait.js';
import { finalStateOf, startChaosStack, user, type Card, type ChaosStack } from './support/chaos-stack.js';
import { recordFigures, tally } from './support/figures.js';
import { budgetMs, scale } from './support/scale.js';

const USERS = Array.from({ length: 6 }, (_, i) => user(7400 + i));
const burst = scale.redisBurst();
const CONFIRMED = /^Confirmed|already confirmed/;

let redis: RedisServerHandle | undefined;
let stack: ChaosStack | undefined;
let dir: string | undefined;
afterAll(async () => {
  await stack?.close();
  await redis?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('chaos: Redis killed and restarted during a burst of confirmations', () => {
  it(
    `${burst} confirmations across a Redis crash: no intent and no job lost, one order each`,
    async () => {
      const prng = createPrng(seedOf(0x4ed15));
      dir = mkdtempSync(join(tmpdir(), 'chaos-redis-'));
      redis = await startRedisServer({ appendOnly: true, dir });
      stack = await startChaosStack({ allowedUsers: USERS.map((u) => u.id), redisUrl: redis.url, orderWorker: { concurrency: 4 } });
      const s = stack;

      const cards: Array<{ card: Card; from: (typeof USERS)[number] }> = [];
      for (let i = 0; i < burst; i++) {
        const from = USERS[i % USERS.length]!;
        const card = await s.orderCard(from, prng.pick(['/buy BTCUSDT 0.001', '/sell ETHUSDT 0.02', '/buy BTCUSDT 0.001 60000']));
        if (typeof card === 'string') throw new Error(`no card: ${card}`);
        cards.push({ card, from });
      }

      const answers: Record<string, number> = {};
      let retaps = 0;
      // Taps spread over the burst window; the crash lands somewhere inside it.
      const windowMs = burst * 40;
      const crash = (async () => {
        await sleep(prng.int(windowMs));
        await redis!.kill();
        await sleep(prng.between(200, 1_200));
        await redis!.restart();
      })();
      const settledAnswers = await Promise.all(
        cards.map(async ({ card, from }) => {
          await sleep(prng.int(windowMs));
          for (let tap = 0; tap < 30; tap++) {
            const answer = (await s.press(from, card.messageId, card.confirmData)) ?? '(no answer)';
            tally(answers, answer.replace(/\d+/g, 'N').slice(0, 60));
            if (CONFIRMED.test(answer)) return answer;
            retaps++;
            // A person reads the error and taps again, sometimes at once, sometimes after a while.
            await sleep(prng.pick([100, 500, 1_500, 4_000]));
          }
          return 'gave up';
        }),
      );
      await crash;
      expect(settledAnswers.filter((a) => !CONFIRMED.test(a))).toEqual([]);

      let lostIntents = 0;
      let lostJobs = 0;
      for (const { card } of cards) {
        const stored = await s.trading.intents.get(card.intentId);
        if (stored?.state !== 'confirmed') lostIntents++;
        if (!(await s.ordersQueue.queue.getJob(card.intentId))) lostJobs++;
      }
      await expect.poll(async () => {
        const states = await Promise.all(cards.map(async ({ card }) => (await s.ordersQueue.queue.getJob(card.intentId))?.getState()));
        return states.every((st) => st === 'completed' || st === 'failed') || undefined;
      }, { message: 'every order job to settle', timeout: budgetMs(60_000, 2_000, burst) }).toBeTruthy();

      let orders = 0;
      let duplicates = 0;
      let untold = 0;
      for (const { card } of cards) {
        const placed = s.ordersOf(`bco-${card.intentId}`);
        orders += placed.length;
        duplicates += Math.max(0, placed.length - 1);
        const final = await eventually(() => finalStateOf(s.cardText(card)), `card ${card.intentId} to reach a final state`, 30_000).catch(() => undefined);
        if (!final) untold++;
        expect(placed, `orders of ${card.intentId}`).toHaveLength(1);
      }
      const hits = s.secretHits();
      recordFigures('redis-restart', {
        seed: prng.seed,
        confirmations: burst,
        redisCrashes: 1,
        retaps,
        answers,
        lostIntents,
        lostJobs,
        orders,
        duplicates,
        cardsWithoutFinalState: untold,
        secretsFound: hits.length,
      });
      expect(lostIntents).toBe(0);
      expect(lostJobs).toBe(0);
      expect(duplicates).toBe(0);
      expect(untold).toBe(0);
      expect(hits).toEqual([]);
    },
    budgetMs(120_000, 4_000, burst),
  );
});
