/**
 * Scenario 3: one evaluation round of the stop manager (src/trading/stops/stop-manager.ts) — 1,000
 * fractal stops over 200 (symbol, interval) pairs (50 symbols × 15m, 1h, 4h, 1d; five stops each).
 * The exchange counts the klines requests (issue 5: exactly one per pair, so 200).
 *
 * Two ways a round happens, both timed:
 * - `evaluateAll()`: every pair now, as one round (the manager's own unit for this benchmark);
 * - a candle close announced for all 200 pairs at once — what 00:00 UTC is, when 15m, 1h, 4h and
 *   1d close together — as `close` jobs through the `stops` queue and its worker at the
 *   production concurrency; the clock stops when the queue reports all 200 completed (polled
 *   every 5 ms).
 *
 * The manager is loaded from dist/ at run time with the shape declared here, so until it exists
 * the row says "not built yet", and a reshaped API fails this scenario only, not the harness.
 * Every stop is active and was armed after the newest candle, so a round is pure evaluation:
 * each stop is leased, settled, checked by the rule and noted; none moves (at a real close most
 * stops hold; a move's cost is the order path of scenarios 1 and 2).
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Registry } from 'prom-client';
import { benchUsers, startBenchApp } from '../support/bench-app.js';
import { startSimChild } from '../support/sim-child.js';
import { cpuMs, epochMs, median, round3, sleep } from '../lib/stats.js';
import type { Row, ScenarioContext, ScenarioResult } from '../lib/types.js';

const INTERVALS = ['15m', '1h', '4h', '1d'] as const;
const SYMBOLS = 50;
const STOPS_PER_PAIR = 5;

interface Pair {
  symbol: string;
  interval: string;
}

/** What this scenario uses of the stop manager (src/trading/stops/stop-manager.ts). */
interface StopManagerLike {
  readonly store: { create(stop: Record<string, unknown>): Promise<unknown> };
  readonly scheduler: {
    readonly queue: { clean(graceMs: number, limit: number, type: 'completed'): Promise<unknown>; getCompletedCount(): Promise<number> };
    enqueueClose(pair: Pair, closeTime: number): Promise<void>;
  };
  evaluateAll(): Promise<{ pairs: number; stops: number; moved: number; durationMs: number; evaluations: Array<{ held: number; failed: number; skipped?: string }> }>;
  close(): Promise<void>;
}

type CreateStopManager = (deps: Record<string, unknown>) => StopManagerLike;

async function loadStopManager(root: string): Promise<CreateStopManager | undefined> {
  const file = resolve(root, 'dist/trading/stops/stop-manager.js');
  if (!existsSync(file)) return undefined;
  const module = (await import(pathToFileURL(file).href)) as { createStopManager?: CreateStopManager };
  return module.createStopManager;
}

/** Close time of the newest candle of each interval in the history sim-process.ts loads. */
function lastCloses(): Record<string, number> {
  const dir = resolve(process.env.FIXTURES_DIR ?? '../shared/fixtures', 'klines');
  const lastOf = (file: string, pick: (row: unknown) => number) => {
    const rows = JSON.parse(readFileSync(resolve(dir, file), 'utf8')) as unknown[];
    return pick(rows[rows.length - 1]);
  };
  const objectClose = (row: unknown) => (row as { closeTime: number }).closeTime;
  return {
    '15m': lastOf('binance_spot_klines_BTCUSDT_15m_2020-05.json', (row) => (row as number[])[6]!),
    '1h': lastOf('objects_SleepwalkerSpace_BTCUSDT_1h_2025-09_11.json', objectClose),
    '4h': lastOf('objects_SleepwalkerSpace_BTCUSDT_4h_2025-09_11.json', objectClose),
    '1d': lastOf('objects_SleepwalkerSpace_BTCUSDT_1d_2025-09_11.json', objectClose),
  };
}

