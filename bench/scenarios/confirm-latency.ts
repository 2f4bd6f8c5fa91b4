/**
 * Scenario 1 (issue 4, issue 8): Confirm → order request at the exchange.
 *
 * The clock starts when a real-shaped callback_query update (the Confirm press) is handed to the
 * real grammY bot (`bot.handleUpdate`) and stops when the exchange process has parsed the head
 * of POST /api/v3/order carrying that intent's client order id (sim-process.ts). In between:
 * allow-list, sequentialize, the callback router, the trading service's confirm (Lua flip,
 * enqueue), the BullMQ order worker taking the job, reconcile-first look-up and re-validation
 * against the exchange, the send mark, signing and sending.
 *
 * Three loads, each on the production wiring (bench-app.ts) with the production worker settings:
 * - sequential: one trader, one card at a time, the next only after the card showed the fill;
 * - 50 users: fifty traders at once, each going /buy → reads the card (1–3 s) → Confirm → waits
 *   for the fill → again: about 20 confirmations (and 20 /buy) a second in all, four times what
 *   one Binance account may place (ORDERS 50 per 10 s in exchangeInfo.rateLimits);
 * - 50-user burst: fifty traders press Confirm in the same instant, round after round: the
 *   worst case for one event loop (the last of the fifty waits for the forty-nine before it).
 * Exchange rate limits are lifted (sim-process.ts), and the client is not told the weight used:
 * one Binance account may place 50 orders per 10 s and one IP spend 6,000 weight a minute, so
 * these loads would otherwise measure the exchange's budget instead of this code. What the load
 * would cost against that budget is reported as its own row (weight per /buy + Confirm).
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { clientOrderIdOf } from '../../src/trading/intent-store.js';
import type { UpdateUser } from '../../test/support/fake-bot-api.js';
import { benchUsers, startBenchApp, type BenchApp, type BenchCard } from '../support/bench-app.js';
import { startSimChild, type SimChild } from '../support/sim-child.js';
import { cpuMs, epochMs, round3, sleep, summarize, type Summary } from '../lib/stats.js';
import type { Row, ScenarioContext, ScenarioResult } from '../lib/types.js';

const ORDER = '/buy BTCUSDT 0.001';
const TARGET = { on: 'p99', op: '<', value: 20, text: 'p99 < 20 ms' } as const;

interface Confirmation {
  latencyMs: number;
  cpuMs: number;
}

/** One Confirm press measured; resolves when the card shows the fill. */
async function confirmOnce(app: BenchApp, sim: SimChild, user: UpdateUser, card: BenchCard): Promise<Confirmation> {
  const update = app.confirmUpdate(user, card);
  const cpu0 = cpuMs();
  const t0 = epochMs();
  const handled = app.bot.handleUpdate(update as never);
  const arrivedAt = await sim.arrival(clientOrderIdOf(card.intentId));
  await handled;
  await app.filled(user, card);
  return { latencyMs: arrivedAt - t0, cpuMs: cpuMs() - cpu0 };
}

async function sequential(app: BenchApp, sim: SimChild, user: UpdateUser, count: number): Promise<Confirmation[]> {
  const out: Confirmation[] = [];
  for (let i = 0; i < count; i++) out.push(await confirmOnce(app, sim, user, await app.card(user, ORDER)));
  return out;
}

async function withThinkTime(app: BenchApp, sim: SimChild, users: UpdateUser[], total: number): Promise<{ confirmations: Confirmation[]; seconds: number }> {
  const perUser = Math.ceil(total / users.length);
  const out: Confirmation[] = [];
  const started = epochMs();
  await Promise.all(
    users.map(async (user, u) => {
      await sleep((u * 2000) / users.length); // staggered start, as people are
      for (let i = 0; i < perUser; i++) {
        const card = await app.card(user, ORDER);
        await sleep(1000 + Math.random() * 2000);
        out.push(await confirmOnce(app, sim, user, card));
      }
    }),
  );
  return { confirmations: out, seconds: (epochMs() - started) / 1000 };
}

interface BurstResult {
  latencies: number[];
  /** CPU per confirmation of each process on the path, ms. */
  cpuPerConfirmMs: { product: number; exchange: number; redis: number };
}

async function bursts(app: BenchApp, sim: SimChild, users: UpdateUser[], rounds: number): Promise<BurstResult> {
  const latencies: number[] = [];
  const cpu = { product: 0, exchange: 0, redis: 0 };
  for (let r = 0; r < rounds; r++) {
    const cards = await Promise.all(users.map((user) => app.card(user, ORDER)));
    const updates = users.map((user, i) => app.confirmUpdate(user, cards[i]!));
    // Let the card edits settle, and start in a fresh window of the worker's 50-jobs-a-second limiter.
    await sleep(1_100);
    const exchange0 = (await sim.stats()).cpuMs;
    const redis0 = await app.redisCpuMs();
    const cpu0 = cpuMs();
    const starts: number[] = [];
    const handled: Array<Promise<void>> = [];
    for (const update of updates) {
      starts.push(epochMs());
      handled.push(app.bot.handleUpdate(update as never));
    }
    const arrivals = await Promise.all(cards.map((card) => sim.arrival(clientOrderIdOf(card.intentId))));
    await Promise.all(handled);
    await Promise.all(users.map((user, i) => app.filled(user, cards[i]!)));
    cpu.product += cpuMs() - cpu0;
    cpu.exchange += (await sim.stats()).cpuMs - exchange0;
    cpu.redis += (await app.redisCpuMs()) - redis0;
    arrivals.forEach((at, i) => latencies.push(at - starts[i]!));
  }
  const per = (ms: number) => round3(ms / (rounds * users.length));
  return { latencies, cpuPerConfirmMs: { product: per(cpu.product), exchange: per(cpu.exchange), redis: per(cpu.redis) } };
}

