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

  it('answers /help and /balance, shows a card for /buy BTCUSDT 100USDT, fills it on 1, and places /buy BTCUSDT risk=1% sl=fractal tp=2R with its OCO', async () => {
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

    // A plan (DESIGN.md §5b): sized by 1 % of the net value, the stop on the newest 4h fractal of
    // the bundled candles, the target at twice the risk; one OCO once the market order filled.
    const plan = await demo.type('/buy BTCUSDT risk=1% sl=fractal tp=2R', /\[\d+\.1\].*Confirm/);
    expect(plan).toMatch(/Stop: [\d,.]+ USDT \(fractal 4h, low of the [\d-]+ [\d:]+ UTC candle\)/);
    expect(plan).toMatch(/Target: [\d,.]+ USDT \(2R/);
    expect(plan).toMatch(/At risk: (99\.\d\d|100\.00) USDT/);
    expect(plan).toMatch(/Reward\/risk: 2\.00/);
    expect(plan).toMatch(/It trails: at each 4h close the stop moves up to each newer confirmed bullish fractal, never down, the target kept\./);
    const protectedPlan = await demo.type('1', /Protected: OCO list \d+, stop [\d,.]+ USDT and target [\d,.]+ USDT for [\d.]+ BTC/);
    expect(protectedPlan).toMatch(/Filled: [0-9.]+ BTC/);
    const orders = await demo.type('/orders', /Open orders \(2\)/);
    expect(orders).toMatch(/LIMIT_MAKER/);
    expect(orders).toMatch(/STOP_LOSS_LIMIT/);

    expect(await demo.quit()).toBe(0);
    // Logs went to the file, not into the chat; the private Redis kept its data under ./data.
    expect(demo.output()).not.toMatch(/"level":/);
    expect(readFileSync(join(demo.cwd, 'data/logs/console.log'), 'utf8')).toMatch(/started a private redis-server/);
    expect(existsSync(join(demo.cwd, 'data/redis'))).toBe(true);
  }, 90_000);
});
