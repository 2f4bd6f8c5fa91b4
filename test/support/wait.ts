/**
 * Waiting for a value that real processes (BullMQ workers, the simulator, the fake Bot API)
 * produce asynchronously. A condition is `expect.poll(…).toBeTruthy()` (its defaults are in
 * vitest.config.ts); this is `vi.waitFor` for a probe that answers the value once it exists and
 * undefined (or false) until then. The deadline only turns a hang into a readable failure.
 */
import { vi } from 'vitest';

export function eventually<T>(probe: () => Promise<T | undefined | false> | T | undefined | false, what: string, timeoutMs = 15_000): Promise<T> {
  return vi.waitFor(
    async () => {
      const value = await probe();
      if (value === undefined || value === false) throw new Error(`timed out waiting for ${what}`);
      return value;
    },
    { timeout: timeoutMs, interval: 25 },
  );
}

export { sleep } from '../../src/sleep.js';
