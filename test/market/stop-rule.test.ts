import { describe, expect, it } from 'vitest';
import type { Kline } from '../../src/binance/types.js';
import { compare, floorToStep, gt, lt, lte, mul, sub } from '../../src/decimal.js';
import { findFractals, type FractalCandle } from '../../src/market/fractals.js';
import { evaluateTrailingStop, initialStop, type StopDecision, type TrailingStopState } from '../../src/market/stop-rule.js';
import { fixtureCandles } from '../support/klines.js';

const TICK = '0.01';
const candles = fixtureCandles('objects4h');

/** What the manager sees just after candle k closed: candles up to k plus the forming k+1. */
function snapshotAfterClose(k: number) {
  return { candles: candles.slice(0, k + 2), now: candles[k]!.closeTime + 1, price: candles[k]!.close, tickSize: TICK };
}

interface ReplayStep {
  k: number;
  at: string;
  decision: StopDecision;
  stopBefore: string | undefined;
}

interface Replay {
  entry: string;
  armedAt: number;
  initial: string | undefined;
  steps: ReplayStep[];
  finalStop: string | undefined;
  filledAt?: number;
}

/**
 * Arms on candle `arm` (entry = its close), then walks the capture candle by candle as the stop
 * manager would at each close. The walk ends when a candle trades through the stop (it would
 * have filled on the exchange).
 */
function replay(arm: number, minMovePct: string): Replay {
  const armed = snapshotAfterClose(arm);
  const first = initialStop(armed);
  const state: TrailingStopState = { entryPrice: candles[arm]!.close, currentStop: first?.stop, armedAt: armed.now, minMovePct };
  const result: Replay = { entry: state.entryPrice, armedAt: state.armedAt, initial: first?.stop, steps: [], finalStop: undefined };
  for (let k = arm + 1; k < candles.length - 1; k++) {
    if (state.currentStop !== undefined && lte(candles[k]!.low, state.currentStop)) {
      result.filledAt = k;
      break;
    }
    const snapshot = snapshotAfterClose(k);
    const decision = evaluateTrailingStop(state, snapshot);
    result.steps.push({ k, at: new Date(snapshot.now).toISOString().slice(0, 16), decision, stopBefore: state.currentStop });
    if (decision.move) state.currentStop = decision.newStop;
  }
  result.finalStop = state.currentStop;
  return result;
}

function printSequence(title: string, run: Replay): void {
  const lines = [`${title}: entry ${run.entry}, armed ${new Date(run.armedAt).toISOString().slice(0, 16)}, initial stop ${run.initial ?? 'none'}`];
  let lastHold = '';
  for (const step of run.steps) {
    const d = step.decision;
    // A hold is printed when its reason or candidate changes, not at every close.
    const hold = d.move ? '' : `${d.reason} ${d.candidateStop ?? ''}`;
    if (!d.move && hold === lastHold) continue;
    lastHold = hold;
    if (d.move) lines.push(`  ${step.at} moved ${step.stopBefore ?? '—'} → ${d.newStop} (${d.basis}, fractal candle ${new Date(d.fractal.openTime).toISOString().slice(0, 16)})`);
    else if (d.fractal) lines.push(`  ${step.at} held at ${step.stopBefore}: ${d.reason} (candidate ${d.candidateStop})`);
  }
  if (run.filledAt !== undefined) lines.push(`  filled in the candle opening ${new Date(candles[run.filledAt]!.openTime).toISOString().slice(0, 16)} (low ${candles[run.filledAt]!.low})`);
  console.log(lines.join('\n'));
}

const moves = (run: Replay) => run.steps.flatMap((s) => (s.decision.move ? [s.decision.newStop] : []));