export async function stopRound(ctx: ScenarioContext): Promise<ScenarioResult> {
  const title = '3. Stop evaluation round: 1,000 stops over 200 (symbol, interval) pairs';
  const createStopManager = await loadStopManager(ctx.root);
  if (!createStopManager) {
    return {
      id: 'stop-round',
      title,
      rows: [
        { what: 'round duration', unit: 'ms', status: 'not built yet', note: 'needs dist/trading/stops/stop-manager.js (createStopManager)' },
        { what: 'klines requests in one round', unit: 'requests', status: 'not built yet' },
      ],
    };
  }
  const info = JSON.parse(readFileSync(resolve(ctx.root, 'assets/exchange-info.json'), 'utf8')) as { symbols: Array<{ symbol: string; status: string; quoteAsset: string }> };
  const symbols = info.symbols.filter((s) => s.status === 'TRADING' && s.quoteAsset === 'USDT').slice(0, SYMBOLS).map((s) => s.symbol);
  const pairs: Pair[] = symbols.flatMap((symbol) => INTERVALS.map((interval) => ({ symbol, interval })));
  const closes = lastCloses();
  const rounds = ctx.quick ? 3 : 7;

  const sim = await startSimChild({ klineSymbols: symbols });
  const [user] = benchUsers(1);
  const app = await startBenchApp({ sim, users: [user!], orderWorker: false, alerts: false });
  const { stack, exchange, logger } = app;
  const manager = createStopManager({
    redis: stack.producer,
    connection: stack.workerConnection,
    prefix: stack.prefix,
    exchange: exchange.client,
    symbols: exchange.exchangeInfo,
    records: stack.records,
    alerts: stack.alertsQueue,
    audit: stack.audit,
    logger,
    ordersQueue: stack.ordersQueue,
    settings: { limitOffsetPct: app.config.stops.limitOffsetPct, minMovePct: app.config.stops.minMovePct },
    schedule: false,
    registry: new Registry(),
  });
  try {
    const now = Date.now();
    let n = 0;
    for (const pair of pairs) {
      for (let i = 0; i < STOPS_PER_PAIR; i++) {
        const id = `bench${String(n++).padStart(11, '0')}`;
        await manager.store.create({
          id, kind: 'fractal', symbol: pair.symbol, interval: pair.interval, userId: user!.id, chatId: user!.id, quantity: '0.01',
          entryPrice: '50000', entrySource: 'price', armedAt: closes[pair.interval]! + 1, createdAt: now, status: 'active',
          stopPrice: '40000', limitPrice: '39800', orderId: 1_000_000 + n, clientOrderId: `bst-${id}-1`, orders: 1,
        });
      }
    }

    // Every round evaluates the same closes: between rounds the stops' `lastEvaluatedClose` is
    // reset and the finished close jobs (kept to dedup announcements) are cleaned.
    const reset = async () => {
      await manager.scheduler.queue.clean(0, 0, 'completed');
      const keys = await stack.producer.keys(`${stack.prefix}:stop:bench*`);
      for (const key of keys) {
        const stop = JSON.parse((await stack.producer.get(key))!) as Record<string, unknown>;
        delete stop.lastEvaluatedClose;
        await stack.producer.set(key, JSON.stringify(stop));
      }
    };
    const klines = async () => (await sim.stats()).byRoute['GET /api/v3/klines'] ?? 0;

    const viaRound: Array<{ ms: number; cpuMs: number; klines: number; stops: number; held: number; moved: number; failed: number }> = [];
    const viaQueue: Array<{ ms: number; cpuMs: number; klines: number }> = [];
    for (let r = 0; r < rounds; r++) {
      ctx.log(`stops: round ${r + 1}/${rounds}`);
      await reset();
      let before = await klines();
      let cpu0 = cpuMs();
      const round = await manager.evaluateAll();
      viaRound.push({
        ms: round3(round.durationMs),
        cpuMs: round3(cpuMs() - cpu0),
        klines: (await klines()) - before,
        stops: round.stops,
        moved: round.moved,
        held: round.evaluations.reduce((t, e) => t + e.held, 0),
        failed: round.evaluations.reduce((t, e) => t + e.failed, 0),
      });

      await reset();
      before = await klines();
      cpu0 = cpuMs();
      const t0 = epochMs();
      await Promise.all(pairs.map((pair) => manager.scheduler.enqueueClose(pair, closes[pair.interval]!)));
      while ((await manager.scheduler.queue.getCompletedCount()) < pairs.length) await sleep(5);
      viaQueue.push({ ms: round3(epochMs() - t0), cpuMs: round3(cpuMs() - cpu0), klines: (await klines()) - before });
    }

    // The first round of each kind runs with cold caches and JIT; the rest are timed.
    const timed = <T extends { ms: number }>(list: T[]) => list.slice(1).map((x) => x.ms);
    const first = viaRound[0]!;
    const rows: Row[] = [
      {
        what: `evaluateAll(): ${first.stops} stops, ${pairs.length} pairs`,
        unit: 'ms',
        median: round3(median(timed(viaRound))),
        p99: Math.max(...timed(viaRound)),
        n: rounds - 1,
        target: { on: 'p99', op: '<', value: 1000, text: 'every round < 1 s' },
        note: `cold first round ${first.ms} ms; ${round3(median(viaRound.slice(1).map((x) => x.cpuMs)))} ms CPU per round; held ${first.held}, moved ${first.moved}, failed ${first.failed}`,
      },
      { what: 'klines requests in one evaluateAll() round', unit: 'requests', value: first.klines, target: { on: 'value', op: '==', value: pairs.length, text: `exactly ${pairs.length}` } },
      {
        what: `a close announced for all ${pairs.length} pairs (00:00 UTC): close jobs through the stops queue`,
        unit: 'ms',
        median: round3(median(timed(viaQueue))),
        p99: Math.max(...timed(viaQueue)),
        n: rounds - 1,
        target: { on: 'p99', op: '<', value: 1000, text: 'every round < 1 s' },
        note: `cold first round ${viaQueue[0]!.ms} ms; klines requests ${viaQueue[0]!.klines}`,
      },
    ];
    return { id: 'stop-round', title, rows, details: { pairs: pairs.length, stopsPerPair: STOPS_PER_PAIR, evaluateAll: viaRound, closeJobs: viaQueue } };
  } finally {
    await manager.close().catch(() => undefined);
    await app.close();
    await sim.close();
  }
}
