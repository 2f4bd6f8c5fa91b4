/**
 * Worker killed mid-order: real order-worker processes against one simulator and one
 * Redis take confirmed orders while each order's worker is SIGKILLed once at a planned point
 * between dequeue and report — at the reconcile-first look-up, with the send mark set but nothing
 * sent, with the request on the wire, after the exchange accepted it, before the card edit — or at
 * a random moment after the job started. The supervisor restarts dead workers. Afterwards every
 * intent must have exactly one exchange order (none only if the job failed and the card says so)
 * and its card exactly one final state.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createPrng, seedOf } from '../fuzz/prng.js';
import { eventually } from '../support/wait.js';
import { finalStateOf, startChaosStack, user, type Card, type ChaosStack } from './support/chaos-stack.js';
import { recordFigures, tally } from './support/figures.js';
import { budgetMs, scale } from './support/scale.js';
import type { ProcessFleet } from './support/process-fleet.js';
import { startWorkerFleet } from './support/worker-fleet.js';

const POINTS = ['dequeued', 'before-send', 'in-flight', 'after-accept', 'before-card', 'random'] as const;
const ORDERS = ['/buy BTCUSDT 0.001', '/buy BTCUSDT 0.001 60000', '/sell ETHUSDT 0.01', '/buy ETHUSDT 50USDT'];
const USERS = [7101, 7102, 7103, 7104].map(user);
const trials = scale.killTrials();

let stack: ChaosStack | undefined;
let fleet: ProcessFleet | undefined;
afterAll(async () => {
  await fleet?.close(2_000);
  await stack?.close();
});

describe('chaos: order workers killed mid-order', () => {
  it(
    `${trials} SIGKILLs between dequeue and report leave one order per intent and one final card`,
    async () => {
      const prng = createPrng(seedOf(0x9a11));
      stack = await startChaosStack({ allowedUsers: USERS.map((u) => u.id), attempts: 6 });
      const s = stack;
      const childOutput: string[] = [];
      fleet = startWorkerFleet(s, {
        script: 'order-worker',
        size: 3,
        onOutput: (text) => childOutput.push(text),
      });

      const planned: Record<string, number> = {};
      const cards: Array<{ card: Card; point: (typeof POINTS)[number] }> = [];
      const randomKills: Array<Promise<void>> = [];
      let randomFired = 0;
      for (let i = 0; i < trials; i++) {
        const point = POINTS[i % POINTS.length]!;
        const from = prng.pick(USERS);
        const card = await s.orderCard(from, prng.pick(ORDERS));
        if (typeof card === 'string') throw new Error(`no card for trial ${i}: ${card}`);
        const plan = point === 'in-flight' ? `in-flight:${prng.int(25)}` : point;
        if (point !== 'random') await s.producer.set(`${s.prefix}:chaos-kill:bco-${card.intentId}`, plan, 'PX', 600_000);
        tally(planned, point);
        expect(await s.press(from, card.messageId, card.confirmData)).toMatch(/Confirmed/);
        cards.push({ card, point });
        if (point === 'random') {
          const delayMs = prng.int(120);
          randomKills.push(
            fleet.whenActive(card.intentId).then(async () => {
              await new Promise((r) => setTimeout(r, delayMs));
              if (fleet!.killHolder(card.intentId)) randomFired++;
            }),
          );
        }
      }

      const settled = await eventually(async () => {
        const states = await Promise.all(cards.map(async ({ card }) => (await s.ordersQueue.queue.getJob(card.intentId))?.getState()));
        return states.every((st) => st === 'completed' || st === 'failed') ? states : undefined;
      }, 'every order job to settle', budgetMs(60_000, 8_000, trials));
      await Promise.all(randomKills);

      let orders = 0;
      let duplicates = 0;
      let lost = 0;
      let doubledCards = 0;
      const outcomes: Record<string, number> = {};
      for (const [i, { card, point }] of cards.entries()) {
        const placed = s.ordersOf(`bco-${card.intentId}`);
        orders += placed.length;
        duplicates += Math.max(0, placed.length - 1);
        const final = await eventually(() => finalStateOf(s.cardText(card)), `card of trial ${i} (${point}) to reach a final state`, 30_000).catch(() => undefined);
        const cardAlerts = (await s.alertsQueue.queue.getJobs(['waiting', 'active', 'delayed', 'completed', 'failed', 'prioritized'])).filter((j) =>
          j.data.key.startsWith(`card-${card.intentId}-`),
        );
        if (cardAlerts.length !== 1) doubledCards++;
        if (placed.length === 0 && !(settled[i] === 'failed' && (final === 'failed' || final === 'uncertain'))) lost++;
        tally(outcomes, `${point}:${settled[i]}:${placed.length}:${final ?? 'none'}`);

        expect(placed.length, `trial ${i} (${point}): exchange orders`).toBeLessThanOrEqual(1);
        expect(final, `trial ${i} (${point}): the card's final state`).toBeDefined();
        if (placed.length === 1) {
          const expected = placed[0]!.status === 'FILLED' ? 'filled' : 'placed';
          expect(final, `trial ${i} (${point}): card matches the exchange`).toBe(expected);
        } else {
          expect(settled[i], `trial ${i} (${point}): no order means the job failed`).toBe('failed');
        }
        expect(cardAlerts.map((j) => j.data.key), `trial ${i} (${point}): one final card edit`).toHaveLength(1);
      }

      const selfKills = fleet.selfKills();
      const hits = s.secretHits([{ where: 'worker processes', texts: childOutput }]);
      recordFigures('worker-kill', {
        seed: prng.seed,
        trials,
        planned,
        killsFired: selfKills.length + randomFired,
        selfKillsByPoint: selfKills.reduce<Record<string, number>>((acc, k) => (tally(acc, k.point), acc), {}),
        randomKillsFired: randomFired,
        workerProcessesStarted: fleet.started(),
        workerDeaths: fleet.deaths(),
        orders,
        duplicates,
        lostIntents: lost,
        doubledCards,
        outcomes,
        secretsFound: hits.length,
      });
      expect(duplicates).toBe(0);
      expect(lost).toBe(0);
      expect(doubledCards).toBe(0);
      // Every planned point was reached at least once (the kill really happened where intended).
      for (const point of POINTS.filter((p) => p !== 'random' && planned[p])) {
        expect(selfKills.some((k) => k.point === point), `a kill at ${point}`).toBe(true);
      }
      expect(hits).toEqual([]);
    },
    budgetMs(120_000, 12_000, trials),
  );
});
