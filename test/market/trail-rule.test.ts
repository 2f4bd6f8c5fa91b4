/**
 * The percentage and ATR (chandelier) trailing rules on real BTCUSDT 1h candles (2025-09..11),
 * walked close by close as the stop manager does: the high they hang under is the highest HIGH
 * since arming (checked against a plain scan of the capture), the stop never moves down, never
 * sits at or above the price, and STOP_MIN_MOVE_PCT holds back small rises.
 */
import { describe, expect, it } from 'vitest';
import { decimalsOf, div, floorToStep, gt, gte, lt, lte, max, mul, normalize, sub } from '../../src/decimal.js';
import { atrStopPrice, summarizeIndicators } from '../../src/market/indicators.js';
import { evaluateTrail, highSince, type TrailDecision, type TrailSpec } from '../../src/market/trail-rule.js';
import { fixtureCandles } from '../support/klines.js';

const TICK = '0.01';
const candles = fixtureCandles('objects1h');
/** Arming candles where the trail has a long way up to follow (the rally into early October 2025, and one in mid-October). */
const PERCENT_ARM = 580;
const ATR_ARM = 640;

interface Step {
  k: number;
  decision: TrailDecision;
  stopBefore: string;
  price: string;
}

interface Walk {
  initial: string;
  steps: Step[];
  filledAt?: number;
}

/** What the manager sees just after candle k closed: candles up to k plus the forming k+1. */
const snapshotAfterClose = (k: number) => ({ candles: candles.slice(Math.max(0, k - 300), k + 2), now: candles[k]!.closeTime + 1, price: normalize(candles[k]!.close), tickSize: TICK });

/** Arms at the close of ARM − 1 (the price then; arming counts from candle ARM), walks until a candle trades through the stop. */
function walk(ARM: number, spec: TrailSpec, minMovePct: string, firstStop: string): Walk {
  const armedAt = candles[ARM]!.openTime;
  let high = { price: normalize(candles[ARM - 1]!.close), openTime: armedAt };
  let stop = firstStop;
  const result: Walk = { initial: stop, steps: [] };
  for (let k = ARM; k < candles.length - 1; k++) {
    if (lte(candles[k]!.low, stop)) {
      result.filledAt = k;
      break;
    }
    const snapshot = snapshotAfterClose(k);
    const decision = evaluateTrail(spec, { currentStop: stop, high, armedAt, minMovePct }, snapshot);
    result.steps.push({ k, decision, stopBefore: stop, price: snapshot.price });
    high = decision.high;
    if (decision.move) stop = decision.newStop;
  }
  return result;
}

/** Reference: the price at arming and every high from candle ARM to k, the largest. */
function referenceHigh(ARM: number, k: number): string {
  let high = normalize(candles[ARM - 1]!.close);
  for (let i = ARM; i <= k; i++) high = max(high, normalize(candles[i]!.high));
  return high;
}

const under = (price: string, percent: string) => normalize(floorToStep(div(mul(price, sub('100', percent)), '100', decimalsOf(TICK) + 4, 'floor'), TICK));

function expectNeverDown(run: Walk): void {
  let previous = run.initial;
  for (const step of run.steps) {
    expect(step.stopBefore).toBe(previous);
    if (!step.decision.move) continue;
    expect(gt(step.decision.newStop, step.stopBefore)).toBe(true);
    expect(lt(step.decision.newStop, step.price)).toBe(true);
    previous = step.decision.newStop;
  }
}

describe('percentage trailing stop on real candles', () => {
  const ARM = PERCENT_ARM;
  const armPrice = normalize(candles[ARM - 1]!.close);
  const run = walk(ARM, { kind: 'percent', percent: '3' }, '0', under(armPrice, '3'));

  it('hangs 3 % under the highest high since arming, and only moves up', () => {
    const moves = run.steps.filter((s) => s.decision.move);
    console.log(`3 % trail armed at ${armPrice}: first stop ${run.initial}, ${moves.length} moves over ${run.steps.length} closes, last stop ${moves.reduce((stop, m) => (m.decision.move ? m.decision.newStop : stop), run.initial)}`);
    expect(moves.length).toBeGreaterThanOrEqual(5);
    expect(run.filledAt).toBeDefined();
    for (const step of run.steps) {
      // The high is the highest HIGH (not close) of the candles since arming.
      expect(step.decision.high.price).toBe(referenceHigh(ARM, step.k));
      const level = under(step.decision.high.price, '3');
      if (step.decision.move) expect(step.decision.newStop).toBe(level);
      else if (step.decision.reason === 'not-above-stop') expect(lte(level, step.stopBefore)).toBe(true);
      else expect(step.decision.reason).toBe('not-below-price');
    }
    expectNeverDown(run);
  });

  it('with STOP_MIN_MOVE_PCT = 0.5 moves less often, never by less than 0.5 % of the stop, and holds every smaller rise', () => {
    const damped = walk(ARM, { kind: 'percent', percent: '3' }, '0.5', under(armPrice, '3'));
    const moves = damped.steps.filter((s) => s.decision.move);
    console.log(`3 % trail with STOP_MIN_MOVE_PCT 0.5: ${moves.length} moves over ${damped.steps.length} closes (without: ${run.steps.filter((s) => s.decision.move).length})`);
    expect(moves.length).toBeGreaterThan(0);
    expect(moves.length).toBeLessThan(run.steps.filter((s) => s.decision.move).length);
    for (const step of damped.steps) {
      const rise = (to: string) => mul(sub(to, step.stopBefore), '100');
      if (step.decision.move) expect(gte(rise(step.decision.newStop), mul(step.stopBefore, '0.5'))).toBe(true);
      if (!step.decision.move && step.decision.reason === 'move-too-small') {
        expect(gt(step.decision.candidateStop!, step.stopBefore)).toBe(true);
        expect(lt(rise(step.decision.candidateStop!), mul(step.stopBefore, '0.5'))).toBe(true);
      }
    }
    expect(damped.steps.some((s) => !s.decision.move && s.decision.reason === 'move-too-small')).toBe(true);
    expectNeverDown(damped);
  });

  it('a stop with no order takes the level under the high, or the same distance under the price when the price fell through it', () => {
    const k = ARM + 30;
    const snapshot = snapshotAfterClose(k);
    const high = { price: referenceHigh(ARM, k - 1), openTime: candles[ARM]!.openTime };
    const d = evaluateTrail({ kind: 'percent', percent: '3' }, { high, armedAt: high.openTime, minMovePct: '0' }, snapshot);
    expect(d).toMatchObject({ move: true, basis: 'protective' });
    const level = under(referenceHigh(ARM, k), '3');
    expect(d.move && d.newStop).toBe(lt(level, snapshot.price) ? level : under(snapshot.price, '3'));
    const fell = evaluateTrail({ kind: 'percent', percent: '3' }, { high: { price: mul(snapshot.price, '2'), openTime: 0 }, armedAt: 0, minMovePct: '0' }, snapshot);
    expect(fell).toMatchObject({ move: true, newStop: under(snapshot.price, '3'), basis: 'protective' });
  });
});

