/**
 * Compares V8 heap snapshots of one process (the soak's `--heap-snapshots` writes them):
 *   node --max-old-space-size=4096 node_modules/.cache/chatops-soak/test/soak/heap-diff.js \
 *     test-results/reliability/heap/{1-start,2-middle,3-end}.heapsnapshot [--top 25] [--paths 2] [--min-kb 200] [--class TYPE]
 *
 * Prints, per snapshot, the live heap; per type (constructor for objects) the count, self bytes
 * and retained bytes (objects of a type not held by another of the same type, so nothing is
 * counted twice) in each snapshot, the types that grew most first; the objects whose retained
 * size grew most, with the path that holds them; and, with three snapshots, the objects created
 * between the first two that are still alive in the last (what a leak leaves behind), by type,
 * with sample paths. Objects are matched across snapshots by V8's object id, which stays the same
 * for an object for the life of the process. `--class` shows only that type's survivors (as the
 * types table names it, e.g. 'Object{symbol,price,qty,quoteQty}').
 */
import { childrenOf, classStats, load, type Graph } from './heap-graph.js';
import { holderPath, retainerPath } from './heap-paths.js';

/** The survivors of one type grouped by the end of the path that reaches them (indices left out): which structure keeps them. */
function printHolders(last: Graph, a: Graph, b: Graph, cls: string, top: number): void {
  const groups = new Map<string, { count: number; self: number }>();
  for (let n = 0; n < last.count; n++) {
    if (last.idom[n]! < 0 || last.classes[last.classOf[n]!] !== cls) continue;
    const id = last.id[n]!;
    if (a.byId.has(id) || !b.byId.has(id)) continue;
    const path = retainerPath(last, n, 60).split(' → ').slice(-5).join(' → ').replace(/\[\d+\]|\.\d+ /g, (m) => (m.startsWith('[') ? '[#]' : '.# ')).replace(/\(string [^)]*\)/g, '(string)');
    const g = groups.get(path) ?? { count: 0, self: 0 };
    g.count += 1;
    g.self += last.self[n]!;
    groups.set(path, g);
  }
  console.log(`  ${cls} survivors by what reaches them:`);
  for (const [path, g] of [...groups].sort((x, y) => y[1].self - x[1].self).slice(0, top)) console.log(`${pad(g.count, 8)} ${pad(kb(g.self), 9)} KB  ${path}`);
}

const mb = (bytes: number) => (bytes / 1e6).toFixed(2);
const kb = (bytes: number) => (bytes / 1e3).toFixed(1);
const pad = (s: string | number, w: number) => String(s).padStart(w);

