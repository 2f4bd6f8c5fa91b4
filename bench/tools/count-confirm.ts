/**
 * What one Confirm costs in round trips: Redis commands (INFO commandstats) and exchange
 * requests, per confirmation, averaged over sequential confirmations on the production wiring.
 * The /buy that makes each card is counted apart from the Confirm.
 *   node --import ./dist-bench/bench/lib/use-dist.js dist-bench/bench/tools/count-confirm.js [count]
 */
import { Redis } from 'ioredis';
import { benchUsers, startBenchApp } from '../support/bench-app.js';
import { startSimChild } from '../support/sim-child.js';
import { clientOrderIdOf } from '../../src/trading/intent-store.js';
import { sleep } from '../lib/stats.js';

const count = Number(process.argv[2] ?? 50);
const sim = await startSimChild();
const [user] = benchUsers(1);
const app = await startBenchApp({ sim, users: [user!] });
const admin = new Redis(app.redis.url);

async function commandStats(): Promise<Map<string, number>> {
  const info = await admin.info('commandstats');
  const out = new Map<string, number>();
  for (const m of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) out.set(m[1]!, Number(m[2]));
  return out;
}
const diff = (a: Map<string, number>, b: Map<string, number>) => {
  const out: Record<string, number> = {};
  for (const [k, v] of b) {
    const d = v - (a.get(k) ?? 0);
    if (d > 0) out[k] = Math.round((d / count) * 100) / 100;
  }
  return out;
};
const routes = async () => (await sim.stats()).byRoute;
const diffRoutes = (a: Record<string, number>, b: Record<string, number>) =>
  Object.fromEntries(Object.entries(b).map(([k, v]) => [k, Math.round(((v - (a[k] ?? 0)) / count) * 100) / 100]).filter(([, v]) => (v as number) > 0));

for (let i = 0; i < 10; i++) {
  const card = await app.card(user!, '/buy BTCUSDT 0.001');
  await app.bot.handleUpdate(app.confirmUpdate(user!, card) as never);
  await app.filled(user!, card);
}
await sleep(500);
const cards = [];
let r0 = await routes();
let c0 = await commandStats();
for (let i = 0; i < count; i++) cards.push(await app.card(user!, '/buy BTCUSDT 0.001'));
await sleep(500);
let r1 = await routes();
let c1 = await commandStats();
console.log('per /buy (card):', JSON.stringify({ redis: diff(c0, c1), exchange: diffRoutes(r0, r1) }));
r0 = r1;
c0 = c1;
for (const card of cards) {
  await app.bot.handleUpdate(app.confirmUpdate(user!, card) as never);
  await sim.arrival(clientOrderIdOf(card.intentId));
  await app.filled(user!, card);
}
await sleep(500);
r1 = await routes();
c1 = await commandStats();
const redis = diff(c0, c1);
console.log('per Confirm (bot + order worker + alerts worker):', JSON.stringify({ redis, redisTotal: Math.round(Object.values(redis).reduce((a, b) => a + b, 0) * 100) / 100, exchange: diffRoutes(r0, r1) }));
admin.disconnect();
await app.close();
await sim.close();