describe('the high since arming', () => {
  it('counts the candle forming at arming by its close (its high may predate arming), later candles by their highs', () => {
    // A candle whose high is above both its own close and the next candle's high.
    const k = candles.findIndex((c, i) => i > 0 && candles[i + 1] !== undefined && gt(c.high, max(c.close, candles[i + 1]!.high)));
    const armedAt = candles[k]!.openTime + 60_000;
    const high = highSince({ price: '1', openTime: 0 }, candles.slice(k - 1, k + 3), armedAt, candles[k + 1]!.closeTime + 1);
    const expected = max(normalize(candles[k]!.close), normalize(candles[k + 1]!.high));
    expect(high).toEqual({ price: expected, openTime: expected === normalize(candles[k]!.close) ? candles[k]!.openTime : candles[k + 1]!.openTime });
    expect(lt(high.price, candles[k]!.high)).toBe(true);
  });
});

describe('ATR chandelier stop on real candles', () => {
  const ARM = ATR_ARM;
  const armPrice = normalize(candles[ARM - 1]!.close);
  const atrAtArming = summarizeIndicators(candles.slice(ARM - 301, ARM + 1), { now: candles[ARM - 1]!.closeTime + 1, tickSize: TICK }).atr!;
  const run = walk(ARM, { kind: 'atr', multiple: '2' }, '0', normalize(atrStopPrice(armPrice, atrAtArming, TICK, 2)!));

  it('hangs 2 × the ATR(14) /ta shows under the highest high, and holds when a widening ATR would pull it down', () => {
    const moves = run.steps.filter((s) => s.decision.move);
    console.log(`2 × ATR chandelier armed at ${armPrice} (ATR ${atrAtArming.toFixed(2)}): first stop ${run.initial}, ${moves.length} moves, ${run.filledAt === undefined ? 'never filled' : `filled in candle ${run.filledAt}`}`);
    expect(moves.length).toBeGreaterThanOrEqual(5);
    for (const step of run.steps) {
      const snapshot = snapshotAfterClose(step.k);
      // The ATR is the one /ta computes on the same closed candles.
      const ta = summarizeIndicators(snapshot.candles, { now: snapshot.now, tickSize: TICK });
      expect(step.decision.atr).toBe(ta.atr);
      expect(step.decision.high.price).toBe(referenceHigh(ARM, step.k));
      const level = normalize(atrStopPrice(step.decision.high.price, ta.atr!, TICK, 2)!);
      if (step.decision.move) expect(step.decision.newStop).toBe(level);
      else expect(step.decision.candidateStop).toBe(level);
    }
    // On these candles the level drops under the stop at some close (the ATR widened faster than the high rose): the stop held.
    const widened = run.steps.filter((s) => !s.decision.move && s.decision.reason === 'not-above-stop' && lt(s.decision.candidateStop!, s.stopBefore));
    expect(widened.length).toBeGreaterThan(0);
    expectNeverDown(run);
  });

  it('with too few closed candles for ATR(14) there is no level, and the stop stays', () => {
    const k = 10;
    const d = evaluateTrail({ kind: 'atr', multiple: '2' }, { currentStop: '1', high: { price: normalize(candles[0]!.high), openTime: 0 }, armedAt: 0, minMovePct: '0' }, { candles: candles.slice(0, k + 2), now: candles[k]!.closeTime + 1, price: normalize(candles[k]!.close), tickSize: TICK });
    expect(d).toMatchObject({ move: false, reason: 'no-atr' });
  });
});
