/**
 * The demo run twice in one directory, as a newcomer does: the private Redis keeps the first
 * run's unanswered card and its queued expiry. Message numbers go on from the first run, so that
 * expiry, due during the second run, cannot edit the second run's card: the new card stays
 * confirmable and fills.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { startDemoConsole, type DemoConsole } from '../support/demo-console.js';

describe('npm run demo, run again in the same directory', () => {
  let second: DemoConsole | undefined;
  afterAll(() => second?.close());

  it("numbers messages on from the first run, so the first run's card expiry never lands on a new card", async () => {
    const env = { CONFIRM_TTL_S: '10' };
    const first = await startDemoConsole('demo-rerun', env);
    const firstCard = await first.type('/buy BTCUSDT 100USDT', /\[(\d+)\.1\].*Confirm/);
    const firstNumber = Number(/\[(\d+)\.1\].*Confirm/.exec(firstCard)![1]);
    expect(await first.quit()).toBe(0);

    second = await startDemoConsole('demo-rerun', env, { cwd: first.cwd });
    const card = await second.type('/buy BTCUSDT 50USDT', /\[(\d+)\.1\].*Confirm/);
    const number = Number(/\[(\d+)\.1\].*Confirm/.exec(card)![1]);
    expect(number).toBeGreaterThan(firstNumber);
    // The first run's card expires now; it is not this run's card.
    const expired = await second.waitFor(/Expired\. Nothing was sent/, 0, 20_000);
    expect(expired).toMatch(/100\.00 USDT/);
    const fill = await second.type(`${number}.1`, /Filled: [0-9.]+ BTC at avg [0-9,.]+ USDT/);
    expect(fill).toMatch(/Confirmed/);
    expect(await second.quit()).toBe(0);
  }, 90_000);
});
