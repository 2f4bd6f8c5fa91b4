/**
 * Binance's GET /api/v3/klines selection (from `startTime` forward, else the latest `limit` up to
 * `endTime`) over one series of candles, whether the interval asked for is the stored one, an
 * aggregate of it (volumes keeping their inputs' decimals) or finer candles cut out of it
 * (kline-subdivide.ts). Each walks only the rows it needs: a series holds up to 50 000 candles.
 */
import type { KlineInterval, KlineRow } from '../../binance/types.js';
import * as d from '../../decimal.js';
import { subdivide } from './kline-subdivide.js';
import { sumKeepingDecimals } from './kline-decimals.js';
import { candleCloseTime, candleOpenTime } from '../../binance/kline-intervals.js';

export interface KlinesQuery {
  limit: number;
  startTime?: number;
  endTime?: number;
  /** Feed time: how far into the forming candle finer, derived candles go (kline-subdivide.ts). */
  now?: number;
}

/** A read-only view of closed rows followed by the forming candle, without copying. */
export interface RowView {
  length: number;
  at(i: number): KlineRow;
}

/** Derived `fine` candles selected as `select` would, cutting only the stored candles needed. */
export function subdivideRange(rows: RowView, hasForming: boolean, fine: KlineInterval, query: KlinesQuery): KlineRow[] {
  const cut = (i: number): KlineRow[] =>
    subdivide(rows.at(i), fine, hasForming && i === rows.length - 1 ? (query.now ?? rows.at(i)[6]) : undefined);
  const out: KlineRow[] = [];
  if (query.startTime !== undefined) {
    for (let i = Math.max(0, lowerBound(rows, query.startTime) - 1); i < rows.length; i++) {
      for (const row of cut(i)) {
        if (row[0] < query.startTime) continue;
        if (query.endTime !== undefined && row[0] > query.endTime) return out;
        out.push(row);
        if (out.length === query.limit) return out;
      }
    }
    return out;
  }
  const chunks: KlineRow[][] = [];
  let n = 0;
  for (let i = (query.endTime === undefined ? rows.length : lowerBound(rows, query.endTime + 1)) - 1; i >= 0 && n < query.limit; i--) {
    const part = cut(i).filter((r) => query.endTime === undefined || r[0] <= query.endTime);
    chunks.unshift(part);
    n += part.length;
  }
  return chunks.flat().slice(-query.limit);
}

/** Index of the first row whose open time is >= time. */
export function lowerBound(rows: RowView, time: number): number {
  let lo = 0;
  let hi = rows.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (rows.at(mid)[0] < time) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Binance's selection: from startTime forward, else the latest `limit` up to endTime. */
export function select(rows: RowView, query: KlinesQuery): KlineRow[] {
  const out: KlineRow[] = [];
  if (query.startTime !== undefined) {
    for (let i = lowerBound(rows, query.startTime); i < rows.length && out.length < query.limit; i++) {
      const row = rows.at(i);
      if (query.endTime !== undefined && row[0] > query.endTime) break;
      out.push(row);
    }
    return out;
  }
  const end = query.endTime === undefined ? rows.length : lowerBound(rows, query.endTime + 1);
  for (let i = Math.max(0, end - query.limit); i < end; i++) out.push(rows.at(i));
  return out;
}

/** Aggregated candles of `interval` selected as `select` would, walking only the source rows needed. */
export function aggregateRange(source: RowView, interval: KlineInterval, query: KlinesQuery): KlineRow[] {
  const buckets: KlineRow[][] = [];
  if (query.startTime !== undefined) {
    const first = candleOpenTime(interval, query.startTime);
    for (let i = lowerBound(source, first); i < source.length; i++) {
      const row = source.at(i);
      const open = candleOpenTime(interval, row[0]);
      if (query.endTime !== undefined && open > query.endTime) break;
      const current = buckets[buckets.length - 1];
      if (current && candleOpenTime(interval, current[0]![0]) === open) current.push(row);
      else if (buckets.length === query.limit + 1) break;
      else buckets.push([row]);
    }
    return buckets
      .filter((b) => candleOpenTime(interval, b[0]![0]) >= query.startTime!)
      .slice(0, query.limit)
      .map((b) => aggregate(interval, b));
  }
  const end = query.endTime === undefined ? source.length : lowerBound(source, candleCloseTime(interval, candleOpenTime(interval, query.endTime)) + 1);
  for (let i = end - 1; i >= 0; i--) {
    const row = source.at(i);
    const open = candleOpenTime(interval, row[0]);
    const current = buckets[buckets.length - 1];
    if (current && candleOpenTime(interval, current[0]![0]) === open) current.unshift(row);
    else if (buckets.length === query.limit) break;
    else buckets.push([row]);
  }
  return buckets.reverse().map((b) => aggregate(interval, b));
}

function aggregate(interval: KlineInterval, rows: KlineRow[]): KlineRow {
  const first = rows[0]!;
  const last = rows[rows.length - 1]!;
  const open = candleOpenTime(interval, first[0]);
  let high = first[2];
  let low = first[3];
  let trades = 0;
  for (const r of rows) {
    if (d.gt(r[2], high)) high = r[2];
    if (d.lt(r[3], low)) low = r[3];
    trades += r[8];
  }
  const sum = (field: 5 | 7 | 9 | 10) => sumKeepingDecimals(rows.map((r) => r[field]));
  return [open, first[1], high, low, last[4], sum(5), candleCloseTime(interval, open), sum(7), trades, sum(9), sum(10), '0'];
}
