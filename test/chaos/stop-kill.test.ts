/**
 * Worker killed mid stop move: real stop-manager processes
 * (test/support/processes/stop-worker.mjs, built from dist/) follow fractal trailing stops on one
 * simulator and one Redis while the market forms bullish fractals, so every stop must move with
 * a cancelReplace. In each trial a new stop is armed through its card's Confirm and the process
 * that moves it is SIGKILLed once, at a planned point of the move: the send mark set and nothing
 * sent, the request on the wire, the exchange's 200 not yet recorded, the store updated but the
 * rest not done — or, with the market falling under the new stop while the request waits at the
 * exchange (a real 409: old stop cancelled, new one refused), right after the 409, after the old
 * stop was placed again, or after that was recorded. A supervisor restarts dead processes; the close job they held is
 * taken over by another. Up to three stops share the pair, so the stops of earlier trials move
 * again (clean) in later ones; a second fractal per trial moves every stop once more.
 *
 * After every fractal, once the close is evaluated and every process has reconciled at start:
 * each stop has exactly one open order on the exchange, and the stop store names that order and
 * its prices. At the end: no client order id on the exchange twice, and for every move that
 * happened on the exchange, exactly one "moved" alert queued and delivered to Telegram (and
 * for every stop placed again after a 409, exactly one alert saying so).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { floorToStep, gt, normalize } from '../../src/decimal.js';
import type { Order } from '../../src/binance/types.js';
import { createPrng, seedOf } from '../fuzz/prng.js';
import { eventually } from '../support/wait.js';
import { at, candle, loadHistory } from '../trading/stop-scenario.js';
import { recordFigures, tally } from './support/figures.js';
import { budgetMs, scale } from './support/scale.js';
import type { ProcessFleet } from './support/process-fleet.js';
import { startWorkerFleet } from './support/worker-fleet.js';
import { STOP_TRADER, startStopStack, type StopStack } from './support/stop-stack.js';

const POINTS = ['before-send', 'in-flight', 'after-accept', 'after-adopt', 'after-409', 're-place-accepted', 're-place-recorded'] as const;
type Point = (typeof POINTS)[number];
const NEEDS_409: ReadonlySet<Point> = new Set(['after-409', 're-place-accepted', 're-place-recorded']);
const CANCEL_REPLACE = '/api/v3/order/cancelReplace';
/** Stops sharing the pair before they are removed and a new group starts. */
const GROUP = 3;
const QUANTITY = '0.01';
const TICK = '0.01';
const trials = scale.stopTrials();

let stack: StopStack | undefined;
let fleet: ProcessFleet | undefined;
afterAll(async () => {
  await fleet?.close(3_000);
  await stack?.close();
});

