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
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

interface RawSnapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]]; edge_fields: string[]; edge_types: [string[], ...unknown[]] } };
  nodes: number[];
  edges: number[];
  strings: string[];
}

interface Graph {
  label: string;
  count: number;
  type: Uint8Array;
  name: Uint32Array;
  id: Uint32Array;
  self: Float64Array;
  /** Edges of node n: firstEdge[n] .. firstEdge[n + 1]. */
  firstEdge: Uint32Array;
  edgeType: Uint8Array;
  edgeName: Uint32Array;
  edgeTo: Uint32Array;
  strings: string[];
  nodeTypes: string[];
  edgeTypes: string[];
  classOf: Uint32Array;
  classes: string[];
  idom: Int32Array;
  retained: Float64Array;
  byId: Map<number, number>;
}

function load(path: string): Graph {
  const raw = JSON.parse(readFileSync(path, 'utf8')) as RawSnapshot;
  const meta = raw.snapshot.meta;
  const nf = meta.node_fields.length;
  const ef = meta.edge_fields.length;
  const at = (fields: string[], name: string) => {
    const i = fields.indexOf(name);
    if (i < 0) throw new Error(`${path}: no ${name} field`);
    return i;
  };
  const [nType, nName, nId, nSelf, nEdges] = ['type', 'name', 'id', 'self_size', 'edge_count'].map((f) => at(meta.node_fields, f)) as [number, number, number, number, number];
  const [eType, eName, eTo] = ['type', 'name_or_index', 'to_node'].map((f) => at(meta.edge_fields, f)) as [number, number, number];
  const count = raw.nodes.length / nf;
  const g: Graph = {
    label: basename(path).replace(/\.heapsnapshot$/, ''),
    count,
    type: new Uint8Array(count),
    name: new Uint32Array(count),
    id: new Uint32Array(count),
    self: new Float64Array(count),
    firstEdge: new Uint32Array(count + 1),
    edgeType: new Uint8Array(raw.edges.length / ef),
    edgeName: new Uint32Array(raw.edges.length / ef),
    edgeTo: new Uint32Array(raw.edges.length / ef),
    strings: raw.strings,
    nodeTypes: meta.node_types[0],
    edgeTypes: meta.edge_types[0],
    classOf: new Uint32Array(count),
    classes: [],
    idom: new Int32Array(count).fill(-1),
    retained: new Float64Array(count),
    byId: new Map(),
  };
  let edge = 0;
  for (let n = 0; n < count; n++) {
    const base = n * nf;
    g.type[n] = raw.nodes[base + nType]!;
    g.name[n] = raw.nodes[base + nName]!;
    g.id[n] = raw.nodes[base + nId]!;
    g.self[n] = raw.nodes[base + nSelf]!;
    g.firstEdge[n] = edge;
    edge += raw.nodes[base + nEdges]!;
    g.byId.set(g.id[n]!, n);
  }
  g.firstEdge[count] = edge;
  for (let e = 0; e < g.edgeTo.length; e++) {
    g.edgeType[e] = raw.edges[e * ef + eType]!;
    g.edgeName[e] = raw.edges[e * ef + eName]!;
    g.edgeTo[e] = raw.edges[e * ef + eTo]! / nf;
  }
  const classIndex = new Map<string, number>();
  for (let n = 0; n < count; n++) {
    const cls = classNameOf(g, n);
    let c = classIndex.get(cls);
    if (c === undefined) {
      c = g.classes.length;
      g.classes.push(cls);
      classIndex.set(cls, c);
    }
    g.classOf[n] = c;
  }
  dominators(g);
  return g;
}

/** Grouped as DevTools' summary view groups them: objects by constructor, the rest by kind. */
function classNameOf(g: Graph, n: number): string {
  const type = g.nodeTypes[g.type[n]!]!;
  const name = g.strings[g.name[n]!]!;
  switch (type) {
    case 'object':
      // Plain objects are told apart by their first properties: a fill, a job and a ticker are all "Object".
      return name === 'Object' ? `Object{${propertyNames(g, n, 4).join(',')}}` : name.length > 60 ? `${name.slice(0, 57)}...` : name;
    case 'native':
    case 'synthetic':
    case 'hidden':
      return name.length > 60 ? `${name.slice(0, 57)}...` : name;
    case 'array':
      return `(array ${name})`;
    case 'string':
    case 'concatenated string':
    case 'sliced string':
      return '(string)';
    case 'closure':
      return '(closure)';
    case 'code':
      return '(compiled code)';
    case 'number':
      return '(heap number)';
    default:
      return `(${type})`;
  }
}

