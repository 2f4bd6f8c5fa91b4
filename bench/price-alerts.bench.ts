/**
 * Price alert evaluation (issue 19): 10,000 alerts over 200 symbols (per symbol 20 above, 20
 * below and 10 move alerts of 15m/1h/4h windows, all armed hours ago), evaluated as the worker
 * does for each mini-ticker update: one batch is one update of each of the 200 symbols, their
 * prices on a random walk (0.05 % a step, one step a second). Target: a batch under 5 ms.
 * Also the heap the index and its 10,000 alert objects take (needs --expose-gc for a clean read).
 * Prints one JSON object on stdout, for the bench harness (scenarios/market-views.ts).
 *
 *   npx tsc -p tsconfig.json --noEmit false --outDir dist-bench && node --expose-gc dist-bench/bench/price-alerts.bench.js [batches]
 */
import { createPriceAlertIndex, type MarketUpdate } from '../src/alerts/price-alert-index.js';
import type { PriceAlert, PriceAlertCondition } from '../src/alerts/price-alert-types.js';
import { loadavg } from 'node:os';
import { percentile, timeSync } from './lib/stats.js';

const batches = Number(process.argv[2] ?? 2000);
const SYMBOLS = 200;
const PER_SYMBOL = 50;
const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 11, 6, 9, 0, 0);
let clock = T0;

// A fixed seed: every run walks the same path.
let seed = 19;
const random = () => {
  seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
  return seed / 2 ** 31;
};

const gc = (globalThis as { gc?: () => void }).gc;
const heap = () => {
  gc?.();
  gc?.();
  return process.memoryUsage().heapUsed;
};

const symbols = Array.from({ length: SYMBOLS }, (_, i) => `SYM${i}USDT`);
const prices = symbols.map((_, i) => 10 + i * 3.7);
const fmt = (n: number) => n.toFixed(4);

function buildAlerts(): PriceAlert[] {
  const alerts: PriceAlert[] = [];
  let id = 0;
  symbols.forEach((symbol, s) => {
    const p = prices[s]!;
    for (let k = 0; k < PER_SYMBOL; k++) {
      let condition: PriceAlertCondition;
      if (k < 20) condition = { kind: 'above', level: fmt(p * (1.005 + k * 0.004)) };
      else if (k < 40) condition = { kind: 'below', level: fmt(p * (0.995 - (k - 20) * 0.004)) };
      else condition = { kind: 'move', pct: String(2 + (k - 40)), windowMs: [15 * 60_000, HOUR, 4 * HOUR][k % 3]! };
      id += 1;
      alerts.push({ id: String(id), userId: 1000 + (id % 50), chatId: 1000 + (id % 50), symbol, condition, repeat: k % 5 === 0, createdAt: T0 - 6 * HOUR, gen: 0, armed: true, armedAt: T0 - 6 * HOUR });
    }
  });
  return alerts;
}

const before = heap();
const alerts = buildAlerts();
const index = createPriceAlertIndex({ now: () => clock });
const loadStart = performance.now();
for (const a of alerts) index.upsert(a);
const loadMs = performance.now() - loadStart;
const after = heap();

let fired = 0;
function batch(): void {
  clock += 1_000;
  for (let s = 0; s < SYMBOLS; s++) {
    prices[s] = prices[s]! * (1 + (random() - 0.5) * 0.001);
    const update: MarketUpdate = { symbol: symbols[s]!, at: clock, price: fmt(prices[s]!) };
    const result = index.evaluate(update);
    fired += result.fires.length;
    // A fired repeat alert comes back disarmed, as the store leaves it after its claim.
    for (const f of result.fires) if (f.alert.repeat) index.upsert({ ...f.alert, gen: f.alert.gen + 1, armed: f.mode === 'rearm', armedAt: clock });
    for (const a of result.rearms) index.upsert({ ...a, armed: true, armedAt: clock });
  }
}

// CPU time too: on a shared machine the wall-clock p99 is mostly time the process was not running.
const cpuStart = process.cpuUsage();
const times = timeSync(batch, batches, Math.min(200, batches));
const cpu = process.cpuUsage(cpuStart);
const cpuPerBatchMs = (cpu.user + cpu.system) / 1000 / (batches + Math.min(200, batches));
const round = (ms: number) => Math.round(ms * 1000) / 1000;
process.stdout.write(
  `${JSON.stringify({
    benchmark: 'price-alerts',
    alerts: alerts.length,
    symbols: SYMBOLS,
    updatesPerBatch: SYMBOLS,
    targetMs: 5,
    batch: { medianMs: round(percentile(times, 0.5)), p99Ms: round(percentile(times, 0.99)), runs: batches },
    perUpdateUs: round((percentile(times, 0.5) / SYMBOLS) * 1000),
    cpuPerBatchMs: round(cpuPerBatchMs),
    loadAverage: loadavg()[0],
    fired,
    alertsLeft: index.size(),
    loadMs: round(loadMs),
    memory: { bytesPer10000: Math.round(((after - before) * 10_000) / alerts.length), gcExposed: gc !== undefined },
  })}\n`,
);