describe('chaos: stop manager killed mid move', () => {
  it(
    `${trials} SIGKILLs inside stop moves leave every position with exactly one stop, the store agreeing, and one alert per move`,
    async () => {
      const prng = createPrng(seedOf(0x570b));
      stack = await startStopStack({ balances: { BTC: '10', USDT: '100000' }, price: '65000' });
      const s = stack;
      let price = loadHistory(s.sim.feed, 200).price;
      const childOutput: string[] = [];
      fleet = startWorkerFleet(s, {
        script: 'stop-worker',
        size: 2,
        onOutput: (text) => childOutput.push(text),
        env: {
          PAPER_MARKET: 'replay', // candles that do not follow the wall clock: closes come from the stream, no cron
          // The test's time knobs (production: 30 s leases and locks, 15 s sync).
          CHAOS_LEASE_MS: '3000',
          CHAOS_LOCK_MS: '2000',
          CHAOS_STALLED_MS: '500',
          CHAOS_SYNC_MS: '1000',
        },
      });
      const f = fleet;
      await expect.poll(() => f.ready(), { message: 'the stop workers to start', timeout: 30_000 }).toBeTruthy();

      const armed: string[] = [];
      let group: string[] = [];
      const problems: string[] = [];
      const planned: Record<string, number> = {};
      const closeStates: Record<string, number> = {};
      const settleChecks = { checks: 0, protectedChecks: 0, withoutOrder: 0, twoOrMore: 0, storeDisagrees: 0 };
      const everWrong = new Set<string>();
      let forced409 = 0;

      /** What is wrong with a stop now (empty: exactly one open order, and the store names it). */
      async function wrongWith(stopId: string): Promise<{ kind: 'none' | 'zero' | 'many' | 'store'; detail: string }> {
        const open = s.openOrdersOf(stopId);
        const stored = await s.store.get(stopId);
        if (open.length === 0) return { kind: 'zero', detail: `${stopId}: no open order (store: ${stored?.status} ${stored?.clientOrderId})` };
        if (open.length > 1) return { kind: 'many', detail: `${stopId}: ${open.length} open orders ${open.map((o) => o.clientOrderId).join(', ')}` };
        const order = open[0]!;
        const agrees =
          stored !== undefined &&
          stored.status === 'active' &&
          stored.orderId === order.orderId &&
          stored.clientOrderId === order.clientOrderId &&
          stored.stopPrice === normalize(order.stopPrice!) &&
          stored.limitPrice === normalize(order.price) &&
          (stored.basis?.kind !== 'fractal' || normalize(floorToStep(stored.basis.price, TICK)) === stored.stopPrice);
        if (!agrees) {
          return {
            kind: 'store',
            detail: `${stopId}: exchange ${order.clientOrderId} stop ${order.stopPrice}; store ${stored?.status} ${stored?.clientOrderId} stop ${stored?.stopPrice} fractal ${stored?.basis?.kind === 'fractal' ? stored.basis.price : 'none'}`,
          };
        }
        return { kind: 'none', detail: '' };
      }

      /** After a fractal: the close evaluated, every process up and reconciled, every stop consistent, alerts delivered. */
      async function settle(label: string): Promise<void> {
        await expect.poll(() => f.ready(), { message: `${label}: the stop workers to be up and reconciled`, timeout: 30_000 }).toBeTruthy();
        await eventually(
          async () => ((await Promise.all(group.map(wrongWith))).every((w) => w.kind === 'none') ? true : undefined),
          `${label}: every stop consistent`,
          20_000,
        ).catch(() => false);
        for (const stopId of group) {
          const wrong = await wrongWith(stopId);
          settleChecks.checks++;
          if (wrong.kind === 'none') settleChecks.protectedChecks++;
          else {
            if (wrong.kind === 'zero') settleChecks.withoutOrder++;
            if (wrong.kind === 'many') settleChecks.twoOrMore++;
            if (wrong.kind === 'store') settleChecks.storeDisagrees++;
            problems.push(`${label}: ${wrong.detail}`);
            everWrong.add(stopId);
          }
        }
        await expect.poll(() => s.alertsDrained(), { message: `${label}: alerts delivered`, timeout: 30_000 }).toBeTruthy();
      }

      /**
       * From the price P: six hourly candles whose fourth has the lowest low, 1.002 P (a bullish
       * fractal above every stop), confirmed by the sixth close at 1.007 P: every stop must move.
       * With `force409`, the market falls to 1.001 P while the first cancelReplace of that close
       * waits at the exchange, so the new stop would trigger at once: the exchange cancels the old
       * stop and refuses the new one (409).
       */
      async function formFractal(p: string, label: string, force409: boolean): Promise<string> {
        const path: Array<[string, string]> = [
          [p, at(p, '1.005')],
          [at(p, '1.004'), at(p, '1.005')],
          [at(p, '1.003'), at(p, '1.005')],
          [at(p, '1.002'), at(p, '1.005')],
          [at(p, '1.0035'), at(p, '1.006')],
          [at(p, '1.0045'), at(p, '1.007')],
        ];
        let next = at(p, '1.007');
        let watching = false;
        for (const [k, [low, close]] of path.entries()) {
          if (force409 && k === path.length - 1) {
            s.sim.control.faults.inject({ method: 'POST', path: CANCEL_REPLACE, action: 'delay', delayMs: 500 });
            watching = true;
            next = at(p, '1.001');
            void (async () => {
              while (watching && s.sim.control.faults.pending().length > 0) await new Promise((r) => setTimeout(r, 2));
              if (!watching) return;
              s.sim.feed.setPrice('BTCUSDT', next);
              forced409++;
            })();
          }
          const row = candle(s.sim.feed, low, close);
          const state = await s.closeEvaluated(row[6], 45_000).catch(() => 'not evaluated in time');
          tally(closeStates, state);
          if (state !== 'completed' && state !== 'failed') problems.push(`${label}: close ${k + 1} ${state}`);
        }
        if (watching && s.sim.control.faults.pending().length > 0) {
          // No cancelReplace reached the exchange at that close: nothing to refuse.
          s.sim.control.faults.clear();
          next = at(p, '1.007');
        }
        watching = false;
        return next;
      }

      for (let i = 0; i < trials; i++) {
        if (group.length === GROUP) {
          const reply = await s.desk.removeStops('BTCUSDT', STOP_TRADER);
          expect(reply).toContain('no longer protected');
          for (const stopId of group) expect(s.openOrdersOf(stopId), `stop ${stopId} removed`).toEqual([]);
          group = [];
        }
        const stop = await s.arm(QUANTITY);
        armed.push(stop.id);
        group.push(stop.id);
        const point = POINTS[i % POINTS.length]!;
        const plan = point === 'in-flight' ? `in-flight:${prng.int(26)}` : point;
        await s.producer.set(`${s.prefix}:chaos-kill:${stop.id}`, plan, 'PX', 600_000);
        tally(planned, point);

        price = await formFractal(price, `trial ${i} (${point})`, NEEDS_409.has(point));
        await settle(`trial ${i} (${point})`);
        price = await formFractal(price, `trial ${i} (${point}) second fractal`, false);
        await settle(`trial ${i} (${point}) second fractal`);
      }

      // The whole history: every order each stop ever had, every alert, every Telegram message.
      const alerts = await s.stopAlerts();
      const alertKeys = new Set(alerts.map((a) => a.key));
      const messages = s.telegram.messages(STOP_TRADER.chatId).map((m) => m.text ?? '');
      const sent = (text: string, orderId: number) => messages.filter((m) => m.includes(text) && m.includes(`order <code>${orderId}</code>`)).length;
      const byClientId = new Map<string, number>();
      let moves = 0;
      let replaces = 0;
      let lostAlerts = 0;
      let doubledAlerts = 0;
      let lostMessages = 0;
      let doubledMessages = 0;
      let lostReplaceAlerts = 0;
      for (const o of s.sim.control.orders('BTCUSDT')) byClientId.set(o.clientOrderId, (byClientId.get(o.clientOrderId) ?? 0) + 1);
      const duplicates = [...byClientId].filter(([id, n]) => n > 1 && (id.startsWith('bst-') || id.startsWith('bco-')));
      for (const stopId of armed) {
        const orders: Order[] = s.ordersOf(stopId);
        const movedTo = new Set<string>();
        for (let k = 1; k < orders.length; k++) {
          const [before, after] = [orders[k - 1]!, orders[k]!];
          const n = after.clientOrderId.slice(`bst-${stopId}-`.length);
          if (gt(after.stopPrice!, before.stopPrice!)) {
            moves++;
            movedTo.add(n);
            if (!alertKeys.has(`stop-moved-${stopId}-${n}`)) {
              lostAlerts++;
              problems.push(`${stopId}: move to ${after.clientOrderId} (${before.stopPrice} → ${after.stopPrice}) without a "moved" alert`);
            }
            const delivered = sent('Stop moved', after.orderId);
            if (delivered === 0) {
              lostMessages++;
              problems.push(`${stopId}: move to ${after.clientOrderId} never reached Telegram`);
            }
            if (delivered > 1) {
              doubledMessages++;
              problems.push(`${stopId}: move to ${after.clientOrderId} told ${delivered} times`);
            }
          } else if (normalize(after.stopPrice!) === normalize(before.stopPrice!)) {
            replaces++;
            if (!alertKeys.has(`stop-replaced-${stopId}-${n}`)) {
              lostReplaceAlerts++;
              problems.push(`${stopId}: old stop placed again as ${after.clientOrderId} without an alert`);
            }
          }
        }
        for (const key of alertKeys) {
          const moved = new RegExp(`^stop-moved-${stopId}-(\\d+)$`).exec(key);
          if (moved && !movedTo.has(moved[1]!)) {
            doubledAlerts++;
            problems.push(`${stopId}: "moved" alert ${key} for no move on the exchange`);
          }
        }
      }
      for (const [id, n] of duplicates) problems.push(`client order id ${id} on the exchange ${n} times`);
      const selfKills = f.selfKills();
      const hits = s.secretHits([{ where: 'stop worker processes', texts: childOutput }]);
      const cancelReplaces = s.sim.control.requests().filter((r) => r.path === CANCEL_REPLACE);

      recordFigures('stop-kill', {
        seed: prng.seed,
        trials,
        stopsArmed: armed.length,
        workerProcesses: 2,
        planned,
        killsFired: selfKills.length,
        killsByPoint: selfKills.reduce<Record<string, number>>((acc, k) => (tally(acc, k.point), acc), {}),
        workerProcessesStarted: f.started(),
        workerDeaths: f.deaths(),
        closes: closeStates,
        cancelReplaces: cancelReplaces.length,
        cancelReplace409: cancelReplaces.filter((r) => r.status === 409).length,
        marketDropsFor409: forced409,
        movesDone: moves,
        stopsReplacedAfter409: replaces,
        settleChecks: settleChecks.checks,
        settleChecksProtected: settleChecks.protectedChecks,
        stopsProtected: armed.length - everWrong.size,
        stopsWithoutOrder: settleChecks.withoutOrder,
        stopsWithTwoOrders: settleChecks.twoOrMore,
        storeDisagrees: settleChecks.storeDisagrees,
        duplicates: duplicates.length,
        movedAlertsQueued: [...alertKeys].filter((k) => k.startsWith('stop-moved-')).length,
        alertsLost: lostAlerts,
        alertsDoubled: doubledAlerts,
        messagesLost: lostMessages,
        messagesDoubled: doubledMessages,
        replacedAlertsLost: lostReplaceAlerts,
        secretsFound: hits.length,
      });
      expect(problems).toEqual([]);
      // Every planned point was reached at least once (the kill really happened where intended).
      for (const point of POINTS.filter((p) => planned[p])) expect(selfKills.some((k) => k.point === point), `a kill at ${point}`).toBe(true);
      expect(hits).toEqual([]);
    },
    budgetMs(60_000, 25_000, trials),
  );
});
