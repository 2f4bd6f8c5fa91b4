/**
 * `node --import ./dist-bench/bench/lib/use-dist.js …`: installs dist-hooks.ts before the
 * benchmark's modules load. Children forked by the benchmark inherit the flag (execArgv).
 */
import { register } from 'node:module';

register('./dist-hooks.js', import.meta.url);
