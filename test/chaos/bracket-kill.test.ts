/**
 * Worker killed in the middle of a plan (DESIGN.md §5b): real order-worker processes
 * take confirmed /buy cards with a stop and a target, and each is SIGKILLed once at a planned
 * point of its placement: the entry order's (MARKET: look-up, send mark, on the wire, accepted),
 * the list's (its look-up by listClientOrderId, send mark, on the wire, accepted), or before the
 * card edit. The supervisor restarts dead workers. Afterwards every plan must have at most one
 * entry and at most one exit list, and a filled entry must have its stop: never two lists, never a
 * position left without a stop once its job is done.
 *
 * Moves (the second suite): plans with `sl=fractal` are managed stops holding an OCO list, moved by
 * real stop-manager processes (test/support/processes/stop-worker.mjs) when a new fractal forms:
 * DELETE /api/v3/orderList, then POST /api/v3/orderList/oco. Each trial's process is SIGKILLed once
 * in the move: after the cancel, after the new list's send mark, on the wire, after acceptance, or
 * after the store took the list. Once the close is evaluated and the processes reconciled, each plan
 * must hold exactly one open list (one stop leg, one target), the store naming it: never two lists,
 * never a position left without a stop beyond the move that was interrupted.
 *
 * Short form in `npm test`; CHAOS_FULL=1 runs 50 placement and 50 move kills (docs/RELIABILITY.md).
 */
import { resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { normalize } from '../../src/decimal.js';
import { at, candle, loadHistory } from '../trading/stop-scenario.js';
import { startStopStack, type StopStack } from './support/stop-stack.js';
import { startWorkerFleet } from './support/worker-fleet.js';
import { createPrng, seedOf } from '../fuzz/prng.js';
import { testRedisUrl } from '../support/redis.js';
import { eventually } from '../trading/eventually.js';
import { startChaosStack, user, type Card, type ChaosStack } from './support/chaos-stack.js';
import { recordFigures, tally } from './support/figures.js';
import { budgetMs, FULL_RUN, scale } from './support/scale.js';
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

const MOVE_POINTS = ['after-cancel', 'before-send', 'in-flight', 'after-accept', 'after-adopt'] as const;
const moveTrials = scale.bracketMoveTrials();
/** Plans sharing the pair before their lists are cancelled and a new group starts (MAX_NUM_ALGO_ORDERS is 5). */
const GROUP = 3;
const OPEN = new Set(['NEW', 'PARTIALLY_FILLED', 'PENDING_NEW']);

let moveStack: StopStack | undefined;
let moveFleet: ProcessFleet | undefined;
afterAll(async () => {
  await moveFleet?.close(3_000);
  await moveStack?.close();
});

describe('chaos: stop managers killed in the middle of a plan\'s list move', () => {
  it(
    `${moveTrials} SIGKILLs in OCO list moves leave every plan with exactly one list, the store agreeing`,
    async () => {
      const prng = createPrng(seedOf(0xb7a4));
      moveStack = await startStopStack({ balances: { USDT: '1000000' }, price: '65000' });
      const s = moveStack;
      let price = loadHistory(s.sim.feed, 200).price;
      const childOutput: string[] = [];
      moveFleet = startWorkerFleet(s, {
        script: 'stop-worker',
        size: 2,
        onOutput: (text) => childOutput.push(text),
        env: { PAPER_MARKET: 'replay', CHAOS_LEASE_MS: '3000', CHAOS_LOCK_MS: '2000', CHAOS_STALLED_MS: '500', CHAOS_SYNC_MS: '1000' },
      });
      const f = moveFleet;
      await expect.poll(() => f.ready(), { message: 'the stop workers to start', timeout: 30_000 }).toBeTruthy();

      const planned: Record<string, number> = {};
      const problems: string[] = [];
      const checks = { checks: 0, protectedChecks: 0, duplicateLists: 0, unprotected: 0, storeDisagrees: 0, moves: 0 };
      let group: string[] = [];

      const legsOf = (stopId: string) => s.sim.control.orders('BTCUSDT').filter((o) => OPEN.has(o.status) && (o.clientOrderId.startsWith(`skl-${stopId}`) || o.clientOrderId.startsWith(`tkl-${stopId}`)));
      /** What is wrong with a plan now (none: one open list, its stop leg and target, and the store names them). */
      async function wrongWith(stopId: string): Promise<{ kind: 'none' | 'zero' | 'many' | 'store'; detail: string }> {
        const legs = legsOf(stopId);
        const stops = legs.filter((o) => o.clientOrderId.startsWith('skl-'));
        const stored = await s.store.get(stopId);
        if (stops.length === 0) return { kind: 'zero', detail: `${stopId}: no open stop leg (store: ${stored?.status} ${stored?.clientOrderId})` };
        if (stops.length > 1 || legs.length > 2) return { kind: 'many', detail: `${stopId}: ${legs.map((o) => o.clientOrderId).join(', ')} open` };
        const leg = stops[0]!;
        const agrees = stored?.status === 'active' && stored.orderId === leg.orderId && stored.stopPrice === normalize(leg.stopPrice!) && stored.target?.orderListId === leg.orderListId && legs.length === 2;
        return agrees ? { kind: 'none', detail: '' } : { kind: 'store', detail: `${stopId}: exchange ${leg.clientOrderId} list ${leg.orderListId}; store ${stored?.status} ${stored?.clientOrderId} list ${stored?.target?.orderListId}` };
      }
      async function settle(label: string): Promise<void> {
        await expect.poll(() => f.ready(), { message: `${label}: the stop workers to be up and reconciled`, timeout: 30_000 }).toBeTruthy();
        await eventually(async () => ((await Promise.all(group.map(wrongWith))).every((w) => w.kind === 'none') ? true : undefined), `${label}: every plan consistent`, 25_000).catch(() => false);
        for (const stopId of group) {
          const wrong = await wrongWith(stopId);
          checks.checks++;
          if (wrong.kind === 'none') checks.protectedChecks++;
          else problems.push(`${label}: ${wrong.detail}`);
          if (wrong.kind === 'zero') checks.unprotected++;
          if (wrong.kind === 'many') checks.duplicateLists++;
          if (wrong.kind === 'store') checks.storeDisagrees++;
        }
      }
      /** Six hourly candles from P whose fourth low (1.002 P) is a bullish fractal above every plan's stop and entry, confirmed by the sixth close. */
      async function formFractal(p: string, label: string): Promise<string> {
        const path: Array<[string, string]> = [[p, at(p, '1.005')], [at(p, '1.004'), at(p, '1.005')], [at(p, '1.003'), at(p, '1.005')], [at(p, '1.002'), at(p, '1.005')], [at(p, '1.0035'), at(p, '1.006')], [at(p, '1.0045'), at(p, '1.007')]];
        for (const [k, [low, close]] of path.entries()) {
          const state = await s.closeEvaluated(candle(s.sim.feed, low, close)[6], 45_000).catch(() => 'not evaluated in time');
          if (state !== 'completed' && state !== 'failed') problems.push(`${label}: close ${k + 1} ${state}`);
        }
        return at(p, '1.007');
      }

      for (let i = 0; i < moveTrials; i++) {
        if (group.length === GROUP) {
          await s.desk.removeStops('BTCUSDT', { userId: 9101, chatId: 9101 });
          await s.exchange.cancelOpenOrders('BTCUSDT').catch(() => undefined);
          group = [];
        }
        const stop = await s.plan('0.001', '30');
        group.push(stop.id);
        const point = MOVE_POINTS[i % MOVE_POINTS.length]!;
        await s.producer.set(`${s.prefix}:chaos-kill:${stop.id}`, point === 'in-flight' ? `in-flight:${prng.int(26)}` : point, 'PX', 600_000);
        tally(planned, point);
        const before = stop.stopPrice!;
        price = await formFractal(price, `trial ${i} (${point})`);
        await settle(`trial ${i} (${point})`);
        const moved = await s.store.get(stop.id);
        if (moved?.stopPrice !== undefined && moved.stopPrice !== before) checks.moves++;
        else problems.push(`trial ${i} (${point}): the stop did not move from ${before} (store ${moved?.stopPrice})`);
        // The next trial's fractal moves the group's earlier plans again, clean; the full form adds one per trial.
        if (FULL_RUN) {
          price = await formFractal(price, `trial ${i} (${point}) second fractal`);
          await settle(`trial ${i} (${point}) second fractal`);
        }
      }
      const byListId = new Map<string, number>();
      for (const o of s.sim.control.orders('BTCUSDT')) if (o.clientOrderId.startsWith('skl-')) byListId.set(o.clientOrderId, (byListId.get(o.clientOrderId) ?? 0) + 1);
      const duplicates = [...byListId].filter(([, n]) => n > 1);
      for (const [id, n] of duplicates) problems.push(`list ${id} placed ${n} times`);
      const selfKills = f.selfKills();
      recordFigures('bracket-move-kill', {
        seed: prng.seed,
        trials: moveTrials,
        planned,
        killsFired: selfKills.length,
        killsByPoint: selfKills.reduce<Record<string, number>>((acc, k) => (tally(acc, k.point), acc), {}),
        workerDeaths: f.deaths(),
        moves: checks.moves,
        settleChecks: checks.checks,
        settleChecksProtected: checks.protectedChecks,
        duplicateLists: checks.duplicateLists + duplicates.length,
        unprotectedPositions: checks.unprotected,
        storeDisagrees: checks.storeDisagrees,
        listDeletes: s.sim.control.requests().filter((r) => r.method === 'DELETE' && r.path === '/api/v3/orderList').length,
      });
      expect(problems).toEqual([]);
      expect(checks.duplicateLists + duplicates.length).toBe(0);
      expect(checks.unprotected).toBe(0);
      for (const point of MOVE_POINTS.filter((p) => planned[p])) expect(selfKills.some((k) => k.point === point), `a kill at ${point}`).toBe(true);
    },
    budgetMs(60_000, 30_000, moveTrials),
  );
});
