/**
 * One peer client under `--cpu-prof` against a paper exchange in another process; the profile is
 * kept for reading with profile-summary.js.
 *   node --import ./dist-bench/bench/lib/use-dist.js dist-bench/bench/tools/profile-peer.js <client> <dir> [count]
 */
import { benchScript, runJsonScript, useDistArgs } from '../lib/child.js';
import { startSimChild } from '../support/sim-child.js';

const [client = 'ours', dir = '/tmp/peer-prof', count = '3000'] = process.argv.slice(2);
const sim = await startSimChild();
try {
  const env = { BENCH_SIM_URL: sim.restUrl, BENCH_SIM_API_KEY: sim.apiKey, BENCH_SIM_API_SECRET: sim.apiSecret };
  console.log(JSON.stringify(await runJsonScript([...useDistArgs(), '--cpu-prof', `--cpu-prof-dir=${dir}`, benchScript('peers/peer-client.js'), client, count, '300'], { env })));
} finally {
  await sim.close();
}
