/**
 * The benchmark harness: `npm run bench [-- --quick] [--only=confirm,peers] [--quiet-load=1]`.
 *
 * Runs every scenario in one process run (each starts its own redis-server and paper exchange),
 * then writes bench/results/<date>.json and regenerates the table in docs/BENCHMARKS.md. A
 * --quick run writes <date>.quick.json and --only <date>.partial.json, and neither touches the
 * document: its table only ever shows the figures of one complete, full run.
 *
 * --quiet-load=X waits (up to 5 minutes) before each scenario until the machine's 1-minute load
 * average is below X: on a shared machine, other work inflates every latency figure. The load
 * at the start and end of each scenario is recorded either way.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadavg } from 'node:os';
import { sleep } from './lib/stats.js';
import { machineInfo } from './lib/machine.js';
import { writeBenchmarksDoc, type Report } from './lib/markdown.js';
import { metTarget, type ScenarioContext, type ScenarioResult } from './lib/types.js';
import { confirmLatency } from './scenarios/confirm-latency.js';
import { marketViews } from './scenarios/market-views.js';
import { memory } from './scenarios/memory.js';
import { orderThroughput } from './scenarios/order-throughput.js';
import { peers } from './scenarios/peers.js';
import { stopRound } from './scenarios/stop-round.js';
import { backtest } from './scenarios/backtest.js';
import { ledger } from './scenarios/ledger.js';
import { bracketGap } from './scenarios/bracket-gap.js';

const SCENARIOS: Record<string, (ctx: ScenarioContext) => Promise<ScenarioResult[] | ScenarioResult>> = {
  confirm: confirmLatency,
  throughput: orderThroughput,
  stops: stopRound,
  market: marketViews,
  memory,
  peers,
  backtest,
  ledger,
  'bracket-gap': bracketGap,
};

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const only = args.find((a) => a.startsWith('--only='))?.slice('--only='.length).split(',');
  const quietLoad = Number(args.find((a) => a.startsWith('--quiet-load='))?.slice('--quiet-load='.length) ?? NaN);
  const unknown = only?.filter((name) => !(name in SCENARIOS)) ?? [];
  if (unknown.length > 0) throw new Error(`unknown scenario(s) ${unknown.join(', ')}; known: ${Object.keys(SCENARIOS).join(', ')}`);
  const root = process.cwd();
  const started = Date.now();
  const machine = machineInfo();
  const ctx: ScenarioContext = {
    quick,
    root,
    log: (message) => console.log(`[bench ${((Date.now() - started) / 1000).toFixed(1)}s] ${message}`),
  };

  const results: ScenarioResult[] = [];
  for (const [name, run] of Object.entries(SCENARIOS)) {
    if (only && !only.includes(name)) continue;
    if (!Number.isNaN(quietLoad)) {
      const until = Date.now() + 5 * 60_000;
      while (loadavg()[0]! >= quietLoad && Date.now() < until) await sleep(2_000);
    }
    const load = () => Math.round(loadavg()[0]! * 100) / 100;
    const loadStart = load();
    const t0 = Date.now();
    try {
      const out = await run(ctx);
      for (const r of Array.isArray(out) ? out : [out]) results.push({ ...r, durationS: Math.round((Date.now() - t0) / 100) / 10, load: { start: loadStart, end: load() } });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      console.error(`[bench] scenario ${name} failed: ${error instanceof Error ? error.stack : message}`);
      results.push({ id: name, title: name, rows: [{ what: 'scenario failed', unit: '', status: 'failed', note: message.slice(0, 300) }] });
    }
  }

  const date = new Date();
  const stamp = date.toISOString().replace(/:/g, '-').replace(/\.\d+Z$/, 'Z');
  const report: Report & { partial: boolean } = {
    date: date.toISOString(),
    quick,
    partial: only !== undefined,
    machine: { ...machine, loadAverage1mEnd: Math.round(loadavg()[0]! * 100) / 100 },
    durationS: Math.round((Date.now() - started) / 100) / 10,
    scenarios: results.map((r) => ({ ...r, rows: r.rows.map((row) => ({ ...row, met: metTarget(row) })) })),
  };
  const dir = resolve(root, 'bench/results');
  mkdirSync(dir, { recursive: true });
  const file = resolve(dir, `${stamp}${only ? '.partial' : quick ? '.quick' : ''}.json`);
  writeFileSync(file, JSON.stringify(report, null, 2) + '\n');
  ctx.log(`results: ${file}`);
  if (!only && !quick) {
    writeBenchmarksDoc(resolve(root, 'docs/BENCHMARKS.md'), report, file.slice(root.length + 1));
    ctx.log('docs/BENCHMARKS.md table regenerated');
  }
  for (const r of report.scenarios) {
    for (const row of r.rows) {
      const fig = row.status ?? [row.median !== undefined ? `median ${row.median}` : '', row.p99 !== undefined ? `p99 ${row.p99}` : '', row.value !== undefined ? `${row.value}` : ''].filter(Boolean).join(' ');
      console.log(`${r.title} — ${row.what}: ${fig} ${row.unit}${row.target ? ` (target ${row.target.text}: ${row.met === undefined ? 'n/a' : row.met ? 'met' : 'NOT met'})` : ''}${row.peers ? ` [${row.peers}]` : ''}`);
    }
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