/** How busy this process was during a phase: CPU share of one core, and event-loop delay. */
async function observed<T>(phase: () => Promise<T>): Promise<{ result: T; cpuShare: number; loopDelayP99Ms: number; loopDelayMaxMs: number }> {
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  const cpu0 = cpuMs();
  const t0 = epochMs();
  const result = await phase();
  const share = (cpuMs() - cpu0) / (epochMs() - t0);
  loop.disable();
  return { result, cpuShare: round3(share), loopDelayP99Ms: round3(loop.percentile(99) / 1e6), loopDelayMaxMs: round3(loop.max / 1e6) };
}

const row = (what: string, s: Summary, note?: string): Row => ({ what, unit: 'ms', median: s.p50, p99: s.p99, n: s.n, target: TARGET, ...(note ? { note } : {}) });

export async function confirmLatency(ctx: ScenarioContext): Promise<ScenarioResult> {
  const sequentialCount = ctx.quick ? 200 : 1000;
  const usersCount = ctx.quick ? 150 : 1000;
  const burstRounds = ctx.quick ? 4 : 20;
  const sim = await startSimChild();
  const users = benchUsers(50);
  const app = await startBenchApp({ sim, users });
  try {
    ctx.log('confirm: warm-up');
    await sequential(app, sim, users[0]!, 50);

    ctx.log(`confirm: ${sequentialCount} sequential confirmations`);
    const weight0 = (await sim.stats()).weight;
    const seqPhase = await observed(() => sequential(app, sim, users[0]!, sequentialCount));
    const seq = seqPhase.result;
    const weightPerCycle = round3(((await sim.stats()).weight - weight0) / sequentialCount);
    const seqSummary = summarize(seq.map((c) => c.latencyMs));
    const seqCpu = summarize(seq.map((c) => c.cpuMs));

    ctx.log(`confirm: ${usersCount} confirmations from 50 users with think time`);
    const crowdPhase = await observed(() => withThinkTime(app, sim, users, usersCount));
    const crowd = crowdPhase.result;
    const crowdSummary = summarize(crowd.confirmations.map((c) => c.latencyMs));

    ctx.log(`confirm: ${burstRounds} bursts of 50 simultaneous confirmations`);
    const burstPhase = await observed(() => bursts(app, sim, users, burstRounds));
    const burst = burstPhase.result;
    const burstSummary = summarize(burst.latencies);

    const simStats = await sim.stats();
    return {
      id: 'confirm-latency',
      title: '1. Confirm → order request at the exchange',
      rows: [
        row('sequential, one trader', seqSummary, `CPU per confirmation (bot + order worker + alerts worker, one process): median ${seqCpu.p50} ms`),
        row(
          '50 users at once (1–3 s to read each card)',
          crowdSummary,
          `${round3(crowd.confirmations.length / crowd.seconds)} confirmations/s plus as many /buy; the process used ${Math.round(crowdPhase.cpuShare * 100)}% of a core, event-loop delay p99 ${crowdPhase.loopDelayP99Ms} ms`,
        ),
        {
          what: 'request weight of one /buy + Confirm (Binance allows 6,000 a minute per IP)',
          unit: 'weight',
          value: weightPerCycle,
          note: `our REST client holds all requests at 90 % of the minute's budget: one IP serves at most ${Math.floor(5_400 / weightPerCycle)} such cycles a minute`,
        },
        row(
          '50 users pressing in the same instant (bursts)',
          burstSummary,
          `CPU per confirmation: product ${burst.cpuPerConfirmMs.product} ms, paper exchange ${burst.cpuPerConfirmMs.exchange} ms, Redis ${burst.cpuPerConfirmMs.redis} ms — ` +
            `a burst of 50 is ${Math.round(50 * (burst.cpuPerConfirmMs.product + burst.cpuPerConfirmMs.exchange + burst.cpuPerConfirmMs.redis))} ms of work for two cores`,
        ),
      ],
      details: {
        order: ORDER,
        sequential: { latencyMs: seqSummary, cpuMs: seqCpu, weightPerCycle, process: { ...seqPhase, result: undefined } },
        users: { latencyMs: crowdSummary, seconds: round3(crowd.seconds), process: { ...crowdPhase, result: undefined } },
        burst: { latencyMs: burstSummary, rounds: burstRounds, cpuPerConfirmMs: burst.cpuPerConfirmMs, process: { ...burstPhase, result: undefined } },
        simClockOffsetMs: round3(sim.clockOffsetMs),
        simRequests: simStats.requests,
      },
    };
  } finally {
    await app.close();
    await sim.close();
  }
}