function main(): void {
  const args = process.argv.slice(2);
  const option = (name: string, fallback: number) => {
    const at = args.indexOf(`--${name}`);
    return at >= 0 ? Number(args.splice(at, 2)[1]) : fallback;
  };
  const top = option('top', 25);
  const paths = option('paths', 2);
  const minGrowth = option('min-kb', 200) * 1000;
  const classAt = args.indexOf('--class');
  const wanted = classAt >= 0 ? args.splice(classAt, 2)[1] : undefined;
  if (args.length < 2) throw new Error('usage: heap-diff <first.heapsnapshot> <second.heapsnapshot> [<third.heapsnapshot>] [--top N] [--paths N] [--min-kb N] [--class TYPE]');
  const graphs = args.map((path) => {
    const started = Date.now();
    const g = load(path);
    let live = 0;
    let nodes = 0;
    for (let n = 0; n < g.count; n++) {
      if (g.idom[n]! < 0) continue;
      live += g.self[n]!;
      nodes += 1;
    }
    console.log(`${g.label}: ${mb(live)} MB live in ${nodes} objects (${g.count} nodes in the file; read in ${((Date.now() - started) / 1000).toFixed(1)} s)`);
    return g;
  });
  const first = graphs[0]!;
  const last = graphs[graphs.length - 1]!;
  const stats = graphs.map(classStats);

  const names = new Set(stats.flatMap((s) => [...s.keys()]));
  const zero = { count: 0, self: 0, retained: 0 };
  const rows = [...names].map((cls) => {
    const per = stats.map((s) => s.get(cls) ?? zero);
    return { cls, per, grewSelf: per.at(-1)!.self - per[0]!.self, grewCount: per.at(-1)!.count - per[0]!.count };
  });
  rows.sort((a, b) => b.grewSelf - a.grewSelf);
  console.log(`\nTypes by growth of self size, ${first.label} → ${last.label} (count / self KB / retained KB in each snapshot):`);
  for (const r of rows.slice(0, top)) {
    const cells = r.per.map((p) => `${pad(p.count, 7)} ${pad(kb(p.self), 9)} ${pad(kb(p.retained), 9)}`).join(' |');
    console.log(`${pad(`+${r.grewCount}`, 8)} ${pad(`+${kb(r.grewSelf)}`, 9)} KB  ${cells}  ${r.cls}`);
  }

  // Objects whose retained size grew most; a holder whose growth is mostly one held object's is left out for that object.
  const grewOf = (n: number) => {
    const before = first.byId.get(last.id[n]!);
    return last.retained[n]! - (before === undefined ? 0 : first.retained[before]!);
  };
  const children = childrenOf(last);
  const holders: Array<{ n: number; grew: number }> = [];
  for (let n = 1; n < last.count; n++) {
    if (last.idom[n]! < 0) continue;
    const grew = grewOf(n);
    if (grew < minGrowth) continue;
    const maxKid = Math.max(0, ...(children.get(n) ?? []).map(grewOf));
    if (maxKid < 0.8 * grew) holders.push({ n, grew });
  }
  holders.sort((a, b) => b.grew - a.grew);
  console.log(`\nObjects whose retained size grew most (≥ ${minGrowth / 1000} KB), ${first.label} → ${last.label}:`);
  for (const { n, grew } of holders.slice(0, top)) {
    const before = first.byId.get(last.id[n]!);
    console.log(`  +${mb(grew)} MB (${before === undefined ? 'new' : mb(first.retained[before]!)} → ${mb(last.retained[n]!)} MB, ${(children.get(n) ?? []).length} held) ${holderPath(last, n)}`);
    console.log(`      reached ${retainerPath(last, n)}`);
  }

  if (graphs.length >= 3) {
    const [a, b] = graphs as [Graph, Graph];
    const survivors = new Map<string, { count: number; self: number; sample: number[] }>();
    for (let n = 0; n < last.count; n++) {
      if (last.idom[n]! < 0) continue;
      const id = last.id[n]!;
      if (a.byId.has(id) || !b.byId.has(id)) continue;
      const cls = last.classes[last.classOf[n]!]!;
      const s = survivors.get(cls) ?? { count: 0, self: 0, sample: [] };
      s.count += 1;
      s.self += last.self[n]!;
      if (s.sample.length < paths) s.sample.push(n);
      survivors.set(cls, s);
    }
    const sorted = [...survivors].filter(([cls]) => wanted === undefined || cls === wanted).sort((x, y) => y[1].self - x[1].self);
    const total = sorted.reduce((sum, [, s]) => sum + s.self, 0);
    const totalCount = sorted.reduce((sum, [, s]) => sum + s.count, 0);
    console.log(`\nCreated between ${a.label} and ${b.label}, still alive at ${last.label}: ${totalCount} objects, ${mb(total)} MB self`);
    if (wanted !== undefined) printHolders(last, a, b, wanted, top);
    for (const [cls, s] of sorted.slice(0, top)) {
      console.log(`${pad(s.count, 8)} ${pad(kb(s.self), 9)} KB  ${cls}`);
      for (const n of s.sample) console.log(`           held by ${holderPath(last, n)}\n           reached ${retainerPath(last, n)}`);
    }
  }
}

main();
