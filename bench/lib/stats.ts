/**
 * Summaries of measured samples. Percentiles are nearest-rank on the sorted samples (no
 * interpolation): p99 over 1,000 samples is the 990th smallest, a value that was really seen.
 */
import { performance } from 'node:perf_hooks';

export interface Summary {
  n: number;
  p50: number;
  p90: number;
  p99: number;
  min: number;
  max: number;
  mean: number;
}

export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/** Rounds to 3 decimals (µs when the unit is ms). */
export function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}

export function summarize(samples: readonly number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  const mean = sorted.reduce((s, v) => s + v, 0) / Math.max(1, sorted.length);
  return {
    n: sorted.length,
    p50: round3(percentile(sorted, 0.5)),
    p90: round3(percentile(sorted, 0.9)),
    p99: round3(percentile(sorted, 0.99)),
    min: round3(sorted[0] ?? Number.NaN),
    max: round3(sorted[sorted.length - 1] ?? Number.NaN),
    mean: round3(mean),
  };
}

export function median(values: readonly number[]): number {
  return percentile([...values].sort((a, b) => a - b), 0.5);
}

/**
 * Wall clock with sub-millisecond resolution, comparable across processes of one machine
 * (timeOrigin is the process start on the system clock; now() is monotonic from there).
 */
export function epochMs(): number {
  return performance.timeOrigin + performance.now();
}

/** CPU time (user + system) of this process, ms. */
export function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/** Times a synchronous task `runs` times after `warmup` untimed runs; the samples in ms, sorted. */
export function timeSync(task: () => unknown, runs: number, warmup: number): number[] {
  for (let i = 0; i < warmup; i++) task();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    task();
    times.push(performance.now() - start);
  }
  return times.sort((a, b) => a - b);
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
