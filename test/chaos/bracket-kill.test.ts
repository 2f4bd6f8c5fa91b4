/**
 * Worker killed in the middle of a plan (DESIGN.md §5b, issue 18): real order-worker processes
 * take confirmed /buy cards with a stop and a target, and each is SIGKILLed once at a planned
 * point of its placement: the entry order's (MARKET: look-up, send mark, on the wire, accepted),
 * the list's (its look-up by listClientOrderId, send mark, on the wire, accepted), or before the
 * card edit. The supervisor restarts dead workers. Afterwards every plan must have at most one
 * entry and at most one exit list, and a filled entry must have its stop: never two lists, never a
 * position left without a stop once its job is done. Short form in `npm test`; CHAOS_FULL=1 runs
 * 100 kills (docs/RELIABILITY.md).
 */
import { resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createPrng, seedOf } from '../fuzz/prng.js';
import { testRedisUrl } from '../support/redis.js';
import { eventually } from '../trading/eventually.js';
import { startChaosStack, user, type Card, type ChaosStack } from './support/chaos-stack.js';
import { recordFigures, tally } from './support/figures.js';
import { budgetMs, scale } from './support/scale.js';
import { startProcessFleet, type ProcessFleet } from './support/process-fleet.js';

/** Where the kill lands, and on which client id its plan is keyed. */
const POINTS = [
  ['entry', 'before-send'],
  ['entry', 'after-accept'],
  ['list', 'dequeued'],
  ['list', 'before-send'],
  ['list', 'in-flight'],
  ['list', 'after-accept'],
  ['entry', 'before-card'],
] as const;
const PLANS = ['/buy BTCUSDT 0.001 sl=60000 tp=70000', '/buy BTCUSDT 0.001 64000 sl=60000 tp=68000'];
const USERS = [7201, 7202, 7203].map(user);
const trials = scale.bracketKillTrials();
const BATCH = 4;

let stack: ChaosStack | undefined;
let fleet: ProcessFleet | undefined;
afterAll(async () => {
  await fleet?.close(2_000);
  await stack?.close();
});

describe('chaos: order workers killed in the middle of a plan', () => {
  it(
    `${trials} SIGKILLs in bracket placements leave one entry, one list and a stop on every filled entry`,
    async () => {
      const prng = createPrng(seedOf(0xb7a3));
      stack = await startChaosStack({ allowedUsers: USERS.map((u) => u.id), attempts: 6 });
      const s = stack;
      const childOutput: string[] = [];
      fleet = startProcessFleet({
        script: resolve(import.meta.dirname, '../support/processes/order-worker.mjs'),
        size: 2,
        onOutput: (text) => childOutput.push(text),
        env: {
          TRADING_MODE: 'paper',
          BINANCE_BASE_URL: s.sim.restUrl,
          BINANCE_API_KEY: s.sim.apiKey,
          BINANCE_API_SECRET: s.sim.apiSecret!,
          BINANCE_TIMEOUT_MS: '1000',
          BINANCE_RECV_WINDOW_MS: '1000',
          REDIS_URL: testRedisUrl(),
          TELEGRAM_BOT_TOKEN: s.telegram.token,
          TELEGRAM_API_ROOT: s.telegram.apiRoot,
          LOG_LEVEL: 'info',
          CHAOS_PREFIX: s.prefix,
        },
      });

      const planned: Record<string, number> = {};
      let duplicateEntries = 0;
      let duplicateLists = 0;
      let unprotected = 0;
      const outcomes: Record<string, number> = {};
      // In batches: BTCUSDT allows 5 stop orders at once (MAX_NUM_ALGO_ORDERS), and every plan holds one.
      for (let first = 0; first < trials; first += BATCH) {
        const cards: Array<{ card: Card; point: string; market: boolean }> = [];
        for (let i = first; i < Math.min(trials, first + BATCH); i++) {
          const [on, point] = POINTS[i % POINTS.length]!;
          // The entry's own kill points only happen on a MARKET entry (a LIMIT entry is the list's working leg).
          const command = on === 'entry' && point !== 'before-card' ? PLANS[0]! : prng.pick(PLANS);
          const from = prng.pick(USERS);
          const card = await s.orderCard(from, command);
          if (typeof card === 'string') throw new Error(`no card for trial ${i}: ${card}`);
          const key = on === 'entry' ? `bco-${card.intentId}` : `bkl-${card.intentId}`;
          const plan = point === 'in-flight' ? `in-flight:${prng.int(25)}` : point;
          await s.producer.set(`${s.prefix}:chaos-kill:${key}`, plan, 'PX', 600_000);
          tally(planned, `${on}:${point}`);
          expect(await s.press(from, card.messageId, card.confirmData)).toMatch(/Confirmed/);
          cards.push({ card, point: `${on}:${point}`, market: command === PLANS[0] });
        }

        const settled = await eventually(async () => {
          const states = await Promise.all(cards.map(async ({ card }) => (await s.ordersQueue.queue.getJob(card.intentId))?.getState()));
          return states.every((st) => st === 'completed' || st === 'failed') ? states : undefined;
        }, 'every plan job to settle', budgetMs(60_000, 8_000, BATCH));

        for (const [i, { card, point, market }] of cards.entries()) {
          const entries = s.ordersOf(`bco-${card.intentId}`);
          // One stop leg per list: its client id is derived from the list's (bracket-ids.ts).
          const stops = s.sim.control.orders().filter((o) => o.clientOrderId === `skl-${card.intentId}`);
          duplicateEntries += Math.max(0, entries.length - 1);
          duplicateLists += Math.max(0, stops.length - 1);
          const filled = entries.some((o) => o.status === 'FILLED');
          if (filled && stops.length === 0) unprotected++;
          const text = await eventually(() => (/Protected|Exits waiting|unprotected|Not placed|Not confirmed/.test(s.cardText(card)) ? s.cardText(card) : undefined), `card of trial ${first + i} (${point})`, 30_000).catch(() => s.cardText(card));
          tally(outcomes, `${point}:${settled[i]}:${entries.length}:${stops.length}`);
          expect(entries.length, `trial ${first + i} (${point}): entries`).toBeLessThanOrEqual(1);
          expect(stops.length, `trial ${first + i} (${point}): exit lists`).toBeLessThanOrEqual(1);
          expect(settled[i], `trial ${first + i} (${point}): ${text}`).toBe('completed');
          expect(stops.length, `trial ${first + i} (${point}): a completed plan has its list`).toBe(1);
          expect(text, `trial ${first + i} (${point}): card`).toMatch(market ? /🛡 Protected: OCO list/ : /🛡 Exits waiting in order list/);
        }
        await s.exchange.cancelOpenOrders('BTCUSDT');
      }
      const selfKills = fleet.selfKills();
      recordFigures('bracket-kill', {
        seed: prng.seed,
        trials,
        planned,
        killsFired: selfKills.length,
        workerDeaths: fleet.deaths(),
        duplicateEntries,
        duplicateLists,
        unprotectedPositions: unprotected,
        outcomes,
      });
      expect(duplicateEntries).toBe(0);
      expect(duplicateLists).toBe(0);
      expect(unprotected).toBe(0);
      expect(selfKills.length, 'every planned kill fired').toBe(trials);
    },
    budgetMs(120_000, 12_000, trials),
  );
});
