/**
 * Scenario 7: the cost of one signed order request with this project's REST client against ccxt
 * and the `binance` npm SDK (and plain node:http as the floor), same exchange endpoint, same
 * order, one connection, requests one after another.
 *
 * The paper exchange runs in its own process (sim-child.ts), so only the client's CPU is counted.
 * Each client runs in a fresh process per round, rounds interleaved (ours, ccxt, binance, floor,
 * ours, …); the figure per client is its best round (most requests per second, least CPU per
 * request): other work on a shared machine can only ever make a round slower, never faster.
 * One more run of our client, profiled over its measured requests only (the V8 profiler through
 * node:inspector), says where its CPU goes (bench/tools/profile-summary.ts), in the same run.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchScript, runJsonScript, useDistArgs } from '../lib/child.js';
import { round3 } from '../lib/stats.js';
import type { Row, ScenarioContext, ScenarioResult } from '../lib/types.js';
import type { PeerClient, PeerRun } from '../peers/peer-client.js';
import { startSimChild } from '../support/sim-child.js';
import { summarizeProfile } from '../tools/profile-summary.js';

const CLIENTS: PeerClient[] = ['ours', 'ccxt', 'binance', 'node-http'];
const LABEL: Record<PeerClient, string> = { ours: 'this project (rest-client.ts)', ccxt: 'ccxt', binance: 'binance (tiagosiebler SDK)', 'node-http': 'plain node:http + crypto (floor)' };

export async function peers(ctx: ScenarioContext): Promise<ScenarioResult> {
  const rounds = ctx.quick ? 2 : 3;
  const count = ctx.quick ? 800 : 4000;
  const warmup = ctx.quick ? 200 : 500;
  const sim = await startSimChild();
  const env = { BENCH_SIM_URL: sim.restUrl, BENCH_SIM_API_KEY: sim.apiKey, BENCH_SIM_API_SECRET: sim.apiSecret };
  const runs: PeerRun[] = [];
  let profile: ReturnType<typeof summarizeProfile> | undefined;
  try {
    for (let r = 0; r < rounds; r++) {
      for (const client of CLIENTS) {
        ctx.log(`peers: round ${r + 1}/${rounds}, ${client}`);
        runs.push(await runJsonScript<PeerRun>([...useDistArgs(), benchScript('peers/peer-client.js'), client, String(count), String(warmup)], { env }));
      }
    }
    ctx.log('peers: CPU profile of our client');
    const dir = mkdtempSync(join(tmpdir(), 'bench-prof-'));
    try {
      const file = join(dir, 'ours.cpuprofile');
      await runJsonScript<PeerRun>([...useDistArgs(), benchScript('peers/peer-client.js'), 'ours', String(count), String(warmup)], { env: { ...env, BENCH_PROFILE: file } });
      profile = summarizeProfile(JSON.parse(readFileSync(file, 'utf8')));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  } finally {
    await sim.close();
  }

  const byClient = Object.fromEntries(
    CLIENTS.map((c) => {
      const mine = runs.filter((run) => run.client === c);
      return [
        c,
        {
          requestsPerSecond: Math.max(...mine.map((m) => m.requestsPerSecond)),
          cpuUsPerRequest: Math.min(...mine.map((m) => m.cpuUsPerRequest)),
          latencyP50Ms: Math.min(...mine.map((m) => m.latencyMs.p50)),
          latencyP99Ms: Math.min(...mine.map((m) => m.latencyMs.p99)),
        },
      ];
    }),
  ) as Record<PeerClient, { requestsPerSecond: number; cpuUsPerRequest: number; latencyP50Ms: number; latencyP99Ms: number }>;

  const fasterPeer = byClient.ccxt.requestsPerSecond >= byClient.binance.requestsPerSecond ? 'ccxt' : 'binance';
  const cheaperPeer = byClient.ccxt.cpuUsPerRequest <= byClient.binance.cpuUsPerRequest ? 'ccxt' : 'binance';
  const x = (v: number) => `${round3(v).toFixed(2)}×`;
  const rows: Row[] = [];
  for (const c of CLIENTS) {
    const s = byClient[c];
    rows.push({
      what: `${LABEL[c]}: signed test orders per second, one connection`,
      unit: 'req/s',
      value: s.requestsPerSecond,
      ...(c === 'ours'
        ? {
            target: { on: 'value', op: '>=', value: byClient[fasterPeer].requestsPerSecond, text: `≥ the faster peer (${fasterPeer})` },
            peers: `ccxt ${x(s.requestsPerSecond / byClient.ccxt.requestsPerSecond)}, binance ${x(s.requestsPerSecond / byClient.binance.requestsPerSecond)}, floor ${x(s.requestsPerSecond / byClient['node-http'].requestsPerSecond)}`,
          }
        : {}),
      note: `latency p50 ${s.latencyP50Ms} ms, p99 ${s.latencyP99Ms} ms`,
    });
    rows.push({
      what: `${LABEL[c]}: CPU per request (client process)`,
      unit: 'µs',
      value: s.cpuUsPerRequest,
      ...(c === 'ours'
        ? {
            target: { on: 'value', op: '<=', value: byClient[cheaperPeer].cpuUsPerRequest, text: `≤ the cheaper peer (${cheaperPeer})` },
            peers: `ccxt ${x(byClient.ccxt.cpuUsPerRequest / s.cpuUsPerRequest)} ours, binance ${x(byClient.binance.cpuUsPerRequest / s.cpuUsPerRequest)} ours, floor ${x(byClient['node-http'].cpuUsPerRequest / s.cpuUsPerRequest)} ours`,
          }
        : {}),
    });
  }

  const profileTop = profile && {
    requests: count,
    sampledMs: round3(profile.totalMs),
    byPackage: profile.buckets.filter(([b]) => b !== '(idle)').slice(0, 12).map(([name, ms]) => ({ name, ms: round3(ms) })),
    topFunctions: profile.functions.filter(([f]) => !f.startsWith('(idle)')).slice(0, 15).map(([name, ms]) => ({ name, ms: round3(ms) })),
  };
  return {
    id: 'peers',
    title: '7. Peers: one signed order request (POST /api/v3/order/test)',
    rows,
    details: { rounds, requestsPerRound: count, warmup, byClient, runs, ourClientProfile: profileTop },
  };
}
