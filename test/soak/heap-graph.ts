/**
 * A V8 heap snapshot (.heapsnapshot: nodes, edges and strings as flat arrays, described by its
 * meta) read into typed arrays, with each object's type as DevTools' summary names it, its
 * immediate dominator and retained size. Used by heap-diff.ts (heap-paths.ts names where an
 * object is held).
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

interface RawSnapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]]; edge_fields: string[]; edge_types: [string[], ...unknown[]] } };
  nodes: number[];
  edges: number[];
  strings: string[];
}

export interface Graph {
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

export function load(path: string): Graph {
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

export const isWeak = (g: Graph, e: number) => g.edgeTypes[g.edgeType[e]!] === 'weak';

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

export interface ClassStats {
  count: number;
  self: number;
  retained: number;
}

export function classStats(g: Graph): Map<string, ClassStats> {
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
export function childrenOf(g: Graph): Map<number, number[]> {
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