describe('trailing stop replayed over the BTCUSDT 4h capture', () => {
  it('moves only up, only to confirmed fractals formed after arming, never above the price', () => {
    const arm = 20; // armed at the close of the 2025-10-01 16:00 candle, early in the October rally
    const run = replay(arm, '0');
    printSequence('minMovePct 0', run);

    expect(run.initial).toBe('112656.27');
    expect(moves(run)).toEqual(['119248.3', '121510', '122301.63']);
    expect(run.filledAt).toBeDefined();

    for (const step of run.steps) {
      const d = step.decision;
      if (!d.move) continue;
      const snapshot = snapshotAfterClose(step.k);
      expect(d.basis).toBe('trailing');
      // Up only, strictly.
      expect(gt(d.newStop, step.stopBefore!)).toBe(true);
      // Above the entry, below the price at the close.
      expect(gt(d.newStop, run.entry)).toBe(true);
      expect(lt(d.fractal.price, snapshot.price)).toBe(true);
      // The fractal low rounded down to the tick.
      expect(d.newStop).toBe(floorToStep(d.fractal.price, TICK));
      // Formed after arming, confirmed (both right-hand candles closed) before this close.
      expect(d.fractal.openTime).toBeGreaterThanOrEqual(run.armedAt);
      expect(d.fractal.index + 2).toBeLessThanOrEqual(step.k);
      expect(d.fractal.confirmedAt).toBeLessThan(snapshot.now);
      // And it is the newest such fractal, by the plain definition over the closed candles.
      const confirmed = findFractals(candles.slice(0, step.k + 1), { now: snapshot.now }).bullish.filter((f) => f.openTime >= run.armedAt);
      expect(d.fractal).toEqual(confirmed[confirmed.length - 1]);
    }
    // Every hold with a candidate names why, and none of them could have been a valid move up.
    for (const step of run.steps) {
      const d = step.decision;
      if (d.move || !d.fractal) continue;
      const ok = gt(d.candidateStop!, step.stopBefore!) && gt(d.candidateStop!, run.entry) && lt(d.fractal.price, snapshotAfterClose(step.k).price);
      expect(ok).toBe(false);
    }
  });

  it('ignores a fractal whose candle opened before arming, even if it is confirmed after', () => {
    // Armed at 2025-10-03 12:00: the 08:00 candle's low (119,248.30) is confirmed at 20:00 but formed before.
    const run = replay(30, '0');
    printSequence('armed mid-pivot', run);
    expect(moves(run)).toEqual(['121510', '122301.63']);
    const before = run.steps.find((s) => s.decision.move === false && s.decision.fractal?.price.startsWith('119248.3'));
    expect(before).toBeUndefined();
  });

  it('with minMovePct, skips a rise smaller than that share of the stop', () => {
    const run = replay(20, '1.5');
    printSequence('minMovePct 1.5', run);
    // 121,510 → 122,301.63 is +0.65%: held.
    expect(moves(run)).toEqual(['119248.3', '121510']);
    const held = run.steps.find((s) => !s.decision.move && s.decision.reason === 'move-too-small');
    expect(held?.decision.move === false && held.decision.candidateStop).toBe('122301.63');
    for (const step of run.steps) {
      const d = step.decision;
      if (!d.move || step.stopBefore === undefined) continue;
      // rise ≥ 1.5% of the stop, checked exactly.
      expect(compare(mul(sub(d.newStop, step.stopBefore), '100'), mul(step.stopBefore, '1.5'))).toBeGreaterThanOrEqual(0);
    }
  });
});

