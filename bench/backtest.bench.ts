/**
 * A 365-day 1h backtest (issue 20): 8,760 candles in the span after 300 of warm-up, each
 * strategy, what the `backtests` worker spends between loading the history and drawing the
 * chart. Target: under 500 ms of CPU per backtest. Prints one JSON object on stdout, for the
 * bench harness.
 *
 * The candles are real: the BTCUSDT 1h captures (../shared/fixtures/klines, 2025-02..06 and
 * 2025-09..11, 4,320 candles) chained end to end until there are 9,060, each copy rescaled by
 * exact decimal math so that it opens where the previous one closed, on contiguous hourly times.
 * CPU time (user + system of this process) is the figure: it barely moves when other processes
 * compete for the cores; wall time is printed beside it.
 *
 * Run from the project root (Node 20 has no TypeScript loader, so compile first):
 *   npx tsc -p tsconfig.bench.json && node --import ./dist-bench/bench/lib/use-dist.js dist-bench/bench/backtest.bench.js [runs]
 */
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { Kline } from '../src/binance/types.js';
import { div, mul, round } from '../src/decimal.js';
import { renderBacktestChart } from '../src/strategies/backtest-chart.js';
import { runBacktest, WARMUP_CANDLES } from '../src/strategies/backtest.js';
import { STRATEGIES } from '../src/strategies/strategies.js';
import { STRATEGY_NAMES } from '../src/strategies/strategy-types.js';
import { fixture } from '../test/support/fixtures.js';

const runs = Number(process.argv[2] ?? 5);
const SPAN = 8_760;
const HOUR = 3_600_000;

type Ohlcv6 = [number, string, string, string, string, string];
const segments = ['klines/binance_spot_ohlcv6_BTCUSDT_1h_2025-02_06.json', 'klines/binance_spot_ohlcv6_BTCUSDT_1h_2025-09_11.json'].map((p) => fixture<Ohlcv6[]>(p));

function chainedCandles(count: number): Kline[] {
  const out: Kline[] = [];
  const start = segments[0]![0]![0];
  let scale = '1';
  for (let s = 0; out.length < count; s++) {
    const rows = segments[s % segments.length]!;
    if (out.length > 0) scale = div(mul(out[out.length - 1]!.close, scale), mul(rows[0]![1], scale), 12, 'half-up');
    for (const r of rows) {
      if (out.length >= count) break;
      const p = (v: string) => round(mul(v, scale), 2, 'half-up');
      const openTime = start + out.length * HOUR;
      out.push({ openTime, open: p(r[1]), high: p(r[2]), low: p(r[3]), close: p(r[4]), volume: r[5], closeTime: openTime + HOUR - 1, quoteVolume: '0', trades: 0 });
    }
  }
  return out;
}

const candles = chainedCandles(SPAN + WARMUP_CANDLES);

function cpuMs(task: () => void): { cpu: number; wall: number } {
  const c0 = process.cpuUsage();
  const w0 = performance.now();
  task();
  const c = process.cpuUsage(c0);
  return { cpu: (c.user + c.system) / 1000, wall: performance.now() - w0 };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const r1 = (x: number) => Math.round(x * 10) / 10;

const byStrategy: Record<string, { cpuMedianMs: number; cpuMaxMs: number; wallMedianMs: number; trades: number; runs: number }> = {};
for (const name of STRATEGY_NAMES) {
  const run = () => runBacktest({ strategy: STRATEGIES[name], candles, spanStart: WARMUP_CANDLES, tickSize: '0.01' });
  const first = run();
  const times = Array.from({ length: runs }, () => cpuMs(() => void run()));
  byStrategy[name] = { cpuMedianMs: r1(median(times.map((t) => t.cpu))), cpuMaxMs: r1(Math.max(...times.map((t) => t.cpu))), wallMedianMs: r1(median(times.map((t) => t.wall))), trades: first.trades.length, runs };
}

const result = runBacktest({ strategy: STRATEGIES.macd, candles, spanStart: WARMUP_CANDLES, tickSize: '0.01' });
await renderBacktestChart({ symbol: 'BTCUSDT', interval: '1h', candles: candles.slice(WARMUP_CANDLES), result });
const c0 = process.cpuUsage();
const w0 = performance.now();
const png = await renderBacktestChart({ symbol: 'BTCUSDT', interval: '1h', candles: candles.slice(WARMUP_CANDLES), result });
const chartCpu = process.cpuUsage(c0);

console.log(
  JSON.stringify(
    {
      benchmark: 'backtest',
      candles: { span: SPAN, warmup: WARMUP_CANDLES },
      targetCpuMs: 500,
      strategies: byStrategy,
      chart: { cpuMs: r1((chartCpu.user + chartCpu.system) / 1000), wallMs: r1(performance.now() - w0), pngBytes: png.length },
      machine: { cpus: cpus().length, loadAverage1m: loadavg()[0]! },
      node: process.version,
    },
    null,
    2,
  ),
);