function propertyNames(g: Graph, n: number, max: number): string[] {
  const out: string[] = [];
  for (let e = g.firstEdge[n]!; e < g.firstEdge[n + 1]! && out.length < max; e++) {
    if (g.edgeTypes[g.edgeType[e]!] !== 'property') continue;
    const key = g.strings[g.edgeName[e]!]!;
    if (key !== '__proto__' && key !== 'map') out.push(key);
  }
  return out;
}

const isWeak = (g: Graph, e: number) => g.edgeTypes[g.edgeType[e]!] === 'weak';

/** Immediate dominators (Cooper, Harvey & Kennedy's iteration over reverse postorder) and retained sizes. */
function dominators(g: Graph): void {
  const post = new Int32Array(g.count).fill(-1);
  const order: number[] = [];
  const stack: Array<[number, number]> = [[0, g.firstEdge[0]!]];
  const seen = new Uint8Array(g.count);
  seen[0] = 1;
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    const [n, e] = top;
    if (e < g.firstEdge[n + 1]!) {
      top[1] = e + 1;
      const to = g.edgeTo[e]!;
      if (!isWeak(g, e) && !seen[to]) {
        seen[to] = 1;
        stack.push([to, g.firstEdge[to]!]);
      }
    } else {
      post[n] = order.length;
      order.push(n);
      stack.pop();
    }
  }
  const predCount = new Uint32Array(g.count + 1);
  for (let n = 0; n < g.count; n++) {
    if (post[n]! < 0) continue;
    for (let e = g.firstEdge[n]!; e < g.firstEdge[n + 1]!; e++) if (!isWeak(g, e)) predCount[g.edgeTo[e]! + 1]! += 1;
  }
  for (let n = 0; n < g.count; n++) predCount[n + 1]! += predCount[n]!;
  const preds = new Uint32Array(predCount[g.count]!);
  const fill = predCount.slice();
  for (let n = 0; n < g.count; n++) {
    if (post[n]! < 0) continue;
    for (let e = g.firstEdge[n]!; e < g.firstEdge[n + 1]!; e++) if (!isWeak(g, e)) preds[fill[g.edgeTo[e]!]!++] = n;
  }
  const idom = g.idom;
  idom[0] = 0;
  const intersect = (a: number, b: number) => {
    while (a !== b) {
      while (post[a]! < post[b]!) a = idom[a]!;
      while (post[b]! < post[a]!) b = idom[b]!;
    }
    return a;
  };
  for (let changed = true; changed; ) {
    changed = false;
    for (let i = order.length - 2; i >= 0; i--) {
      const n = order[i]!;
      let next = -1;
      for (let p = predCount[n]!; p < predCount[n + 1]!; p++) {
        const pred = preds[p]!;
        if (idom[pred]! < 0) continue;
        next = next < 0 ? pred : intersect(pred, next);
      }
      if (next !== idom[n]) {
        idom[n] = next;
        changed = true;
      }
    }
  }
  for (const n of order) g.retained[n] = g.self[n]!;
  for (const n of order) if (n !== 0) g.retained[idom[n]!]! += g.retained[n]!;
}

interface ClassStats {
  count: number;
  self: number;
  retained: number;
}

function classStats(g: Graph): Map<string, ClassStats> {
  const stats = g.classes.map(() => ({ count: 0, self: 0, retained: 0 }));
  for (let n = 0; n < g.count; n++) {
    if (g.idom[n]! < 0) continue;
    const s = stats[g.classOf[n]!]!;
    s.count += 1;
    s.self += g.self[n]!;
  }
  // Retained per type: an object counts unless another of its type dominates it (a walk of the dominator tree).
  const children = childrenOf(g);
  const active = new Uint32Array(g.classes.length);
  const stack: Array<[number, number]> = [[0, 0]];
  enter(0);
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    const kids = children.get(top[0]) ?? [];
    if (top[1] < kids.length) {
      const kid = kids[top[1]++]!;
      enter(kid);
      stack.push([kid, 0]);
    } else {
      active[g.classOf[top[0]]!]! -= 1;
      stack.pop();
    }
  }
  return new Map(g.classes.map((c, i) => [c, stats[i]!]));

  function enter(n: number) {
    const c = g.classOf[n]!;
    if (active[c] === 0) stats[c]!.retained += g.retained[n]!;
    active[c]! += 1;
  }
}

