/**
 * /backtest and /signal in the demo (`npm run demo`: the console on the paper exchange replaying
 * the bundled real candles), as a trader types them. The replay runs at an hour of candles per
 * second here (PAPER_SPEED=3600) so that a replayed day passes in 24 s: the signal's buy card
 * must arrive within it, ready to confirm.
 *
 * The bundled replay (assets/replay) keeps 41 days of real 1h candles before its start and the
 * shipped fixtures hold no real candles continuing them further back (the other BTCUSDT captures
 * are 2017–2020 and Feb–Jun 2025), so the default /backtest (4h, 90 days) runs over the history
 * that exists and says so.
 */
import { existsSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { startDemoConsole, type DemoConsole } from '../support/demo-console.js';

describe('strategies in the demo', () => {
  let demo: DemoConsole | undefined;
  afterAll(() => demo?.close());

  it('backtests with a chart, and a signal card arrives within a replayed day', async () => {
    demo = await startDemoConsole('demo-strategies', { PAPER_SPEED: '3600' });

    const answer = await demo.type('/backtest BTCUSDT macd 1h 30', /Chart saved to (\S+\.png)/);
    expect(answer).toMatch(/Trades: \d+/);
    expect(answer).toMatch(/Total return: [+−]?[\d.,]+% · buy and hold: [+−]?[\d.,]+%/);
    expect(existsSync(/Chart saved to (\S+\.png)/.exec(answer)![1]!)).toBe(true);

    // The default (4h, 90 days): the replay keeps 41 days of real history before its start; the backtest covers them and says so.
    const whole = await demo.type('/backtest BTCUSDT macd', /Chart saved to (\S+\.png)/);
    expect(whole).toMatch(/BTCUSDT · macd · 4h · 90 days/);
    expect(whole).toMatch(/The exchange holds BTCUSDT history only since .* \(4\d days\): this covers \d+ days, not the 90 days asked\./);

    expect(await demo.type('/backtest BTCUSDT macd 1w', /Usage: \/backtest/)).toMatch(/not an interval a backtest runs on/);

    await demo.type('/signal BTCUSDT macd 1h', /Signal #1 started/);
    // 24 replayed hours at 3600×, plus the time to evaluate and deliver.
    const card = await demo.waitFor(/Signal #1 · macd · BTCUSDT 1h[\s\S]*Buy: MACD crossed above[\s\S]*Confirm/, demo.output().length, 40_000);
    expect(card).toMatch(/Confirm order: BUY BTCUSDT/);

    expect(await demo.type('/signal off 1', /Switched off/)).toMatch(/#1 BTCUSDT macd 1h/);
    expect(await demo.quit()).toBe(0);
  }, 120_000);
});
