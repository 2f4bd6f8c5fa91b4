/**
 * Fractal scan time on 1,000 real BTCUSDT 5m candles (../shared/fixtures/klines): findFractals
 * (both kinds, every candle) and latestBullishFractal with the stop rule's filters. Target: well
 * under a millisecond for 1,000 candles (issue 5: every stop on a (symbol, interval) is evaluated
 * from one scan per candle close). Prints one JSON object on stdout, for the bench harness.
 *
 * Run from the project root (Node 20 has no TypeScript loader, so compile first):
 *   npx tsc -p tsconfig.json --noEmit false --outDir dist-bench && node dist-bench/bench/fractals.bench.js [runs]
 */
import { cpus, loadavg } from 'node:os';
import { findFractals, latestBullishFractal } from '../src/market/fractals.js';
import { evaluateTrailingStop } from '../src/market/stop-rule.js';
import { fixtureCandles } from '../test/support/klines.js';
import { percentile, timeSync } from './lib/stats.js';

const runs = Number(process.argv[2] ?? 2000);
const warmup = 200;

const candles = fixtureCandles('raw5m').slice(-1000);
const now = candles[candles.length - 1]!.closeTime + 1;
const price = candles[candles.length - 1]!.close;
const armedAt = candles[500]!.openTime;

function measure(task: () => unknown): { medianUs: number; p99Us: number; minUs: number; runs: number } {
  const times = timeSync(task, runs, warmup);
  const us = (ms: number) => Math.round(ms * 10_000) / 10;
  return { medianUs: us(percentile(times, 0.5)), p99Us: us(percentile(times, 0.99)), minUs: us(times[0]!), runs };
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