const childrenCache = new WeakMap<Graph, Map<number, number[]>>();
function childrenOf(g: Graph): Map<number, number[]> {
  let map = childrenCache.get(g);
  if (!map) {
    map = new Map();
    for (let n = 1; n < g.count; n++) {
      const d = g.idom[n]!;
      if (d < 0) continue;
      const list = map.get(d);
      if (list) list.push(n);
      else map.set(d, [n]);
    }
    childrenCache.set(g, map);
  }
  return map;
}

/** The chain of dominators from the root to n, each with the edge that leads on: who holds n. */
function holderPath(g: Graph, n: number, maxSteps = 14): string {
  const chain: number[] = [];
  for (let at = n; at !== 0 && at >= 0 && chain.length < 60; at = g.idom[at]!) chain.push(at);
  chain.reverse();
  const parts: string[] = [];
  let prev = 0;
  for (const node of chain) {
    let via = '';
    for (let e = g.firstEdge[prev]!; e < g.firstEdge[prev + 1]!; e++) {
      if (g.edgeTo[e] !== node) continue;
      const kind = g.edgeTypes[g.edgeType[e]!]!;
      via = kind === 'element' || kind === 'hidden' ? `[${g.edgeName[e]}]` : `.${g.strings[g.edgeName[e]!]}`;
      break;
    }
    parts.push(`${via || '~'} ${describe(g, node)}`);
    prev = node;
  }
  const shown = parts.length > maxSteps ? [...parts.slice(0, 3), '…', ...parts.slice(-(maxSteps - 3))] : parts;
  return shown.join(' → ');
}

/** A shortest path from the root to n (what DevTools lists first under Retainers), for objects held in more than one way. */
function retainerPath(g: Graph, n: number, maxSteps = 14): string {
  let parents = parentCache.get(g);
  if (!parents) {
    parents = new Int32Array(g.count).fill(-1);
    parents[0] = 0;
    const queue = new Uint32Array(g.count);
    let head = 0;
    let tail = 0;
    queue[tail++] = 0;
    while (head < tail) {
      const at = queue[head++]!;
      for (let e = g.firstEdge[at]!; e < g.firstEdge[at + 1]!; e++) {
        const to = g.edgeTo[e]!;
        if (isWeak(g, e) || parents[to]! >= 0) continue;
        parents[to] = e;
        queue[tail++] = to;
      }
    }
    parentCache.set(g, parents);
  }
  const edgeFrom = (e: number) => {
    let lo = 0;
    let hi = g.count;
    while (lo + 1 < hi) {
      const mid = (lo + hi) >>> 1;
      if (g.firstEdge[mid]! <= e) lo = mid;
      else hi = mid;
    }
    return lo;
  };
  const parts: string[] = [];
  for (let at = n; at !== 0 && parents[at]! >= 0 && parts.length < 60; ) {
    const e = parents[at]!;
    const kind = g.edgeTypes[g.edgeType[e]!]!;
    const via = kind === 'element' || kind === 'hidden' ? `[${g.edgeName[e]}]` : `.${g.strings[g.edgeName[e]!]}`;
    parts.push(`${via} ${describe(g, at)}`);
    at = edgeFrom(e);
  }
  parts.reverse();
  const shown = parts.length > maxSteps ? [...parts.slice(0, 3), '…', ...parts.slice(-(maxSteps - 3))] : parts;
  return shown.join(' → ');
}
const parentCache = new WeakMap<Graph, Int32Array>();

function describe(g: Graph, n: number): string {
  const type = g.nodeTypes[g.type[n]!]!;
  const name = g.strings[g.name[n]!]!.replace(/\s+/g, ' ');
  const short = name.length > 40 ? `${name.slice(0, 37)}...` : name;
  return type === 'object' || type === 'native' || type === 'synthetic' || type === 'hidden' ? short || `(${type})` : `(${type}${short ? ` ${short}` : ''})`;
}

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
