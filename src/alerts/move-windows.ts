/**
 * The lows and highs a symbol traded at, for move alerts (DESIGN.md §6b): per-minute high/low
 * buckets over the longest window any move alert may watch, and per window length the closed
 * buckets inside it as monotonic queues, so the low and high of a window cost O(1) per update
 * however many alerts share it. Floats only order the buckets; the decimal strings travel with
 * them, so the fire's "from" price is the traded one.
 */
import { MAX_MOVE_WINDOW_MS } from './price-alert-types.js';

const MINUTE = 60_000;

/** The lowest and highest trades of a span, as traded and as numbers, with their times. */
export interface Extremes {
  low: string;
  lowNum: number;
  lowAt: number;
  high: string;
  highNum: number;
  highAt: number;
}

interface Bucket extends Extremes {
  minute: number;
}

/** Sliding-window minimum and maximum over closed minute buckets (monotonic deques). */
interface WindowQueues {
  minutes: number;
  lows: Bucket[];
  lowHead: number;
  highs: Bucket[];
  highHead: number;
}

export interface MoveWindows {
  /** One trade (or a candle's extreme) at `at`; one older than the newest minute is already counted. */
  add(at: number, price: string, priceNum: number): void;
  /** Extremes of the `windowMs` ending at the current minute (inclusive); undefined before any trade. */
  extremes(windowMs: number): Extremes | undefined;
}

/** Extremes widened by one trade; a new span starts at it. */
export function widen(extremes: Extremes | undefined, price: string, priceNum: number, at: number): Extremes {
  if (!extremes) return { low: price, lowNum: priceNum, lowAt: at, high: price, highNum: priceNum, highAt: at };
  if (priceNum < extremes.lowNum) Object.assign(extremes, { low: price, lowNum: priceNum, lowAt: at });
  if (priceNum > extremes.highNum) Object.assign(extremes, { high: price, highNum: priceNum, highAt: at });
  return extremes;
}

function pushClosed(q: WindowQueues, bucket: Bucket): void {
  while (q.lows.length > q.lowHead && q.lows[q.lows.length - 1]!.lowNum >= bucket.lowNum) q.lows.pop();
  q.lows.push(bucket);
  while (q.highs.length > q.highHead && q.highs[q.highs.length - 1]!.highNum <= bucket.highNum) q.highs.pop();
  q.highs.push(bucket);
}

function expire(q: WindowQueues, currentMinute: number): void {
  const first = currentMinute - q.minutes + 1;
  while (q.lowHead < q.lows.length && q.lows[q.lowHead]!.minute < first) q.lowHead++;
  while (q.highHead < q.highs.length && q.highs[q.highHead]!.minute < first) q.highHead++;
  // Compact now and then, so the arrays do not grow without bound.
  if (q.lowHead > 256 && q.lowHead * 2 > q.lows.length) {
    q.lows = q.lows.slice(q.lowHead);
    q.lowHead = 0;
  }
  if (q.highHead > 256 && q.highHead * 2 > q.highs.length) {
    q.highs = q.highs.slice(q.highHead);
    q.highHead = 0;
  }
}

export function createMoveWindows(): MoveWindows {
  const buckets: Bucket[] = [];
  const windows = new Map<number, WindowQueues>();

  return {
    add(at, price, priceNum) {
      const minute = Math.floor(at / MINUTE);
      const last = buckets[buckets.length - 1];
      if (!last || last.minute < minute) {
        buckets.push({ minute, ...widen(undefined, price, priceNum, at) });
        for (const q of windows.values()) {
          if (last) pushClosed(q, last);
          expire(q, minute);
        }
        const oldest = minute - MAX_MOVE_WINDOW_MS / MINUTE;
        let drop = 0;
        while (drop < buckets.length && buckets[drop]!.minute < oldest) drop++;
        if (drop > 0) buckets.splice(0, drop);
        return;
      }
      if (last.minute > minute) return;
      widen(last, price, priceNum, at);
    },

    extremes(windowMs) {
      const current = buckets[buckets.length - 1];
      if (!current) return undefined;
      let q = windows.get(windowMs);
      if (!q) {
        // A window length seen for the first time: its queues are built once from the buckets kept.
        q = { minutes: Math.ceil(windowMs / MINUTE), lows: [], lowHead: 0, highs: [], highHead: 0 };
        for (let i = 0; i < buckets.length - 1; i++) pushClosed(q, buckets[i]!);
        expire(q, current.minute);
        windows.set(windowMs, q);
      }
      const low = q.lowHead < q.lows.length && q.lows[q.lowHead]!.lowNum < current.lowNum ? q.lows[q.lowHead]! : current;
      const high = q.highHead < q.highs.length && q.highs[q.highHead]!.highNum > current.highNum ? q.highs[q.highHead]! : current;
      return { low: low.low, lowNum: low.lowNum, lowAt: low.lowAt, high: high.high, highNum: high.highNum, highAt: high.highAt };
    },
  };
}
