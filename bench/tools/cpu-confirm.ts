/**
 * CPU per confirmation of the product process, measured as scenario 1's sequential row measures
 * it (Confirm handed to the bot → the card shows the fill; the /buy that makes the card is not
 * counted), after the same 50 unmeasured confirmations. For before/after comparisons of a change
 * on a shared machine, where CPU time moves much less than latency:
 *   [BENCH_USERS=50] node --import ./dist-bench/bench/lib/use-dist.js dist-bench/bench/tools/cpu-confirm.js [count] [warmup]
 */
import { writeFileSync } from 'node:fs';
import { clientOrderIdOf } from '../../src/trading/intent-store.js';
import { benchUsers, startBenchApp } from '../support/bench-app.js';
import { startSimChild } from '../support/sim-child.js';
import { cpuMs, epochMs, summarize } from '../lib/stats.js';

const count = Number(process.argv[2] ?? 500);
const warmup = Number(process.argv[3] ?? 50);
const sim = await startSimChild();
// Scenario 1 puts its 50 traders on the allow-list even for the sequential row (one of them trades).
const users = benchUsers(Number(process.env.BENCH_USERS ?? 50));
const user = users[0];
// CONFIRM_TTL_S=<s>: cards expire sooner, so their expiry jobs run during the measurement.
const app = await startBenchApp({ sim, users, ...(process.env.CONFIRM_TTL_S ? { env: { CONFIRM_TTL_S: process.env.CONFIRM_TTL_S } } : {}) });
const cpu: number[] = [];
const latencies: number[] = [];
// With --cpu-prof, CONFIRM_WINDOWS=<file> writes the measured confirmations' [start, end] on the
// monotonic clock (µs, as the profile's timestamps), to keep only their samples.
const windows: Array<[number, number]> = [];
const monoUs = () => Number(process.hrtime.bigint() / 1000n);
let loopCpu0 = 0;
let loopStarted = 0;
for (let i = -warmup; i < count; i++) {
  if (i === 0) {
    loopCpu0 = cpuMs();
    loopStarted = epochMs();
  }
  const card = await app.card(user!, '/buy BTCUSDT 0.001');
  const w0 = monoUs();
  const cpu0 = cpuMs();
  const t0 = epochMs();
  const handled = app.bot.handleUpdate(app.confirmUpdate(user!, card) as never);
  const arrivedAt = await sim.arrival(clientOrderIdOf(card.intentId));
  await handled;
  await app.filled(user!, card);
  if (i < 0) continue;
  windows.push([w0, monoUs()]);
  cpu.push(cpuMs() - cpu0);
  latencies.push(arrivedAt - t0);
}
// Per run of 250 confirmations: a card's expiry edit fires CONFIRM_TTL_S (60 s) after its /buy,
// so a run longer than that also pays for the expiry jobs of earlier cards.
// Everything the process did per cycle while measured: the /buy, the Confirm, and what runs between.
const loopCpuMs = (cpuMs() - loopCpu0) / count;
console.log(JSON.stringify({ processCpuPerCycleMs: Math.round(loopCpuMs * 1000) / 1000, cyclesPerS: Math.round((count / (epochMs() - loopStarted)) * 1e5) / 100 }));
const chunks = Array.from({ length: Math.ceil(cpu.length / 250) }, (_, i) => summarize(cpu.slice(i * 250, (i + 1) * 250)).p50);
console.log(JSON.stringify({ cpuMedianPer250: chunks }));
const mean = cpu.reduce((a, b) => a + b, 0) / cpu.length;
console.log(JSON.stringify({ cpuMs: summarize(cpu), cpuMeanMs: Math.round(mean * 1000) / 1000, latencyMs: summarize(latencies) }));
if (process.env.CONFIRM_WINDOWS) writeFileSync(process.env.CONFIRM_WINDOWS, JSON.stringify(windows));
await app.close();
await sim.close();
