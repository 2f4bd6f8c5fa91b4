/**
 * Issue 20's row: a 365-day 1h backtest (8,760 candles after 300 of warm-up), per strategy, in
 * CPU time, measured by bench/backtest.bench.ts in a fresh process on the built code.
 */
import { benchScript, benchScriptExists, runJsonScript, useDistArgs } from '../lib/child.js';
import type { ScenarioContext, ScenarioResult } from '../lib/types.js';

interface BacktestOutput {
  candles: { span: number; warmup: number };
  strategies: Record<string, { cpuMedianMs: number; cpuMaxMs: number; wallMedianMs: number; trades: number; runs: number }>;
  chart: { cpuMs: number; wallMs: number; pngBytes: number };
}

export async function backtest(ctx: ScenarioContext): Promise<ScenarioResult> {
  const title = '8. /backtest: 365 days of 1h candles';
  if (!benchScriptExists('backtest.bench.js')) return { id: 'backtest', title, rows: [{ what: 'one backtest', unit: 'ms', status: 'not built yet' }] };
  ctx.log('backtest: 365 days of 1h candles');
  const out = await runJsonScript<BacktestOutput>([...useDistArgs(), benchScript('backtest.bench.js'), ctx.quick ? '3' : '7'], { cwd: ctx.root });
  return {
    id: 'backtest',
    title,
    rows: [
      ...Object.entries(out.strategies).map(([name, s]) => ({
        what: `${name}: ${out.candles.span.toLocaleString('en-US')} candles + ${out.candles.warmup} warm-up, CPU`,
        unit: 'ms',
        median: s.cpuMedianMs,
        n: s.runs,
        target: { on: 'median' as const, op: '<' as const, value: 500, text: 'CPU < 500 ms' },
        note: `wall ${s.wallMedianMs} ms, ${s.trades} trades`,
      })),
      { what: 'its chart (echarts SVG → resvg PNG)', unit: 'ms', value: out.chart.cpuMs, note: `CPU; wall ${out.chart.wallMs} ms, ${Math.round(out.chart.pngBytes / 1024)} KiB` },
    ],
    details: out,
  };
}
