/**
 * Exchange faults at random: 20 traders order at once while the simulator answers
 * 503 and time-outs after executing, 500 before, 429 and 418 with Retry-After, slow answers and a
 * skewed clock, and drops the user data streams. Afterwards: no client order id on the exchange
 * twice, every order the exchange filled shown filled on its card and in the order records, and
 * every trader told how their order ended.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { FaultSpec } from '../../src/sim/faults.js';
import { createPrng, seedOf, type Prng } from '../fuzz/prng.js';
import { eventually, sleep } from '../support/wait.js';
import { finalStateOf, startChaosStack, user, type ChaosStack } from './support/chaos-stack.js';
import { alertsIdle } from './support/alerts-idle.js';
import { recordFigures, tally } from './support/figures.js';
import { budgetMs, scale } from './support/scale.js';
import { orderAndConfirm, type ConfirmedCard } from './support/traders.js';

const USERS = Array.from({ length: 20 }, (_, i) => user(7200 + i));
const ORDERS = ['/buy BTCUSDT 0.001', '/buy BTCUSDT 0.0012 60000', '/sell ETHUSDT 0.02', '/buy ETHUSDT 40USDT', '/sell BTCUSDT 0.0011 70000'];
const rounds = scale.faultRounds();
const ORDER = { method: 'POST', path: '/api/v3/order' } as const;

/** One random fault as the suite injects it; `skew` and `drop` are not request faults. */
function randomFault(prng: Prng): FaultSpec | 'skew' | 'drop' {
  return prng.weighted<FaultSpec | 'skew' | 'drop'>([
    [4, { ...ORDER, action: 'error-503-after-execute' }],
    [3, { ...ORDER, action: 'timeout-after-execute', holdMs: 2_500 }],
    [3, { ...ORDER, action: 'error-500-before' }],
    [2, { ...ORDER, action: 'rate-limit-429', retryAfterSeconds: 1 }],
    [1, { ...ORDER, action: 'ban-418', retryAfterSeconds: 2 }],
    [2, { ...ORDER, action: 'delay', delayMs: prng.between(200, 1_500) }],
    [2, { method: 'GET', path: '/api/v3/order', action: 'error-503-after-execute' }],
    [1, { method: 'GET', path: '/api/v3/order', action: 'error-500-before', times: 2 }],
    [1, { method: 'GET', path: '/api/v3/account', action: 'error-500-before' }],
    [1, 'skew'],
    [1, 'drop'],
  ]);
}

let stack: ChaosStack | undefined;
afterAll(() => stack?.close());

