/**
 * Sequential confirmations on the production wiring, for a CPU profile of the confirm path:
 *   node --import ./dist-bench/bench/lib/use-dist.js --cpu-prof --cpu-prof-dir=/tmp/prof dist-bench/bench/tools/profile-confirm.js [count]
 */
import { clientOrderIdOf } from '../../src/trading/intent-store.js';
import { benchUsers, startBenchApp } from '../support/bench-app.js';
import { startSimChild } from '../support/sim-child.js';
import { epochMs, summarize } from '../lib/stats.js';

const count = Number(process.argv[2] ?? 300);
const sim = await startSimChild();
const [user] = benchUsers(1);
const app = await startBenchApp({ sim, users: [user!] });
const latencies: number[] = [];
for (let i = 0; i < count; i++) {
  const card = await app.card(user!, '/buy BTCUSDT 0.001');
  const t0 = epochMs();
  const handled = app.bot.handleUpdate(app.confirmUpdate(user!, card) as never);
  latencies.push((await sim.arrival(clientOrderIdOf(card.intentId))) - t0);
  await handled;
  await app.filled(user!, card);
}
console.log(JSON.stringify(summarize(latencies)));
await app.close();
await sim.close();
