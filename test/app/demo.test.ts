/**
 * The demo as a newcomer runs it (`npm run demo`): /help, /balance, a card for /buy and its fill
 * on "1", through a real console process (test/support/demo-console.ts).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startDemoConsole, type DemoConsole } from '../support/demo-console.js';

describe('npm run demo (console on the paper exchange)', () => {
  let demo: DemoConsole | undefined;
  afterAll(() => demo?.close());

  it('answers /help and /balance, shows a card for /buy BTCUSDT 100USDT, and fills it on 1', async () => {
    demo = await startDemoConsole('demo');
    const help = await demo.type('/help', /\/buy/);
    expect(help).toMatch(/PAPER/);
    const balance = await demo.type('/balance', /Total/);
    expect(balance).toMatch(/USDT 10,000/);

    const card = await demo.type('/buy BTCUSDT 100USDT', /\[\d+\.1\].*Confirm/);
    expect(card).toMatch(/BUY BTCUSDT/);
    expect(card).toMatch(/100\.00 USDT/);

    const fill = await demo.type('1', /Filled: [0-9.]+ BTC at avg [0-9,.]+ USDT/);
    expect(fill).toMatch(/Confirmed/);

    const balanceAfter = await demo.type('/balance', /Total/);
    expect(balanceAfter).toMatch(/BTC/);

    expect(await demo.quit()).toBe(0);
    // Logs went to the file, not into the chat; the private Redis kept its data under ./data.
    expect(demo.output()).not.toMatch(/"level":/);
    expect(readFileSync(join(demo.cwd, 'data/logs/console.log'), 'utf8')).toMatch(/started a private redis-server/);
    expect(existsSync(join(demo.cwd, 'data/redis'))).toBe(true);
  }, 90_000);
});
