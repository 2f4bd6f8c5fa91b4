/**
 * Delay before the next attempt after `failures` consecutive failures: exponential from
 * `initialMs`, capped at `maxMs`, with "equal jitter" (half the step fixed, half random), so
 * clients that failed together do not retry together, and no wait exceeds the cap. Every retry
 * loop of the product (REST reads, the user data stream, the market streams, the paper
 * exchange's market data) waits this.
 */
export function backoffDelayMs(failures: number, bounds: { initialMs: number; maxMs: number }, random: () => number = Math.random): number {
  const step = Math.min(bounds.maxMs, bounds.initialMs * 2 ** Math.min(Math.max(failures, 0), 30));
  return Math.round(step / 2 + (random() * step) / 2);
}
