/**
 * /fractals chart rendering time: 100 real BTCUSDT 4h candles (../shared/fixtures/klines) with
 * their fractals, a stop and an entry line, at the default 1000 × 560. Target: under 150 ms per
 * chart (issue 5). Prints one JSON object on stdout, for the bench harness.
 *
 * Measured per chart, after `warmup` renders (module loading, JIT, the first font read):
 * - `total`: renderCandlestickChart, what the bot awaits (echarts SVG + resvg PNG);
 * - `svg`: the echarts layout to SVG alone (main thread);
 * - `raster`: resvg rasterising that SVG and encoding the PNG (libuv thread pool).
 * - `cpu`: the CPU time this process spent per chart (user + system, every thread): unlike the
 *   wall-clock numbers it barely moves when other processes compete for the cores.
 * Renders run one after another: the number is the latency of one /fractals, not throughput.
 * The machine's load average is printed with the numbers, since other processes skew them.
 *
 * Run from the project root (Node 20 has no TypeScript loader, so compile first):
 *   npx tsc -p tsconfig.json --noEmit false --outDir dist-bench && node dist-bench/bench/chart.bench.js [runs] [warmup]
 */
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { rasterizeChartSvg } from '../src/market/chart-renderer.js';
import { renderCandlestickChart, renderCandlestickSvg, type CandlestickChartInput } from '../src/market/chart.js';
import { findFractals } from '../src/market/fractals.js';
import { fixtureCandles } from '../test/support/klines.js';

const runs = Number(process.argv[2] ?? 20);
const warmup = Number(process.argv[3] ?? 1);

const all = fixtureCandles('objects4h');
const closed = all.slice(-102);
const fractals = findFractals(closed, { now: closed[closed.length - 1]!.closeTime + 1 });
const input: CandlestickChartInput = {
  symbol: 'BTCUSDT',
  interval: '4h',
  candles: closed.slice(-100),
  fractals,
  stopPrice: fractals.bullish[fractals.bullish.length - 1]!.price,
  entryPrice: '84440.47',
  priceDecimals: 2,
};

type Stats = { medianMs: number; p99Ms: number; minMs: number; maxMs: number; runs: number };

function stats(times: number[]): Stats {
  const sorted = [...times].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
  const round = (ms: number) => Math.round(ms * 100) / 100;
  return { medianMs: round(at(0.5)), p99Ms: round(at(0.99)), minMs: round(sorted[0]!), maxMs: round(sorted[sorted.length - 1]!), runs: sorted.length };
}

async function timed(task: () => Promise<unknown> | unknown): Promise<number> {
  const start = performance.now();
  await task();
  return performance.now() - start;
}

const loadBefore = loadavg()[0]!;
const firstRenderMs = await timed(() => renderCandlestickChart(input));
for (let i = 1; i < warmup; i++) await renderCandlestickChart(input);

const total: number[] = [];
const cpu: number[] = [];
const svg: number[] = [];
const raster: number[] = [];
let pngBytes = 0;
for (let i = 0; i < runs; i++) {
  const before = process.cpuUsage();
  total.push(await timed(async () => (pngBytes = (await renderCandlestickChart(input)).length)));
  const used = process.cpuUsage(before);
  cpu.push((used.user + used.system) / 1000);
}
for (let i = 0; i < runs; i++) {
  let text = '';
  svg.push(await timed(() => (text = renderCandlestickSvg(input))));
  raster.push(await timed(() => rasterizeChartSvg(text)));
}

const result = {
  benchmark: 'chart',
  chart: { width: 1000, height: 560, candles: input.candles.length, bullishFractals: fractals.bullish.length, bearishFractals: fractals.bearish.length, pngBytes },
  targetMs: 150,
  firstRenderMs: Math.round(firstRenderMs * 100) / 100,
  total: stats(total),
  cpu: stats(cpu),
  svg: stats(svg),
  raster: stats(raster),
  machine: { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown', loadAverage1mBefore: loadBefore, loadAverage1mAfter: loadavg()[0]! },
  node: process.version,
};
console.log(JSON.stringify(result, null, 2));
