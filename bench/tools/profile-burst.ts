/**
 * Bursts of 50 simultaneous Confirm presses on the production wiring and worker settings, with
 * the product process's CPU profiled only while the confirmations run, one file per round
 * (<out>.<round>.cpuprofile; the /buy cards are made outside the profile), and CPU per confirmation of each process printed:
 *   node --import ./dist-bench/bench/lib/use-dist.js dist-bench/bench/tools/profile-burst.js [rounds] [/tmp/prof/burst]
 * Summarise the profiles with profile-summary.js (it sums several files). WARMUP_BURSTS (default 20) unmeasured bursts come first.
 *
 * V8's profile counts wall time, so on a busy machine the time a thread waits descheduled shows up
 * in whatever runs next. For on-CPU samples (kernel included) run it under perf with its control
 * FIFOs named in PERF_CTL / PERF_ACK, the product started with --perf-basic-prof: perf then records
 * only during the measured confirmations.
 *   mkfifo /tmp/ctl /tmp/ack; PERF_CTL=/tmp/ctl PERF_ACK=/tmp/ack perf record -e cpu-clock -F 4000 -D -1 --control=fifo:/tmp/ctl,/tmp/ack -o /tmp/perf.data -- node --perf-basic-prof --import … profile-burst.js 6
 */
import { subscribe } from 'node:diagnostics_channel';
import { closeSync, openSync, readSync, writeFileSync, writeSync } from 'node:fs';
import type { ClientRequest } from 'node:http';
import { Session } from 'node:inspector/promises';
import { clientOrderIdOf } from '../../src/trading/intent-store.js';
import { benchUsers, startBenchApp } from '../support/bench-app.js';
import { startSimChild } from '../support/sim-child.js';
import { cpuMs, epochMs, round3, sleep, summarize } from '../lib/stats.js';

const rounds = Number(process.argv[2] ?? 6);
// Unmeasured bursts first: the full bench reaches its bursts after 2,000 confirmations, with the
// hot code optimized; after 6 bursts a fifth of the CPU is still the JIT compiling it, after 20 a tenth.
const warmup = Number(process.env.WARMUP_BURSTS ?? 20);

/** Tells perf record (--control) to start or stop sampling, and waits for its ack. */
function perfControl(command: 'enable' | 'disable'): void {
  const ctl = process.env.PERF_CTL;
  const ack = process.env.PERF_ACK;
  if (!ctl || !ack) return;
  const out = openSync(ctl, 'w');
  writeSync(out, `${command}\n`);
  closeSync(out);
  const input = openSync(ack, 'r');
  readSync(input, Buffer.alloc(16));
  closeSync(input);
}
const out = process.argv[3];
const sim = await startSimChild();
const users = benchUsers(50);
const app = await startBenchApp({ sim, users });
const session = new Session();
session.connect();
if (out) {
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 500 });
}
// HTTP requests this process makes while measured, by method and path (Bot API token cut).
const requests = new Map<string, number>();
let counting = false;
subscribe('http.client.request.start', (message) => {
  if (!counting) return;
  const request = (message as { request: ClientRequest }).request;
  const key = `${request.method} ${request.path.split('?')[0]!.replace(/\/bot[^/]+\//, '/bot…/')}`;
  requests.set(key, (requests.get(key) ?? 0) + 1);
});
const { Redis } = await import('ioredis');
const admin = new Redis(app.redis.url);
const redisCalls = async (): Promise<number> => {
  const info = await admin.info('commandstats');
  return [...info.matchAll(/^cmdstat_[^:]+:calls=(\d+)/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
};
let redisCommands = 0;
const latencies: number[] = [];
const cpu = { product: 0, exchange: 0, redis: 0 };
let productSystemUs = 0;
for (let r = 1 - warmup; r <= rounds; r++) {
  const cards = await Promise.all(users.map((u) => app.card(u, '/buy BTCUSDT 0.001')));
  const updates = users.map((u, i) => app.confirmUpdate(u, cards[i]!));
  await sleep(1_100); // card edits settle; a fresh window of the worker's limiter
  const sim0 = (await sim.stats()).cpuMs;
  const redis0 = await app.redisCpuMs();
  if (r > 0 && out) await session.post('Profiler.start');
  const calls0 = await redisCalls();
  counting = r > 0;
  if (r > 0) perfControl('enable');
  const cpu0 = cpuMs();
  const sys0 = process.cpuUsage().system;
  const starts: number[] = [];
  const handled = updates.map((update) => {
    starts.push(epochMs());
    return app.bot.handleUpdate(update as never);
  });
  const arrivals = await Promise.all(cards.map((c) => sim.arrival(clientOrderIdOf(c.intentId))));
  await Promise.all(handled);
  await Promise.all(users.map((u, i) => app.filled(u, cards[i]!)));
  const used = cpuMs() - cpu0;
  if (r > 0) perfControl('disable');
  counting = false;
  if (r > 0) redisCommands += (await redisCalls()) - calls0 - 1; // less the INFO itself
  if (r <= 0) continue;
  if (out) {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(`${out}.${r}.cpuprofile`, JSON.stringify(profile));
  }
  cpu.product += used;
  productSystemUs += process.cpuUsage().system - sys0;
  cpu.exchange += (await sim.stats()).cpuMs - sim0;
  cpu.redis += (await app.redisCpuMs()) - redis0;
  arrivals.forEach((at, i) => latencies.push(at - starts[i]!));
}
const per = (ms: number) => round3(ms / (rounds * users.length));
console.log(
  JSON.stringify({
    rounds,
    pid: process.pid,
    latencyMs: summarize(latencies),
    perConfirm: {
      redisCommands: per(redisCommands),
      http: Object.fromEntries([...requests].sort((a, b) => b[1] - a[1]).map(([k, n]) => [k, per(n)])),
    },
    cpuPerConfirmMs: { product: per(cpu.product), productSystem: per(productSystemUs / 1000), exchange: per(cpu.exchange), redis: per(cpu.redis) },
  }),
);
session.disconnect();
admin.disconnect();
await app.close();
await sim.close();
