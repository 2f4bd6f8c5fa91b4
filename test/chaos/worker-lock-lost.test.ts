/**
 * Lock lost while alive (beside "worker killed": worker-kill.test.ts). Real order-worker
 * processes against one simulator and one Redis take confirmed orders; in each trial the worker
 * that took the order stalls in its re-validation (the account read, in
 * test/support/processes/order-worker.mjs) and, while it waits, the test deletes the job's lock,
 * as a Redis failover, a partition or a long pause would lose it. Another worker takes the job
 * over. The stalled worker then wakes, and carries on as the product does: in half the trials
 * 0–2.5 s after the loss (before the takeover, or after the new owner placed the order), in the
 * other half 0–50 ms after the new owner started the job (inside its reconcile-first window, where
 * it has read no send mark and not sent yet). Afterwards every
 * intent must have exactly one exchange order and its card exactly one final state, and every
 * stalled worker must have been refused at the send fence.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createPrng, seedOf } from '../fuzz/prng.js';
import { eventually } from '../support/wait.js';
import { finalStateOf, startChaosStack, user, type Card, type ChaosStack } from './support/chaos-stack.js';
import { recordFigures, tally } from './support/figures.js';
import { budgetMs, scale } from './support/scale.js';
import type { ProcessFleet } from './support/process-fleet.js';
import { startWorkerFleet } from './support/worker-fleet.js';

const ORDERS = ['/buy BTCUSDT 0.001', '/buy BTCUSDT 0.001 60000', '/sell ETHUSDT 0.01', '/buy ETHUSDT 50USDT'];
const USERS = [7201, 7202, 7203, 7204].map(user);
/** How long the stalled worker sleeps on after its lock is gone (the takeover takes 0.5–1 s). */
const MAX_WAKE_MS = 2_500;
/** …or after the new owner started the job (its look-up and send take tens of ms). */
const MAX_WAKE_IN_TAKEOVER_MS = 50;
/**
 * Trials under way at once, with three workers: one is always free to take a lost job over (with
 * every worker stalled, each would wake before any takeover, the least dangerous case).
 */
const IN_FLIGHT = 2;
/**
 * Every process shares the simulator's per-IP REQUEST_WEIGHT of 6,000 a minute, and a trial costs
 * about 120 (the card, two re-validations, the look-ups): at most ~45 trials a minute.
 */
const TRIAL_SPACING_MS = 1_500;
const trials = scale.lockLostTrials();

// Deletes the lock only while it still holds the stalled worker's token.
const DELETE_IF_HELD = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

let stack: ChaosStack | undefined;
let fleet: ProcessFleet | undefined;
afterAll(async () => {
  await fleet?.close(2_000);
  await stack?.close();
});

