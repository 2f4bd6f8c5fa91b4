/**
 * Where the time of one Confirm goes, stage by stage, over sequential confirmations on the
 * production wiring: bot → trading.confirm → job active in the worker → exchange requests → POST
 * at the exchange. Prints the median and p90 of each stage's end, relative to the press.
 *   node --import ./dist-bench/bench/lib/use-dist.js dist-bench/bench/tools/trace-confirm.js [count]
 */
import { subscribe } from 'node:diagnostics_channel';
import type { ClientRequest } from 'node:http';
import { clientOrderIdOf } from '../../src/trading/intent-store.js';
import { benchUsers, startBenchApp } from '../support/bench-app.js';
import { startSimChild } from '../support/sim-child.js';
import { epochMs, summarize } from '../lib/stats.js';

const count = Number(process.argv[2] ?? 200);
const sim = await startSimChild();
const [user] = benchUsers(1);
const app = await startBenchApp({ sim, users: [user!] });

let marks: Record<string, number> = {};
const mark = (name: string) => {
  if (marks[name] === undefined) marks[name] = epochMs();
};
subscribe('http.client.request.start', (m) => {
  const req = (m as { request: ClientRequest }).request;
  if (req.host === '127.0.0.1' && req.path.startsWith('/api/v3/')) mark(`send ${req.method} ${req.path.split('?')[0]}`);
  else if (req.path.startsWith('/bot')) mark(`Telegram ${req.path.split('/').pop()} sent`);
});
subscribe('http.client.response.finish', (m) => {
  const req = (m as { request: ClientRequest }).request;
  if (req.host === '127.0.0.1' && req.path.startsWith('/api/v3/')) mark(`answer ${req.method} ${req.path.split('?')[0]}`);
});
const service = app.stack.service;
const confirm = service.confirm.bind(service);
service.confirm = async (...args) => {
  mark('confirm() called');
  try {
    return await confirm(...args);
  } finally {
    mark('confirm() returned');
  }
};
app.orderWorker!.worker.on('active', () => mark('job active in worker'));

const stages = new Map<string, number[]>();
for (let i = 0; i < count + 30; i++) {
  const card = await app.card(user!, '/buy BTCUSDT 0.001');
  marks = {};
  const t0 = epochMs();
  const handled = app.bot.handleUpdate(app.confirmUpdate(user!, card) as never);
  const arrived = await sim.arrival(clientOrderIdOf(card.intentId));
  await handled;
  await app.filled(user!, card);
  if (i < 30) continue;
  for (const [name, at] of Object.entries({ ...marks, 'POST arrived at exchange': arrived })) {
    if (!stages.has(name)) stages.set(name, []);
    stages.get(name)!.push(at - t0);
  }
}
const rows = [...stages.entries()].map(([name, v]) => [name, summarize(v)] as const).sort((a, b) => a[1].p50 - b[1].p50);
for (const [name, s] of rows) console.log(`${String(s.p50).padStart(8)} ms median ${String(s.p90).padStart(8)} ms p90  ${name} (n=${s.n})`);
await app.close();
await sim.close();
