/**
 * Bursts of 50 simultaneous Confirm presses (scenario 1's third load) under different order
 * worker settings, to tell the worker's own limits from the cost of the work:
 *   node --import ./dist-bench/bench/lib/use-dist.js dist-bench/bench/tools/burst-settings.js <concurrency> <limiterMaxPerSecond> [rounds]
 */
import { clientOrderIdOf } from '../../src/trading/intent-store.js';
import { benchUsers, startBenchApp } from '../support/bench-app.js';
import { startSimChild } from '../support/sim-child.js';
import { cpuMs, epochMs, round3, sleep, summarize } from '../lib/stats.js';

const concurrency = Number(process.argv[2] ?? 4);
const perSecond = Number(process.argv[3] ?? 50);
const rounds = Number(process.argv[4] ?? 6);
const sim = await startSimChild();
const users = benchUsers(50);
const app = await startBenchApp({ sim, users, workerConcurrency: concurrency, workerLimiter: { max: perSecond, duration: 1_000 } });
const latencies: number[] = [];
let cpu = 0;
let wall = 0;
let simCpu = 0;
let redisCpu = 0;
const { Redis } = await import('ioredis');
const admin = new Redis(app.redis.url);
const redisCpuMs = async () => {
  const info = await admin.info('cpu');
  const get = (k: string) => Number(new RegExp(`${k}:([0-9.]+)`).exec(info)?.[1] ?? 0);
  return (get('used_cpu_sys') + get('used_cpu_user')) * 1000;
};
for (let r = 0; r < rounds; r++) {
  const cards = await Promise.all(users.map((u) => app.card(u, '/buy BTCUSDT 0.001')));
  await sleep(1_100); // a fresh limiter window
  const sim0 = (await sim.stats()).cpuMs;
  const redis0 = await redisCpuMs();
  const cpu0 = cpuMs();
  const t0 = epochMs();
  const starts: number[] = [];
  const handled = users.map((u, i) => {
    starts.push(epochMs());
    return app.bot.handleUpdate(app.confirmUpdate(u, cards[i]!) as never);
  });
  const arrivals = await Promise.all(cards.map((c) => sim.arrival(clientOrderIdOf(c.intentId))));
  await Promise.all(handled);
  await Promise.all(users.map((u, i) => app.filled(u, cards[i]!)));
  cpu += cpuMs() - cpu0;
  wall += epochMs() - t0;
  simCpu += (await sim.stats()).cpuMs - sim0;
  redisCpu += (await redisCpuMs()) - redis0;
  if (r > 0) arrivals.forEach((at, i) => latencies.push(at - starts[i]!));
}
admin.disconnect();
console.log(
  JSON.stringify({
    concurrency,
    perSecond,
    latencyMs: summarize(latencies),
    burstWallMs: round3(wall / rounds),
    cpuMsPerBurst: { product: round3(cpu / rounds), exchange: round3(simCpu / rounds), redis: round3(redisCpu / rounds) },
  }),
);
await app.close();
await sim.close();
