/**
 * Candles finer than what a feed stores (a replay of 1h candles asked for 1m, ccxt's default):
 * derived, not recorded. Each stored candle is cut into equal sub-candles along the same price
 * path the replay walks (replay-feed.ts): open → high → low → close for a bearish candle, open →
 * low → high → close otherwise, the turning points at one third and two thirds of the candle.
 * Between turning points the price moves in a straight line, rounded to the decimals the stored
 * prices use (so BTCUSDT stays on its 0.01 grid). Volumes, quote volumes and taker volumes are
 * split evenly (the last sub-candle takes the rounding remainder, so the sub-candles add up to
 * the stored candle exactly), trades likewise. The forming candle is cut up to `now` only.
 *
 * What this cannot know: the real intra-candle path and volume profile. Deliberate and
 * documented in docs/PAPER-EXCHANGE.md.
 */
import type { KlineInterval, KlineRow } from '../../binance/types.js';
import * as d from '../../decimal.js';
import { intervalMs } from '../../binance/kline-intervals.js';
import { PRICE_DECIMALS } from './kline-decimals.js';

/** Whether `fine` candles can be cut out of `coarse` ones (a whole number of them per candle). */
export function canSubdivide(coarse: KlineInterval, fine: KlineInterval): boolean {
  if (coarse === '1M' || fine === '1M') return false;
  const c = intervalMs(coarse);
  const f = intervalMs(fine);
  return f < c && c % f === 0;
}

/**
 * The `fine` sub-candles of `parent`, oldest first. `formingUntil`: the parent is still forming
 * and its price path so far ends at that time; only sub-candles that have opened by then exist.
 */
export function subdivide(parent: KlineRow, fine: KlineInterval, formingUntil?: number): KlineRow[] {
  const [openTime, open, high, low, close] = parent;
  const length = parent[6] + 1 - openTime;
  const step = intervalMs(fine);
  const end = formingUntil === undefined ? parent[6] : Math.min(parent[6], Math.max(openTime, formingUntil));
  const span = end - openTime;
  const count = formingUntil === undefined ? length / step : Math.floor(span / step) + 1;
  const decimals = Math.max(...[open, high, low, close].map(meaningfulDecimals));

  const path = d.gt(open, close) ? [open, high, low, close] : [open, low, high, close];
  const times = [openTime, openTime + Math.floor(span / 3), openTime + Math.floor((2 * span) / 3), end];
  const priceAt = (t: number): string => {
    if (t >= end) return close;
    let k = 0;
    while (k < 2 && t >= times[k + 1]!) k++;
    const [t0, t1] = [times[k]!, times[k + 1]!];
    const [p0, p1] = [path[k]!, path[k + 1]!];
    if (t1 === t0) return p1;
    const moved = d.div(d.mul(d.sub(p1, p0), String(t - t0)), String(t1 - t0), decimals, 'half-up');
    return d.add(p0, moved);
  };

  const shares = (value: string) => split(value, count);
  const volume = shares(parent[5]);
  const quote = shares(parent[7]);
  const takerBase = shares(parent[9]);
  const takerQuote = shares(parent[10]);
  const trades = splitInt(parent[8], count);

  const out: KlineRow[] = [];
  for (let i = 0; i < count; i++) {
    const t0 = openTime + i * step;
    const t1 = Math.min(t0 + step, end);
    const o = priceAt(t0);
    const c = i === count - 1 ? close : priceAt(t1);
    let h = d.max(o, c);
    let l = d.min(o, c);
    for (let k = 1; k < 3; k++) {
      if (times[k]! > t0 && times[k]! < t1) {
        h = d.max(h, path[k]!);
        l = d.min(l, path[k]!);
      }
    }
    const px = (v: string) => d.formatFixed(v, PRICE_DECIMALS);
    out.push([t0, px(o), px(h), px(l), px(c), volume[i]!, t0 + step - 1, quote[i]!, trades[i]!, takerBase[i]!, takerQuote[i]!, '0']);
  }
  return out;
}

function meaningfulDecimals(value: string): number {
  const dot = value.indexOf('.');
  return dot < 0 ? 0 : value.slice(dot + 1).replace(/0+$/, '').length;
}

/** `value` in `n` parts with its own decimals; the last part takes the remainder. */
function split(value: string, n: number): string[] {
  const dot = value.indexOf('.');
  const decimals = dot < 0 ? 0 : value.length - dot - 1;
  const part = d.div(value, String(n), decimals);
  const last = d.sub(value, d.mul(part, String(n - 1)));
  const fmt = (v: string) => d.formatFixed(v, decimals);
  return [...Array.from({ length: n - 1 }, () => fmt(part)), fmt(last)];
}

function splitInt(value: number, n: number): number[] {
  const part = Math.floor(value / n);
  return [...Array.from({ length: n - 1 }, () => part), value - part * (n - 1)];
}
