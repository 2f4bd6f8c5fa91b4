/**
 * The one retry delay every reconnect and retry loop waits (src/backoff.ts): exponential, capped,
 * with equal jitter.
 */
import { describe, expect, it } from 'vitest';
import { backoffDelayMs } from '../src/backoff.js';

describe('backoffDelayMs', () => {
  it('doubles from initialMs, caps at maxMs, and jitters within the upper half of each step', () => {
    const bounds = { initialMs: 500, maxMs: 30_000 };
    expect(backoffDelayMs(0, bounds, () => 0)).toBe(250);
    expect(backoffDelayMs(0, bounds, () => 0.999999)).toBe(500);
    expect(backoffDelayMs(3, bounds, () => 0)).toBe(2_000);
    expect(backoffDelayMs(3, bounds, () => 0.999999)).toBe(4_000);
    for (const failures of [7, 20, 1_000]) {
      expect(backoffDelayMs(failures, bounds, () => 0)).toBe(15_000);
      expect(backoffDelayMs(failures, bounds, () => 0.999999)).toBe(30_000);
    }
  });

  it('stays within its bounds for real random draws, and an unbounded cap keeps doubling', () => {
    for (let failures = 0; failures < 12; failures++) {
      const step = Math.min(5_000, 200 * 2 ** failures);
      const wait = backoffDelayMs(failures, { initialMs: 200, maxMs: 5_000 });
      expect(wait).toBeGreaterThanOrEqual(step / 2);
      expect(wait).toBeLessThanOrEqual(step);
    }
    expect(backoffDelayMs(10, { initialMs: 250, maxMs: Infinity }, () => 0)).toBe(128_000);
  });
});
