/**
 * Where an object of a heap snapshot is held: its dominator chain (who alone keeps it) and a
 * shortest path from the root (how it is reached when several hold it), written as DevTools'
 * retainers view writes them, edge names and object types.
 */
import { isWeak, type Graph } from './heap-graph.js';

/** The chain of dominators from the root to n, each with the edge that leads on: who holds n. */
export function holderPath(g: Graph, n: number, maxSteps = 14): string {
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
export function retainerPath(g: Graph, n: number, maxSteps = 14): string {
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
