/**
 * The demo's market (`npm run demo`: the console on the paper exchange replaying the bundled
 * candles): six real symbols moving together, re-stamped to the present, so /top ranks six pairs,
 * /top losers starts with pairs that fell, and an ETHUSDT order fills. A real console process
 * (test/support/demo-console.ts).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { startDemoConsole, type DemoConsole } from '../support/demo-console.js';

/** The ranked rows of a /top answer: [symbol, signed change %]. */
const rows = (text: string) =>
  [...text.matchAll(/^\s*\d+\. ([A-Z]+) ([+−-]?)([0-9.]+)%/gm)].map((m) => [m[1]!, (m[2] === '−' || m[2] === '-' ? -1 : 1) * Number(m[3])] as const);

describe('the demo market: six replayed symbols', () => {
  let demo: DemoConsole | undefined;
  afterAll(() => demo?.close());

  it('/top lists six symbols, /top losers starts with losers, /buy ETHUSDT fills', async () => {
    demo = await startDemoConsole('demo-market');

    const top = rows(await demo.type('/top', /💰 Volume/));
    expect(top.map(([s]) => s).sort()).toEqual(['ADAUSDT', 'BNBUSDT', 'BTCUSDT', 'ETHUSDT', 'SOLUSDT', 'XRPUSDT']);
    // Dated now, not in 2025: the replay is re-stamped to the present.
    expect(demo.output()).toMatch(new RegExp(`As of ${new Date().toISOString().slice(0, 10)}`));

    const losers = rows(await demo.type('/top losers', /💰 Volume/));
    expect(losers).toHaveLength(6);
    expect(losers[0]![1]).toBeLessThan(0);
    expect(losers.map(([, c]) => c)).toEqual([...losers.map(([, c]) => c)].sort((a, b) => a - b));

    const card = await demo.type('/buy ETHUSDT 100USDT', /\[\d+\.1\].*Confirm/);
    expect(card).toMatch(/BUY ETHUSDT/);
    // A bare number presses the last keyboard shown: this card's Confirm.
    const fill = await demo.type('1', /Filled: [0-9.]+ ETH at avg [0-9,.]+ USDT/);
    expect(fill).toMatch(/Confirmed/);

    expect(await demo.quit()).toBe(0);
  }, 90_000);
});
