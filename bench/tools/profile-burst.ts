/**
 * Bursts of 50 simultaneous Confirm presses on the production wiring and worker settings, with
 * the product process's CPU profiled only while the confirmations run, one file per round
 * (<out>.<round>.cpuprofile; the /buy cards are made outside the profile), and CPU per confirmation of each process printed:
 *   node --import ./dist-bench/bench/lib/use-dist.js dist-bench/bench/tools/profile-burst.js [rounds] [/tmp/prof/burst]
 * Summarise the profiles with profile-summary.js (it sums several files). The first round is a warm-up, not counted.
 */
import { subscribe } from 'node:diagnostics_channel';
import { writeFileSync } from 'node:fs';
import type { ClientRequest } from 'node:http';
import { Session } from 'node:inspector/promises';
import { clientOrderIdOf } from '../../src/trading/intent-store.js';
import { benchUsers, startBenchApp } from '../support/bench-app.js';
import { startSimChild } from '../support/sim-child.js';
import { cpuMs, epochMs, round3, sleep, summarize } from '../lib/stats.js';

const rounds = Number(process.argv[2] ?? 6);
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
for (let r = 0; r <= rounds; r++) {
  const cards = await Promise.all(users.map((u) => app.card(u, '/buy BTCUSDT 0.001')));
  const updates = users.map((u, i) => app.confirmUpdate(u, cards[i]!));
  await sleep(1_100); // card edits settle; a fresh window of the worker's limiter
  const sim0 = (await sim.stats()).cpuMs;
  const redis0 = await app.redisCpuMs();
  if (r > 0 && out) await session.post('Profiler.start');
  const calls0 = await redisCalls();
  counting = r > 0;
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
  counting = false;
  if (r > 0) redisCommands += (await redisCalls()) - calls0 - 1; // less the INFO itself
  if (r === 0) continue;
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
