/**
 * /equity over the whole history kept: 400 days of 15-minute net value samples (38,400 points)
 * and 2,000 trades marked, at the default 1000 × 560. Prints one JSON object on stdout, for the
 * bench harness (scenario "market").
 *
 * Measured per chart, after `warmup` renders:
 * - `total`: renderEquityChart, what the bot awaits (min/max downsampling, echarts SVG, resvg PNG);
 * - `cpu`: the CPU time this process spent per chart (every thread): barely moved by other load;
 * - `downsample`: the bucketing of the 38,400 points alone;
 * - `undownsampled`: the same chart with every point handed to echarts (a few runs), the cost the
 *   downsampling avoids.
 *
 * Run from the project root:
 *   npx tsc -p tsconfig.bench.json && node --import ./dist-bench/bench/lib/use-dist.js dist-bench/bench/equity.bench.js [runs] [warmup]
 */
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { downsampleMinMax, renderEquityChart, renderEquitySvg, type ChartPoint, type EquityChartInput } from '../src/ledger/equity-chart.js';
import { rasterizeChartSvg } from '../src/market/chart-renderer.js';

const runs = Number(process.argv[2] ?? 20);
const warmup = Number(process.argv[3] ?? 1);

const SLOT_MS = 15 * 60_000;
const POINTS = 400 * 96;
const start = Date.UTC(2025, 10, 1);
// A random walk with a drift, deterministic (a fixed LCG), in cents as exact decimal strings.
let seed = 42;
const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
let cents = 1_000_000;
const samples = Array.from({ length: POINTS }, (_, i) => {
  cents = Math.max(1, cents + Math.round((random() - 0.495) * 2_000));
  return { time: start + i * SLOT_MS, value: (cents / 100).toFixed(2) };
});
const fills = Array.from({ length: 2_000 }, (_, i) => ({ time: start + Math.floor((i + 0.5) * (POINTS / 2_000)) * SLOT_MS, side: i % 2 === 0 ? ('BUY' as const) : ('SELL' as const) }));
const input: EquityChartInput = { title: 'Net value · USDT', subtitle: 'all history · 38,400 samples', samples, fills, decimals: 2 };

type Stats = { medianMs: number; p99Ms: number; minMs: number; maxMs: number; runs: number };

function stats(times: number[]): Stats {
  const sorted = [...times].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
  const round = (ms: number) => Math.round(ms * 100) / 100;
  return { medianMs: round(at(0.5)), p99Ms: round(at(0.99)), minMs: round(sorted[0]!), maxMs: round(sorted[sorted.length - 1]!), runs: sorted.length };
}

async function timed(task: () => Promise<unknown> | unknown): Promise<number> {
  const begin = performance.now();
  await task();
  return performance.now() - begin;
}

const loadBefore = loadavg()[0]!;
const firstRenderMs = await timed(() => renderEquityChart(input));
for (let i = 1; i < warmup; i++) await renderEquityChart(input);

const total: number[] = [];
const cpu: number[] = [];
let pngBytes = 0;
for (let i = 0; i < runs; i++) {
  const before = process.cpuUsage();
  total.push(await timed(async () => (pngBytes = (await renderEquityChart(input)).length)));
  const used = process.cpuUsage(before);
  cpu.push((used.user + used.system) / 1000);
}

const points: ChartPoint[] = samples.map((s) => [s.time, Number(s.value)]);
const downsample: number[] = [];
let drawn = 0;
for (let i = 0; i < runs; i++) downsample.push(await timed(() => (drawn = downsampleMinMax(points, 900).length)));

// Every point handed to echarts (as many buckets as points keeps them all): what downsampling saves.
const undownsampled: number[] = [];
for (let i = 0; i < Math.min(3, runs); i++) undownsampled.push(await timed(() => rasterizeChartSvg(renderEquitySvg({ ...input, buckets: POINTS }))));

const result = {
  benchmark: 'equity',
  chart: { width: 1000, height: 560, samples: POINTS, fills: fills.length, pointsDrawn: drawn, pngBytes },
  firstRenderMs: Math.round(firstRenderMs * 100) / 100,
  total: stats(total),
  cpu: stats(cpu),
  downsample: stats(downsample),
  undownsampled: stats(undownsampled),
  machine: { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown', loadAverage1mBefore: loadBefore, loadAverage1mAfter: loadavg()[0]! },
  node: process.version,
};
console.log(JSON.stringify(result, null, 2));
