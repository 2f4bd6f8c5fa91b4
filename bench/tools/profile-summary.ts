/**
 * Reads a V8 CPU profile (`node --cpu-prof`) and prints where the time went: self time by
 * package (node_modules/<name>, the project's own dist/ files, node internals, GC, idle) and the
 * top functions by self time. How the causes in docs/BENCHMARKS.md were found.
 *
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof … ; node dist-bench/bench/tools/profile-summary.js /tmp/prof/<file>.cpuprofile… [top] [--samples]
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

function bucketOf(url: string, name: string): string {
  if (name === '(garbage collector)') return '(gc)';
  if (name === '(idle)') return '(idle)';
  if (name === '(program)') return '(program)';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1]!;
  const own = /\/(dist|dist-bench)\/(.*)$/.exec(url);
  if (own) return `${own[1]}/${own[2]!.split('/').slice(0, -1).join('/') || '.'}`;
  if (url.startsWith('node:')) return url.split('/')[0]!.replace(/^node:internal.*/, 'node:internal');
  return url === '' ? '(native)' : url;
}

type Summary = { totalMs: number; buckets: Array<[string, number]>; functions: Array<[string, number]> };

export function summarizeProfile(profile: Profile): Summary {
  return summarizeProfiles([profile]);
}

/** The median interval between samples, µs. */
function medianDelta(profile: Profile): number {
  const sorted = [...profile.timeDeltas].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

/**
 * Self time summed over several profiles (e.g. one per measured round). A sample's time is the
 * wall time since the previous one, so on a loaded machine the time the thread spent descheduled
 * lands on whatever ran when it resumed (typically a socket write that woke another process);
 * `bySamples` instead counts each sample as one median interval, which approximates CPU time.
 */
export function summarizeProfiles(profiles: Profile[], bySamples = false): Summary {
  const buckets = new Map<string, number>();
  const functions = new Map<string, number>();
  let total = 0;
  for (const profile of profiles) {
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    const selfUs = new Map<number, number>();
    const interval = medianDelta(profile);
    profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (bySamples ? interval : (profile.timeDeltas[i] ?? 0))));
    for (const [id, us] of selfUs) {
      const node = byId.get(id)!;
      const { url, functionName, lineNumber } = node.callFrame;
      total += us;
      const bucket = bucketOf(url, functionName);
      buckets.set(bucket, (buckets.get(bucket) ?? 0) + us);
      const fn = `${functionName || '(anonymous)'} ${url.replace(/^.*\/(node_modules|dist|dist-bench)\//, '$1/')}:${lineNumber + 1}`;
      functions.set(fn, (functions.get(fn) ?? 0) + us);
    }
  }
  const sorted = (m: Map<string, number>) => [...m.entries()].sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, v / 1000] as [string, number]);
  return { totalMs: total / 1000, buckets: sorted(buckets), functions: sorted(functions) };
}

if (process.argv[1]?.endsWith('profile-summary.js')) {
  const args = process.argv.slice(2);
  const files = args.filter((a) => a.endsWith('.cpuprofile'));
  if (files.length === 0) throw new Error('usage: profile-summary.js <file.cpuprofile>… [top]');
  const top = Number(args.find((a) => /^\d+$/.test(a)) ?? 30);
  const profiles = files.map((file) => JSON.parse(readFileSync(file, 'utf8')) as Profile);
  const { totalMs, buckets, functions } = summarizeProfiles(profiles, args.includes('--samples'));
  const busy = totalMs - (buckets.find(([b]) => b === '(idle)')?.[1] ?? 0);
  console.log(`profile: ${totalMs.toFixed(0)} ms sampled, ${busy.toFixed(0)} ms busy`);
  console.log('\nself time by package (% of busy):');
  for (const [name, ms] of buckets.slice(0, top)) if (name !== '(idle)') console.log(`  ${((100 * ms) / busy).toFixed(1).padStart(5)}%  ${ms.toFixed(0).padStart(7)} ms  ${name}`);
  console.log('\ntop functions by self time:');
  for (const [name, ms] of functions.slice(0, top)) if (!name.startsWith('(idle)')) console.log(`  ${((100 * ms) / busy).toFixed(1).padStart(5)}%  ${ms.toFixed(0).padStart(7)} ms  ${name}`);
}
