/**
 * The fractal trailing-stop rule of DESIGN.md §5, as pure functions: candles and state in, a
 * decision out. The stop manager owns the state, the schedule and the exchange; this file only
 * decides where the stop belongs.
 *
 * - Arming (`initialStop`): the newest confirmed bullish fractal below the current price is the
 *   protective stop; with none, the stop waits.
 * - On each candle close (`evaluateTrailingStop`): only the newest confirmed bullish fractal
 *   formed after arming is a candidate. It becomes the stop if it is above the entry price,
 *   above the current stop and below the current price; the stop never moves down. With
 *   `minMovePct` above zero, a rise smaller than that share of the current stop is ignored, so a
 *   stop does not spend a cancelReplace (and an alert) on a move of a tick or two.
 * - A stop that is still waiting (no `currentStop`: nothing was below the price at arming) takes
 *   the arming rule until it has a stop: a position must not stay unprotected until the price
 *   climbs above the entry and forms a fractal there.
 *
 * The stop price is the fractal low rounded DOWN to the symbol's tick (PRICE_FILTER, filters.md):
 * rounding up would put the stop above the pivot it follows. The tests on the rounded price
 * ("above the entry", "above the current stop") are made on that rounded price, so a move that
 * rounds back onto the current stop is not a move. Everything is exact decimal math.
 */
import { floorToStep, isPositive, mul, sub } from '../decimal.js';
import { comparePrice } from './compare-price.js';
import { latestBullishFractal, type Fractal, type FractalCandle } from './fractals.js';

export interface TrailingStopState {
  /** Average entry price of the position, or the price when the stop was armed. */
  entryPrice: string;
  /** The stop price on the exchange now; absent while the stop waits for its first fractal. */
  currentStop?: string;
  /** Epoch ms of arming: only fractals formed at or after it may move the stop. */
  armedAt: number;
  /** Ignore a move smaller than this percentage of the current stop ("0" = every move counts). */
  minMovePct: string;
}

export interface MarketSnapshot {
  /** Candles of the stop's interval, oldest first; a forming last candle is ignored. */
  candles: readonly FractalCandle[];
  /** Epoch ms (server time): decides which candles are closed. */
  now: number;
  /** Current price of the symbol. */
  price: string;
  /** PRICE_FILTER tickSize of the symbol. */
  tickSize: string;
}

export type StopHoldReason =
  /** Waiting stop: no confirmed bullish fractal below the price yet. */
  | 'no-fractal'
  /** No confirmed bullish fractal has formed since arming. */
  | 'no-fractal-since-arming'
  /** The newest fractal (rounded to the tick) is not above the entry price. */
  | 'not-above-entry'
  /** The newest fractal (rounded to the tick) is not above the current stop: a stop never moves down. */
  | 'not-above-stop'
  /** The price is at or below the newest fractal: a stop there would trigger at once. */
  | 'not-below-price'
  /** The rise is smaller than minMovePct of the current stop. */
  | 'move-too-small';

export type StopDecision =
  | {
      move: true;
      /** Fractal low rounded down to the tick: the new stopPrice. */
      newStop: string;
      fractal: Fractal;
      /** `protective`: the first stop of a waiting stop; `trailing`: a move up after arming. */
      basis: 'protective' | 'trailing';
    }
  | {
      move: false;
      reason: StopHoldReason;
      /** The fractal that was considered and refused, for the "could not move (why)" alert. */
      fractal?: Fractal;
      /** Its price rounded down to the tick. */
      candidateStop?: string;
    };

export interface InitialStop {
  stop: string;
  fractal: Fractal;
}

/**
 * The protective stop at arming: the newest confirmed bullish fractal strictly below the price,
 * rounded down to the tick. Undefined means the stop waits for the first fractal.
 */
export function initialStop(snapshot: MarketSnapshot): InitialStop | undefined {
  const fractal = latestBullishFractal(snapshot.candles, { now: snapshot.now, below: snapshot.price });
  if (!fractal) return undefined;
  const stop = floorToStep(fractal.price, snapshot.tickSize);
  // A low under one tick rounds to zero, which is no price at all (PRICE_FILTER minPrice).
  if (!isPositive(stop)) return undefined;
  return { stop, fractal };
}

/** Whether and where the stop moves at this candle close. */
export function evaluateTrailingStop(state: TrailingStopState, snapshot: MarketSnapshot): StopDecision {
  if (state.currentStop === undefined) {
    const first = initialStop(snapshot);
    return first ? { move: true, newStop: first.stop, fractal: first.fractal, basis: 'protective' } : { move: false, reason: 'no-fractal' };
  }

  const fractal = latestBullishFractal(snapshot.candles, { now: snapshot.now, after: state.armedAt });
  if (!fractal) return { move: false, reason: 'no-fractal-since-arming' };
  const candidateStop = floorToStep(fractal.price, snapshot.tickSize);
  const hold = (reason: StopHoldReason): StopDecision => ({ move: false, reason, fractal, candidateStop });

  if (comparePrice(candidateStop, state.currentStop) <= 0) return hold('not-above-stop');
  if (comparePrice(candidateStop, state.entryPrice) <= 0) return hold('not-above-entry');
  if (comparePrice(fractal.price, snapshot.price) >= 0) return hold('not-below-price');
  if (isPositive(state.minMovePct)) {
    // rise / currentStop < minMovePct / 100, without division: rise * 100 < currentStop * minMovePct.
    const rise = sub(candidateStop, state.currentStop);
    if (comparePrice(mul(rise, '100'), mul(state.currentStop, state.minMovePct)) < 0) return hold('move-too-small');
  }
  return { move: true, newStop: candidateStop, fractal, basis: 'trailing' };
}
