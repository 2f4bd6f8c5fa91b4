/**
 * No look-ahead (DESIGN.md §11): a decision at the close of candle k reads candles 0..k only. For
 * every strategy, the candles after k are rewritten (each scaled by its own factor, so highs,
 * lows and closes all change) and the backtest is run again: every event up to the close of k is
 * the same, and the run does differ after it (the test would notice if nothing changed).
 */
import { describe, expect, it } from 'vitest';
import type { Kline } from '../../src/binance/types.js';
import { mul, round } from '../../src/decimal.js';
import { runBacktest } from '../../src/strategies/backtest.js';
import type { StepEvent } from '../../src/strategies/strategy-step.js';
import { STRATEGIES } from '../../src/strategies/strategies.js';
import { STRATEGY_NAMES } from '../../src/strategies/strategy-types.js';
import { fixtureCandles } from '../support/klines.js';

const candles = fixtureCandles('raw1d');
const SPAN_START = 300;

function rewrittenAfter(k: number): Kline[] {
  return candles.map((c, i) => {
    if (i <= k) return c;
    // A deterministic factor between 0.8 and 1.2 per candle.
    const factor = (0.8 + ((i * 7919) % 401) / 1000).toFixed(3);
    const scale = (v: string) => round(mul(v, factor), 2, 'half-up');
    return { ...c, open: scale(c.open), high: scale(c.high), low: scale(c.low), close: scale(c.close) };
  });
}

const timeOf = (e: StepEvent) => (e.kind === 'entered' || e.kind === 'exited' ? e.time : e.at);

describe.each(STRATEGY_NAMES)('%s', (name) => {
  it.each([420, 600, 800, 1000])('decisions up to the close of candle %i do not change when later candles do', (k) => {
    const cut = candles[k]!.closeTime;
    const original = runBacktest({ strategy: STRATEGIES[name], candles, spanStart: SPAN_START, tickSize: '0.01' });
    const changed = runBacktest({ strategy: STRATEGIES[name], candles: rewrittenAfter(k), spanStart: SPAN_START, tickSize: '0.01' });
    const upTo = (events: StepEvent[]) => events.filter((e) => timeOf(e) <= cut);
    expect(upTo(original.events).length).toBeGreaterThan(0);
    expect(upTo(changed.events)).toEqual(upTo(original.events));
    expect(changed.events).not.toEqual(original.events);
  });

  it('decides the same at a close from the whole series as from the series cut at that close', () => {
    const strategy = STRATEGIES[name];
    const whole = strategy.prepare(candles, { tickSize: '0.01' });
    const position = { entryPrice: candles[700]!.open, entryTime: candles[700]!.openTime };
    for (const k of [350, 500, 710, 900, 1059]) {
      const prefix = strategy.prepare(candles.slice(0, k + 1), { tickSize: '0.01' });
      expect(prefix.decide(k, undefined)).toEqual(whole.decide(k, undefined));
      if (k > 700) expect(prefix.decide(k, position)).toEqual(whole.decide(k, position));
    }
  });
});