describe('chaos: exchange faults under 20 concurrent traders', () => {
  it(
    `${rounds} round(s) of 20 orders with random faults: no duplicate, no lost fill, everyone told`,
    async () => {
      const prng = createPrng(seedOf(0xfa17));
      stack = await startChaosStack({ allowedUsers: USERS.map((u) => u.id), orderWorker: { concurrency: 4 }, userStream: true, restTimeoutMs: 1_500, attempts: 6 });
      const s = stack;
      await expect.poll(() => s.userStream!.status().caughtUp && s.userStream!.status().stream?.state === 'subscribed', { message: 'the user data stream to be subscribed' }).toBeTruthy();
      const injected: Record<string, number> = {};
      const confirmed: ConfirmedCard[] = [];

      for (let round = 0; round < rounds; round++) {
        const faults = prng.between(4, 8);
        for (let i = 0; i < faults; i++) {
          const fault = randomFault(prng);
          if (fault === 'skew') {
            s.sim.control.setClockOffset(prng.pick([-1, 1]) * prng.between(1_500, 4_000));
            const clearAfter = prng.between(200, 2_000);
            setTimeout(() => s.sim.control.setClockOffset(0), clearAfter);
            tally(injected, 'clock-skew');
          } else if (fault === 'drop') {
            s.sim.control.faults.dropUserStreams();
            tally(injected, 'stream-drop');
          } else {
            s.sim.control.faults.inject(fault);
            tally(injected, `${fault.method} ${fault.path} ${fault.action}`, fault.times ?? 1);
          }
        }
        const batch = await Promise.all(USERS.map((from) => orderAndConfirm(s, from, prng.pick(ORDERS))));
        confirmed.push(...batch);
      }

      await expect.poll(async () => {
        const states = await Promise.all(confirmed.map(async (c) => (await s.ordersQueue.queue.getJob(c.card.intentId))?.getState()));
        return states.every((st) => st === 'completed' || st === 'failed') || undefined;
      }, { message: 'every order job to settle', timeout: budgetMs(60_000, 3_000, confirmed.length) }).toBeTruthy();

      // Resting limit orders fill later: those fills reach the traders through the user data
      // stream, which the simulator drops while the market moves through the limits.
      const resting = confirmed.flatMap((c) => s.ordersOf(`bco-${c.card.intentId}`).filter((o) => o.status === 'NEW').map((o) => ({ order: o, chatId: c.from.id })));
      for (const price of ['59000', '71000', '65000']) {
        s.sim.control.faults.dropUserStreams();
        tally(injected, 'stream-drop');
        await sleep(prng.between(0, 400));
        s.sim.feed.setPrice('BTCUSDT', price);
        await sleep(prng.between(100, 600));
      }
      await expect.poll(() => resting.every(({ order }) => s.ordersOf(order.clientOrderId)[0]?.status === 'FILLED'), { message: 'the resting orders to fill' }).toBeTruthy();
      const fillAlerts = (r: (typeof resting)[number]) =>
        s.telegram.calls('sendMessage').filter((c) => c.status === 'ok' && c.payload.chat_id === r.chatId && /Filled/.test(String(c.payload.text)) && String(c.payload.text).includes(`Order ${r.order.orderId} `)).length;
      await eventually(() => resting.every((r) => fillAlerts(r) > 0) || undefined, 'a fill alert for every resting order that filled', 60_000).catch(() => undefined);
      await expect.poll(() => alertsIdle(s.alertsQueue.queue), { message: 'the alerts queue to drain', timeout: 60_000 }).toBeTruthy();
      const laterFills = { filled: resting.length, alerted: resting.filter((r) => fillAlerts(r) === 1).length, doubled: resting.filter((r) => fillAlerts(r) > 1).length };

      let orders = 0;
      let duplicates = 0;
      let lostFills = resting.length - laterFills.alerted - laterFills.doubled;
      let untold = 0;
      const outcomes: Record<string, number> = {};
      for (const c of confirmed) {
        const placed = s.ordersOf(`bco-${c.card.intentId}`);
        orders += placed.length;
        duplicates += Math.max(0, placed.length - 1);
        const final = await eventually(() => finalStateOf(s.cardText(c.card)), `card of ${c.card.intentId} to reach a final state`, 30_000).catch(() => undefined);
        if (final === undefined) untold++;
        const order = placed[0];
        tally(outcomes, `${order?.status ?? 'no-order'}:${final ?? 'untold'}`);
        const wasResting = resting.some((r) => r.order.clientOrderId === order?.clientOrderId);
        if (order) {
          // A fill the exchange made must be in the records, and on the card when it filled at once.
          const now = s.ordersOf(order.clientOrderId)[0]!;
          const record = await eventually(async () => {
            const r = await s.records.get(order.clientOrderId);
            return r?.executedQty === now.executedQty ? r : undefined;
          }, `the record of ${order.clientOrderId} to show its fill`, 30_000).catch(() => undefined);
          if (!record || (!wasResting && final !== 'filled')) lostFills++;
          expect(final, `card of ${order.clientOrderId} (${order.status})`).toBe(wasResting ? 'placed' : 'filled');
        }
        else expect(final, `card of ${c.card.intentId} without an order`).toMatch(/failed|uncertain/);
      }
      const faultsLeft = s.sim.control.faults.pending().length;
      // A 418 the simulator's own limiter gave (not an injected one): the client sent into a cool-down.
      const injectedBans = (injected['POST /api/v3/order ban-418'] ?? 0) - s.sim.control.faults.pending().filter((f) => f.action === 'ban-418').length;
      const realBans = s.sim.control.requests().filter((r) => r.status === 418).length - injectedBans;
      const hits = s.secretHits();
      recordFigures('exchange-faults', {
        seed: prng.seed,
        users: USERS.length,
        rounds,
        faultsInjected: Object.values(injected).reduce((a, b) => a + b, 0) - faultsLeft,
        injected,
        intents: confirmed.length,
        retypedCommands: confirmed.reduce((n, c) => n + c.refusals, 0),
        refusedBecause: confirmed.flatMap((c) => c.refusalTexts).reduce<Record<string, number>>((acc, t) => (tally(acc, t), acc), {}),
        exchangeAnswers: s.sim.control.requests().reduce<Record<string, number>>((acc, r) => (r.status >= 400 || r.status === 0 ? tally(acc, String(r.status)) : undefined, acc), {}),
        realBans,
        orders,
        laterFills,
        duplicates,
        lostFills,
        usersNotTold: untold,
        outcomes,
        orderRequests: s.sim.control.requests().filter((r) => r.method === 'POST' && r.path === '/api/v3/order').length,
        secretsFound: hits.length,
      });
      expect(duplicates).toBe(0);
      expect(lostFills).toBe(0);
      expect(untold).toBe(0);
      expect(laterFills.doubled).toBe(0);
      expect(realBans).toBe(0);
      expect(hits).toEqual([]);
    },
    budgetMs(90_000, 60_000, rounds),
  );
});
