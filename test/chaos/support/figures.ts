/**
 * Each reliability suite records what it did (trials, faults, orders, duplicates, …) as one JSON
 * file under test-results/reliability/, and prints it: docs/RELIABILITY.md quotes these figures.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { FULL_RUN } from './scale.js';

const DIR = resolve(import.meta.dirname, '../../../test-results/reliability');

export type Figures = Record<string, number | string | boolean | Record<string, number>>;

export function recordFigures(suite: string, figures: Figures): void {
  const entry = { suite, full: FULL_RUN, at: new Date().toISOString(), ...figures };
  mkdirSync(DIR, { recursive: true });
  writeFileSync(resolve(DIR, `${suite}${FULL_RUN ? '' : '.short'}.json`), `${JSON.stringify(entry, null, 2)}\n`);
  console.log(`[reliability] ${suite}: ${JSON.stringify(figures)}`);
}

/** Adds one to a named counter. */
export function tally(counts: Record<string, number>, key: string, by = 1): void {
  counts[key] = (counts[key] ?? 0) + by;
}
