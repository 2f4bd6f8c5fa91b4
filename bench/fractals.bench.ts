/**
 * Fractal scan time on 1,000 real BTCUSDT 5m candles (../shared/fixtures/klines): findFractals
 * (both kinds, every candle) and latestBullishFractal with the stop rule's filters. Target: well
 * under a millisecond for 1,000 candles (issue 5: every stop on a (symbol, interval) is evaluated
 * from one scan per candle close). Prints one JSON object on stdout, for the bench harness.
 *
 * Run from the project root (Node 20 has no TypeScript loader, so compile first):
 *   npx tsc -p tsconfig.json --noEmit false --outDir dist-bench && node dist-bench/bench/fractals.bench.js [runs]
 */
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Kline, KlineRow } from '../src/binance/types.js';
import { findFractals, latestBullishFractal } from '../src/market/fractals.js';
import { evaluateTrailingStop } from '../src/market/stop-rule.js';

const FIXTURES = resolve(process.cwd(), process.env.FIXTURES_DIR ?? '../shared/fixtures');
const runs = Number(process.argv[2] ?? 2000);
const warmup = 200;

const rows = JSON.parse(readFileSync(resolve(FIXTURES, 'klines/binance_spot_klines_BTCUSDT_5m_2025-04.json'), 'utf8')) as KlineRow[];
const candles: Kline[] = rows.slice(-1000).map(([openTime, open, high, low, close, volume, closeTime, quoteVolume, trades]) => ({
  openTime,
  open,
  high,
  low,
  close,
  volume,
  closeTime,
  quoteVolume,
  trades,
}));
const now = candles[candles.length - 1]!.closeTime + 1;
const price = candles[candles.length - 1]!.close;
const armedAt = candles[500]!.openTime;

function measure(task: () => unknown): { medianUs: number; p99Us: number; minUs: number; runs: number } {
  for (let i = 0; i < warmup; i++) task();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    task();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.ceil(q * times.length) - 1)]!;
  const us = (ms: number) => Math.round(ms * 10_000) / 10;
  return { medianUs: us(at(0.5)), p99Us: us(at(0.99)), minUs: us(times[0]!), runs };
}

const found = findFractals(candles, { now });
const result = {
  benchmark: 'fractals',
  candles: candles.length,
  fractals: { bullish: found.bullish.length, bearish: found.bearish.length },
  targetUs: 1000,
  findFractals: measure(() => findFractals(candles, { now })),
  latestBullishFractal: measure(() => latestBullishFractal(candles, { now, below: price })),
  evaluateTrailingStop: measure(() =>
    evaluateTrailingStop({ entryPrice: '80000', currentStop: '81000', armedAt, minMovePct: '0.5' }, { candles, now, price, tickSize: '0.01' }),
  ),
  machine: { cpus: cpus().length, loadAverage1m: loadavg()[0]! },
  node: process.version,
};
console.log(JSON.stringify(result, null, 2));