describe('the rule, case by case', () => {
  // Hand-made lows (the shape of a candle series is the point here, not the market): one-hour candles.
  const H = 3_600_000;
  const series = (lows: string[]): FractalCandle[] => lows.map((low, i) => ({ openTime: i * H, closeTime: (i + 1) * H - 1, low, high: low }));
  // A bullish fractal at index 6 with low 105.017, confirmed when candle 8 closes.
  const lows = ['100', '99', '98', '99', '110', '108', '105.017', '107', '109'];
  const now = 9 * H;
  const snapshot = (price: string, tickSize = TICK) => ({ candles: series(lows), now, price, tickSize });
  const state = (over: Partial<TrailingStopState> = {}): TrailingStopState => ({ entryPrice: '101', currentStop: '97.5', armedAt: 4 * H, minMovePct: '0', ...over });

  it('moves to the fractal low rounded down to the tick', () => {
    const d = evaluateTrailingStop(state(), snapshot('111'));
    expect(d).toMatchObject({ move: true, newStop: '105.01', basis: 'trailing', fractal: { index: 6, price: '105.017' } });
    expect(evaluateTrailingStop(state(), snapshot('111', '0.5'))).toMatchObject({ move: true, newStop: '105' });
  });

  it('never moves down or sideways', () => {
    expect(evaluateTrailingStop(state({ currentStop: '106' }), snapshot('111'))).toMatchObject({ move: false, reason: 'not-above-stop' });
    // The low rounds down onto the current stop: not a move.
    expect(evaluateTrailingStop(state({ currentStop: '105.01' }), snapshot('111'))).toMatchObject({ move: false, reason: 'not-above-stop', candidateStop: '105.01' });
  });

  it('only above the entry price', () => {
    expect(evaluateTrailingStop(state({ entryPrice: '105.01' }), snapshot('111'))).toMatchObject({ move: false, reason: 'not-above-entry' });
    expect(evaluateTrailingStop(state({ entryPrice: '105.009' }), snapshot('111'))).toMatchObject({ move: true, newStop: '105.01' });
  });

  it('only below the current price', () => {
    expect(evaluateTrailingStop(state(), snapshot('105.017'))).toMatchObject({ move: false, reason: 'not-below-price' });
    expect(evaluateTrailingStop(state(), snapshot('104'))).toMatchObject({ move: false, reason: 'not-below-price' });
    expect(evaluateTrailingStop(state(), snapshot('105.018'))).toMatchObject({ move: true, newStop: '105.01' });
  });

  it('only fractals formed at or after arming', () => {
    expect(evaluateTrailingStop(state({ armedAt: 6 * H }), snapshot('111'))).toMatchObject({ move: true });
    expect(evaluateTrailingStop(state({ armedAt: 6 * H + 1 }), snapshot('111'))).toEqual({ move: false, reason: 'no-fractal-since-arming' });
  });

  it('only confirmed fractals: not while the second right-hand candle is forming', () => {
    expect(evaluateTrailingStop(state(), { ...snapshot('111'), now: 9 * H - 1 })).toEqual({ move: false, reason: 'no-fractal-since-arming' });
  });

  it('hysteresis: a rise under minMovePct of the stop is ignored, exactly at it is taken', () => {
    // From 100: +5.01 is 5.01%.
    expect(evaluateTrailingStop(state({ currentStop: '100', minMovePct: '5.02' }), snapshot('111'))).toMatchObject({ move: false, reason: 'move-too-small' });
    expect(evaluateTrailingStop(state({ currentStop: '100', minMovePct: '5.01' }), snapshot('111'))).toMatchObject({ move: true, newStop: '105.01' });
  });

  it('a waiting stop takes the newest confirmed fractal below the price as its protective stop', () => {
    const waiting = state({ currentStop: undefined, entryPrice: '120' });
    expect(evaluateTrailingStop(waiting, snapshot('111'))).toMatchObject({ move: true, newStop: '105.01', basis: 'protective' });
    // Below that fractal the next one down is the pivot at index 2 (98).
    expect(evaluateTrailingStop(waiting, snapshot('104'))).toMatchObject({ move: true, newStop: '98', basis: 'protective' });
    expect(evaluateTrailingStop(waiting, snapshot('97'))).toEqual({ move: false, reason: 'no-fractal' });
  });

  it('initialStop: newest confirmed fractal below the price, or none', () => {
    expect(initialStop(snapshot('111'))).toMatchObject({ stop: '105.01', fractal: { index: 6 } });
    expect(initialStop(snapshot('105.017'))).toMatchObject({ stop: '98', fractal: { index: 2 } });
    expect(initialStop(snapshot('98'))).toBeUndefined();
  });

  it('initialStop on real candles: below the price, on the tick', () => {
    for (const k of [40, 120, 200, 300]) {
      const snap = snapshotAfterClose(k);
      const first = initialStop(snap)!;
      expect(lt(first.fractal.price, snap.price)).toBe(true);
      expect(first.stop).toBe(floorToStep(first.fractal.price, TICK));
      expect(first.fractal.confirmedAt).toBeLessThan(snap.now);
      const older: Kline[] = candles.slice(0, k + 1);
      const expected = findFractals(older, { now: snap.now }).bullish.filter((f) => lt(f.price, snap.price));
      expect(first.fractal).toEqual(expected[expected.length - 1]);
    }
  });
});