describe('chaos: order workers that lose their job lock while alive', () => {
  it(
    `${trials} lost locks during re-validation leave one order per intent and one final card`,
    async () => {
      const prng = createPrng(seedOf(0x10c4));
      stack = await startChaosStack({ allowedUsers: USERS.map((u) => u.id), attempts: 6 });
      const s = stack;
      const childOutput: string[] = [];
      const stalls = new Map<string, number>();
      /** Job id → where the new owner was when the stalled worker woke (order-worker.mjs). */
      const resumedIn = new Map<string, string>();
      const deletions: Array<Promise<unknown>> = [];
      let locksDeleted = 0;
      /** Each process's whole output: the product's log lines are counted in it, not line by line. */
      const outputOf = new Map<number, string>();
      const occurrences = (text: string) => [...outputOf.values()].reduce((n, out) => n + out.split(text).length - 1, 0);
      fleet = startWorkerFleet(s, {
        script: 'order-worker',
        size: 3,
        onOutput: (text, ordinal) => {
          childOutput.push(text);
          outputOf.set(ordinal, (outputOf.get(ordinal) ?? '') + text);
        },
        onLine(line) {
          const stall = /^CHAOS-STALL (\S+) (\S+)$/.exec(line);
          if (stall) {
            const jobId = stall[1]!;
            const token = stall[2]!;
            stalls.set(jobId, (stalls.get(jobId) ?? 0) + 1);
            deletions.push(
              s.producer.eval(DELETE_IF_HELD, 1, `${s.prefix}:orders:${jobId}:lock`, token).then((deleted) => {
                if (deleted === 1) locksDeleted++;
              }),
            );
          }
          const resumed = /^CHAOS-RESUME (\S+) (\S+)$/.exec(line);
          if (resumed) resumedIn.set(resumed[1]!, resumed[2]!);
        },
      });

      const cards: Array<{ card: Card; wakeMs: number; command: string; wake: 'after-loss' | 'in-takeover' }> = [];
      const done = async (card: Card) => {
        const state = await (await s.ordersQueue.queue.getJob(card.intentId))?.getState();
        return (state === 'completed' || state === 'failed') && resumedIn.has(card.intentId);
      };
      let lastStart = 0;
      for (let i = 0; i < trials; i++) {
        await new Promise((r) => setTimeout(r, Math.max(0, lastStart + TRIAL_SPACING_MS - Date.now())));
        lastStart = Date.now();
        await expect.poll(async () => (await Promise.all(cards.slice(-IN_FLIGHT).map(({ card }) => done(card)))).filter((d) => !d).length < IN_FLIGHT, { message: `a free slot for trial ${i}`, timeout: 60_000 }).toBeTruthy();
        const from = prng.pick(USERS);
        const command = prng.pick(ORDERS);
        const card = await s.orderCard(from, command);
        if (typeof card === 'string') throw new Error(`no card for trial ${i}: ${card}`);
        const inTakeover = i % 2 === 1;
        const wakeMs = prng.int(inTakeover ? MAX_WAKE_IN_TAKEOVER_MS : MAX_WAKE_MS);
        await s.producer.set(`${s.prefix}:chaos-kill:bco-${card.intentId}`, `lock-lost:${wakeMs}${inTakeover ? ':takeover' : ''}`, 'PX', 600_000);
        expect(await s.press(from, card.messageId, card.confirmData)).toMatch(/Confirmed/);
        cards.push({ card, wakeMs, command, wake: inTakeover ? 'in-takeover' : 'after-loss' });
      }

      const settled = await eventually(async () => {
        const states = await Promise.all(cards.map(async ({ card }) => (await s.ordersQueue.queue.getJob(card.intentId))?.getState()));
        return states.every((st) => st === 'completed' || st === 'failed') ? states : undefined;
      }, 'every order job to settle', budgetMs(60_000, 8_000, trials));
      // A graceful stop waits for each worker's job run to end: every stalled worker has woken and
      // either sent or been refused before the exchange is counted.
      await expect.poll(() => resumedIn.size >= stalls.size, { message: 'every stalled worker to wake', timeout: MAX_WAKE_MS + 30_000 }).toBeTruthy();
      await fleet.close(30_000);
      await Promise.all(deletions);

      let orders = 0;
      let duplicates = 0;
      let lost = 0;
      let doubledCards = 0;
      const outcomes: Record<string, number> = {};
      const wokeWhile: Record<string, number> = {};
      const problems: string[] = [];
      for (const [i, { card, command, wake }] of cards.entries()) {
        const placed = s.ordersOf(`bco-${card.intentId}`);
        orders += placed.length;
        duplicates += Math.max(0, placed.length - 1);
        const phase = resumedIn.get(card.intentId) ?? 'unknown';
        tally(wokeWhile, phase);
        const final = await eventually(() => finalStateOf(s.cardText(card)), `card of trial ${i} to reach a final state`, 30_000).catch(() => undefined);
        const cardAlerts = (await s.alertsQueue.queue.getJobs(['waiting', 'active', 'delayed', 'completed', 'failed', 'prioritized'])).filter((j) =>
          j.data.key.startsWith(`card-${card.intentId}-`),
        );
        if (cardAlerts.length !== 1) doubledCards++;
        if (placed.length === 0 && !(settled[i] === 'failed' && (final === 'failed' || final === 'uncertain'))) lost++;
        tally(outcomes, `${wake}:${command.split(' ').length === 4 ? 'limit' : 'market'}:${phase}:${settled[i]}:${placed.length}:${final ?? 'none'}`);

        const trial = `trial ${i} (${command}, woke ${phase})`;
        if (stalls.get(card.intentId) !== 1) problems.push(`${trial}: its worker stalled ${stalls.get(card.intentId) ?? 0} times`);
        if (placed.length > 1) problems.push(`${trial}: ${placed.length} exchange orders`);
        if (final === undefined) problems.push(`${trial}: no final card state`);
        if (placed.length === 1 && final !== (placed[0]!.status === 'FILLED' ? 'filled' : 'placed')) problems.push(`${trial}: card ${final} for a ${placed[0]!.status} order`);
        if (placed.length === 0 && settled[i] !== 'failed') problems.push(`${trial}: no order, job ${settled[i]}`);
        if (cardAlerts.length !== 1) problems.push(`${trial}: ${cardAlerts.length} final card edits`);
      }

      const fenceRefusals = occurrences('order job lock lost before the send');
      const lateFailures = occurrences('order attempt failed after its job lock was lost');
      const hits = s.secretHits([{ where: 'worker processes', texts: childOutput }]);
      recordFigures('worker-lock-lost', {
        seed: prng.seed,
        trials,
        wakeMs: `0-${MAX_WAKE_MS} after the loss, or 0-${MAX_WAKE_IN_TAKEOVER_MS} after the takeover started (every other trial)`,
        stalls: [...stalls.values()].reduce((a, b) => a + b, 0),
        locksDeleted,
        fenceRefusals,
        lateFailuresLeftToOwner: lateFailures,
        wokeWhile,
        workerProcessesStarted: fleet.started(),
        workerDeaths: fleet.deaths(),
        orders,
        duplicates,
        lostIntents: lost,
        doubledCards,
        outcomes,
        secretsFound: hits.length,
      });
      expect(problems).toEqual([]);
      expect(duplicates).toBe(0);
      expect(lost).toBe(0);
      expect(doubledCards).toBe(0);
      expect(locksDeleted, 'a lock deleted in every trial').toBe(trials);
      // Every stalled worker got as far as the send, and the fence refused it.
      expect(fenceRefusals).toBe(trials);
      expect(fleet.deaths(), 'no worker died: the lock was lost by live workers').toBe(0);
      expect(hits).toEqual([]);
    },
    budgetMs(120_000, 8_000, trials),
  );
});
