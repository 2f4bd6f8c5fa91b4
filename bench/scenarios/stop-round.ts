/**
 * Scenario 3: one evaluation round of the stop manager — 1,000 fractal stops over 200
 * (symbol, interval) pairs (50 symbols × 15m, 1h, 4h, 1d; five stops each), a candle close
 * announced for every pair at once, as the kline stream or the job schedulers do. The clock runs
 * from the first announcement to the last pair evaluated; the exchange counts the klines requests
 * (issue 5: exactly one per pair, so 200).
 *
 * The stop manager's pieces are loaded from dist/ at run time (stop-store, stop-mover,
 * stop-evaluator, stop-scheduler) with the shapes declared here, so a missing or reshaped module
 * is reported as "not built yet" / failed instead of breaking the build of the whole harness.
 * Every stop is active and was armed after the newest candle, so the round is pure evaluation:
 * each stop is leased, settled, checked by the rule and noted; none moves (at a real close most
 * stops hold; a move's cost is the order path of scenarios 1 and 2).
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Redis } from 'ioredis';
import { benchUsers, startBenchApp } from '../support/bench-app.js';
import { startSimChild } from '../support/sim-child.js';
import { cpuMs, epochMs, round3 } from '../lib/stats.js';
import type { ScenarioContext, ScenarioResult } from '../lib/types.js';

const INTERVALS = ['15m', '1h', '4h', '1d'] as const;
const SYMBOLS = 50;
const STOPS_PER_PAIR = 5;
const MODULES = ['stop-store', 'stop-mover', 'stop-evaluator', 'stop-scheduler'];

interface Pair {
  symbol: string;
  interval: string;
}

interface Evaluation {
  stops: number;
  moved: number;
  held: number;
  refused: number;
  failed: number;
  skipped?: string;
}

/** The parts of the stop manager this scenario drives (src/trading/stop-*.ts). */
interface StopParts {
  createStopStore(o: { redis: Redis; prefix: string }): { create(stop: Record<string, unknown>): Promise<unknown> };
  createStopMover(deps: Record<string, unknown>): unknown;
  createStopEvaluator(deps: Record<string, unknown>): { evaluate(pair: Pair, closeTime?: number): Promise<Evaluation> };
  createStopScheduler(o: Record<string, unknown>): {
    readonly queue: { clean(graceMs: number, limit: number, type: 'completed'): Promise<unknown> };
    enqueueClose(pair: Pair, closeTime: number): Promise<void>;
    close(): Promise<void>;
  };
}

