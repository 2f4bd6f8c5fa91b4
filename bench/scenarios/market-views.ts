/**
 * Scenarios 4 and 5, measured by the market engineers' own scripts (bench/ranking.bench.ts,
 * bench/chart.bench.ts), each run in a fresh process on the built code and read from its JSON:
 * - /top over the real 2,519-ticker payload, JSON.parse and the REST client's validation
 *   included (what a /top after a ticker-cache refresh pays);
 * - one /fractals chart (echarts SVG → resvg PNG, 100 real candles).
 */
import { benchScript, benchScriptExists, runJsonScript, useDistArgs } from '../lib/child.js';
import type { Row, ScenarioContext, ScenarioResult } from '../lib/types.js';

interface Timing {
  medianMs: number;
  p99Ms: number;
  runs: number;
}

interface RankingOutput {
  payload: { tickers: number; bytes: number };
  parseAndRank: Timing;
  parseValidateAndRank: Timing;
  rankOnly: { gainers: Timing; volume: Timing };
  indexBuildMs: number;
}

interface ChartOutput {
  chart: { width: number; height: number; candles: number; pngBytes: number };
  firstRenderMs: number;
  total: Timing;
  svg: Timing;
  raster: Timing;
}

const notBuilt = (what: string, script: string): Row => ({ what, unit: 'ms', status: 'not built yet', note: `bench/${script.replace(/\.js$/, '.ts')} is missing` });

async function ranking(ctx: ScenarioContext): Promise<ScenarioResult> {
  const title = '4. /top ranking over the 2,519-ticker fixture';
  const target = { on: 'p99', op: '<', value: 20, text: 'p99 < 20 ms' } as const;
  if (!benchScriptExists('ranking.bench.js')) return { id: 'ranking', title, rows: [notBuilt('/top after a cache refresh', 'ranking.bench.js')] };
  ctx.log('market: /top ranking');
  const out = await runJsonScript<RankingOutput>([...useDistArgs(), benchScript('ranking.bench.js'), ctx.quick ? '100' : '300'], { cwd: ctx.root });
  const row = (what: string, t: Timing, withTarget: boolean): Row => ({ what, unit: 'ms', median: t.medianMs, p99: t.p99Ms, n: t.runs, ...(withTarget ? { target } : {}) });
  return {
    id: 'ranking',
    title,
    rows: [
      { ...row('JSON.parse + validation + rank (a /top after a cache refresh)', out.parseValidateAndRank, true), note: `${out.payload.tickers} tickers, ${Math.round(out.payload.bytes / 1024)} KiB` },
      row('JSON.parse + rank', out.parseAndRank, true),
      row('rank only (a /top served from the ticker cache)', out.rankOnly.gainers, false),
    ],
    details: out,
  };
}

async function chart(ctx: ScenarioContext): Promise<ScenarioResult> {
  const title = '5. /fractals chart render';
  if (!benchScriptExists('chart.bench.js')) return { id: 'chart', title, rows: [notBuilt('one chart', 'chart.bench.js')] };
  ctx.log('market: /fractals chart');
  const out = await runJsonScript<ChartOutput>([...useDistArgs(), benchScript('chart.bench.js'), ctx.quick ? '10' : '30', '2'], { cwd: ctx.root });
  const c = out.chart;
  return {
    id: 'chart',
    title,
    rows: [
      {
        what: `one PNG chart, ${c.candles} candles, ${c.width}×${c.height}`,
        unit: 'ms',
        median: out.total.medianMs,
        p99: out.total.p99Ms,
        n: out.total.runs,
        target: { on: 'p99', op: '<', value: 150, text: 'p99 < 150 ms' },
        note: `SVG layout ${out.svg.medianMs} ms + rasterise ${out.raster.medianMs} ms (medians); first render in a fresh process ${out.firstRenderMs} ms`,
      },
    ],
    details: out,
  };
}

interface EquityOutput {
  chart: { width: number; height: number; samples: number; fills: number; pointsDrawn: number; pngBytes: number };
  firstRenderMs: number;
  total: Timing;
  cpu: Timing;
  downsample: Timing;
  undownsampled: Timing;
}

async function equity(ctx: ScenarioContext): Promise<ScenarioResult> {
  const title = '5b. /equity chart over 400 days of 15-minute samples';
  if (!benchScriptExists('equity.bench.js')) return { id: 'equity', title, rows: [notBuilt('one chart', 'equity.bench.js')] };
  ctx.log('market: /equity chart');
  const out = await runJsonScript<EquityOutput>([...useDistArgs(), benchScript('equity.bench.js'), ctx.quick ? '5' : '20', '1'], { cwd: ctx.root });
  const c = out.chart;
  return {
    id: 'equity',
    title,
    rows: [
      {
        what: `one PNG chart, ${c.samples.toLocaleString('en-US')} samples drawn as ${c.pointsDrawn.toLocaleString('en-US')} points, ${c.fills.toLocaleString('en-US')} trades marked`,
        unit: 'ms',
        median: out.total.medianMs,
        p99: out.total.p99Ms,
        n: out.total.runs,
        target: { on: 'p99', op: '<', value: 250, text: 'p99 < 250 ms' },
        note: `CPU ${out.cpu.medianMs} ms per chart; min/max downsampling ${out.downsample.medianMs} ms; every point drawn instead ${out.undownsampled.medianMs} ms (medians)`,
      },
    ],
    details: out,
  };
}

interface PriceAlertsOutput {
  alerts: number;
  symbols: number;
  batch: Timing;
  cpuPerBatchMs: number;
  perUpdateUs: number;
  fired: number;
  memory: { bytesPer10000: number; gcExposed: boolean };
}

/** Price alerts (issue 19): a batch of 200 symbol updates against 10,000 alerts, and their memory. */
async function priceAlerts(ctx: ScenarioContext): Promise<ScenarioResult> {
  const title = '8. Price alerts: 10,000 alerts over 200 symbols';
  if (!benchScriptExists('price-alerts.bench.js')) return { id: 'price-alerts', title, rows: [notBuilt('one batch of 200 updates', 'price-alerts.bench.js')] };
  ctx.log('market: price alert evaluation');
  const out = await runJsonScript<PriceAlertsOutput>([...useDistArgs(), '--expose-gc', benchScript('price-alerts.bench.js'), ctx.quick ? '500' : '3000'], { cwd: ctx.root });
  return {
    id: 'price-alerts',
    title,
    rows: [
      {
        what: `evaluate one batch: 1 mini-ticker update of each of ${out.symbols} symbols against ${out.alerts} alerts`,
        unit: 'ms',
        median: out.batch.medianMs,
        p99: out.batch.p99Ms,
        n: out.batch.runs,
        target: { on: 'median', op: '<', value: 5, text: 'batch < 5 ms' },
        note: `CPU ${out.cpuPerBatchMs} ms per batch (${out.perUpdateUs} µs per update, median); ${out.fired} fires along the walk`,
      },
      { what: `heap of the index and its ${out.alerts} alerts`, unit: 'MB', value: Math.round(out.memory.bytesPer10000 / 10_000) / 100, note: out.memory.gcExposed ? 'after a full GC' : 'without --expose-gc: approximate' },
    ],
    details: out,
  };
}

export async function marketViews(ctx: ScenarioContext): Promise<ScenarioResult[]> {
  return [await ranking(ctx), await chart(ctx), await equity(ctx), await priceAlerts(ctx)];
}
