/**
 * Module resolve hook (node:module `register`): every import of the project's source compiled
 * into dist-bench/src/ is served from dist/ instead — the output of `npm run build`, which is
 * what `node dist/main.js` runs. tsc compiles bench/ against src/ for its types (and so emits a
 * copy of src/ under dist-bench/), but the benchmarks measure the built product, one copy of
 * each module, with dist/'s relative asset paths.
 */
const compiledSrc = new URL('../../src/', import.meta.url).href;
const dist = new URL('../../../dist/', import.meta.url).href;

interface Resolved {
  url: string;
  format?: string | null;
}

export async function resolve(specifier: string, context: unknown, next: (specifier: string, context: unknown) => Promise<Resolved>): Promise<Resolved> {
  const resolved = await next(specifier, context);
  return resolved.url.startsWith(compiledSrc) ? { ...resolved, url: dist + resolved.url.slice(compiledSrc.length) } : resolved;
}
