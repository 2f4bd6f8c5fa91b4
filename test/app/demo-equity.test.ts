/**
 * The net value commands in the demo (`npm run demo`): a fresh console process records its first
 * net value sample at start, so /equity says one more is needed, /daily shows today's close, and
 * /report takes a time, shows it, refuses a bad one and turns off. A real console process
 * (test/support/demo-console.ts).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { startDemoConsole, type DemoConsole } from '../support/demo-console.js';

describe('the demo: net value and daily report', () => {
  let demo: DemoConsole | undefined;
  afterAll(() => demo?.close());

  it('/equity, /daily, /report answer as a trader expects on a fresh install', async () => {
    demo = await startDemoConsole('demo-equity');
    // The worker's start-up sample: 10,000 USDT of paper balance.
    const equity = await demo.type('/equity', /a chart needs two/);
    expect(equity).toMatch(/(No sample|Only one sample) of the net value in this range yet: a chart needs two\. The worker records one every 15 min; the next is due \d{4}-\d\d-\d\d \d\d:\d\d UTC\./);
    expect(equity).toMatch(/🔄 Refresh/);

    const daily = await demo.type('/daily 2', /Refresh/);
    expect(daily).toMatch(/Daily · last 2 days · USDT, UTC/);
    // The fills ledger runs in the demo: realized P&L and trades are columns of their own.
    expect(daily).toMatch(/Realized Trades/);

    expect(await demo.type('/equity 2w', /Example/)).toMatch(/"2w" is not a range: use 7d, 30d, 90d or all\.\s+Usage: \/equity \[7d\|30d\|90d\|all\]/);
    expect(await demo.type('/report 7:30', /Next/)).toMatch(/Daily report set for 07:30 UTC in this chat\.\s+Next: \d{4}-\d\d-\d\d 07:30 UTC/);
    expect(await demo.type('/report', /Stop it/)).toMatch(/Daily report at 07:30 UTC in this chat\./);
    expect(await demo.type('/report 7.30', /Example/)).toMatch(/"7\.30" is not a time of day/);
    expect(await demo.type('/report off', /off/)).toMatch(/Daily report off\./);
    expect(await demo.quit()).toBe(0);
  }, 90_000);
});