async function loadParts(root: string): Promise<StopParts | undefined> {
  const files = MODULES.map((m) => resolve(root, 'dist/trading', `${m}.js`));
  if (!files.every((f) => existsSync(f))) return undefined;
  const loaded = await Promise.all(files.map((f) => import(pathToFileURL(f).href) as Promise<Record<string, unknown>>));
  return Object.assign({}, ...loaded) as StopParts;
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
  const parts = await loadParts(ctx.root);
  if (!parts) {
    return {
      id: 'stop-round',
      title,
      rows: [
        { what: 'round duration', unit: 'ms', status: 'not built yet', note: `needs dist/trading/{${MODULES.join(',')}}.js` },
        { what: 'klines requests in the round', unit: 'requests', status: 'not built yet' },
      ],
    };
  }
  const info = JSON.parse(readFileSync(resolve(ctx.root, 'assets/exchange-info.json'), 'utf8')) as { symbols: Array<{ symbol: string; status: string; quoteAsset: string }> };
  const symbols = info.symbols.filter((s) => s.status === 'TRADING' && s.quoteAsset === 'USDT').slice(0, SYMBOLS).map((s) => s.symbol);
  const pairs: Pair[] = symbols.flatMap((symbol) => INTERVALS.map((interval) => ({ symbol, interval })));
  const closes = lastCloses();
  const rounds = ctx.quick ? 2 : 5;

  const sim = await startSimChild({ klineSymbols: symbols });
  const [user] = benchUsers(1);
  const app = await startBenchApp({ sim, users: [user!], orderWorker: false, alerts: false });
  try {
    const { stack, exchange, logger } = app;
    const store = parts.createStopStore({ redis: stack.producer, prefix: stack.prefix });
    const mover = parts.createStopMover({ exchange: exchange.client, symbols: exchange.exchangeInfo, store, records: stack.records, alerts: stack.alertsQueue, audit: stack.audit, logger, limitOffsetPct: '0.5' });
    const evaluator = parts.createStopEvaluator({ exchange: exchange.client, symbols: exchange.exchangeInfo, store, records: stack.records, mover, alerts: stack.alertsQueue, logger, isPaused: () => stack.service.isPaused(), minMovePct: '0' });

    let done = 0;
    let target = 0;
    let finished: (() => void) | undefined;
    const evaluations: Evaluation[] = [];
    const scheduler = parts.createStopScheduler({
      connection: stack.workerConnection,
      redis: stack.producer,
      prefix: stack.prefix,
      logger,
      serverNow: () => Date.now(),
      async evaluate(pair: Pair, closeTime: number) {
        const result = await evaluator.evaluate(pair, closeTime);
        evaluations.push(result);
        if (++done >= target) finished?.();
        return result;
      },
    });

    const now = Date.now();
    let n = 0;
    for (const pair of pairs) {
      for (let i = 0; i < STOPS_PER_PAIR; i++) {
        const id = `bench${String(n++).padStart(12, '0')}`;
        await store.create({
          id, kind: 'fractal', symbol: pair.symbol, interval: pair.interval, userId: user!.id, chatId: user!.id, quantity: '0.01',
          entryPrice: '50000', entrySource: 'price', armedAt: closes[pair.interval]! + 1, createdAt: now, status: 'active',
          stopPrice: '40000', limitPrice: '39800', orderId: 1_000_000 + n, clientOrderId: `bst-${id}-1`, orders: 1,
        });
      }
    }

    // Every round announces the same closes. Between rounds the finished close jobs (kept to
    // dedup announcements) are cleaned and the stops' `lastEvaluatedClose` reset, so each round
    // does the whole work again.
    const reset = async () => {
      await scheduler.queue.clean(0, 0, 'completed');
      for (const pair of pairs) {
        for (const id of await stack.producer.smembers(`${stack.prefix}:stops:pair:${pair.symbol}:${pair.interval}`)) {
          const key = `${stack.prefix}:stop:${id}`;
          const stop = JSON.parse((await stack.producer.get(key))!) as Record<string, unknown>;
          delete stop.lastEvaluatedClose;
          await stack.producer.set(key, JSON.stringify(stop));
        }
      }
    };
    const runRound = async () => {
      done = 0;
      evaluations.length = 0;
      target = pairs.length;
      const before = (await sim.stats()).byRoute['GET /api/v3/klines'] ?? 0;
      const all = new Promise<void>((r) => (finished = r));
      const cpu0 = cpuMs();
      const t0 = epochMs();
      await Promise.all(pairs.map((pair) => scheduler.enqueueClose(pair, closes[pair.interval]!)));
      await all;
      const ms = epochMs() - t0;
      const cpu = cpuMs() - cpu0;
      const klines = ((await sim.stats()).byRoute['GET /api/v3/klines'] ?? 0) - before;
      const sum = (k: 'stops' | 'held' | 'moved' | 'failed') => evaluations.reduce((total, e) => total + e[k], 0);
      return { ms: round3(ms), cpuMs: round3(cpu), klines, stops: sum('stops'), held: sum('held'), moved: sum('moved'), failed: sum('failed'), skipped: evaluations.filter((e) => e.skipped).length };
    };

    const results = [];
    for (let r = 0; r < rounds; r++) {
      ctx.log(`stops: round ${r + 1}/${rounds}`);
      if (r > 0) await reset();
      results.push(await runRound());
    }
    await scheduler.close();
    const first = results[0]!;
    const timed = results.slice(1);
    const durations = timed.map((r) => r.ms).sort((a, b) => a - b);
    const medianMs = durations[Math.floor(durations.length / 2)] ?? first.ms;
    return {
      id: 'stop-round',
      title,
      rows: [
        {
          what: `round duration (${pairs.length} close jobs, ${first.stops} stops, stops-queue worker at its default concurrency)`,
          unit: 'ms',
          median: medianMs,
          p99: durations[durations.length - 1] ?? first.ms,
          n: timed.length,
          target: { on: 'p99', op: '<', value: 1000, text: 'max < 1 s' },
          note: `first round (cold caches) ${first.ms} ms; CPU per round ${timed[0]?.cpuMs ?? first.cpuMs} ms; held ${first.held}, moved ${first.moved}, failed ${first.failed}`,
        },
        { what: 'klines requests in one round', unit: 'requests', value: first.klines, target: { on: 'value', op: '==', value: pairs.length, text: `exactly ${pairs.length}` } },
      ],
      details: { pairs: pairs.length, stopsPerPair: STOPS_PER_PAIR, rounds: results },
    };
  } finally {
    await app.close();
    await sim.close();
  }
}
