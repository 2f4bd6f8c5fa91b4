/**
 * Candle storage shared by the feeds: per symbol, one or more stored series (raw kline rows,
 * oldest first, plus the forming candle), and any larger interval aggregated from the largest
 * stored interval that divides it (1h → 2h, 4h, 1d, 1w, 1M), so a feed that stores 1h answers
 * GET /api/v3/klines for 4h exactly like Binance. Aggregated volumes keep the decimals of their
 * inputs, so a 4h candle built from Binance's 1h candles is byte-identical to Binance's 4h one.
 * Intervals finer than any stored one are derived by cutting the finest stored candle that holds
 * a whole number of them (kline-subdivide.ts), so every interval from 1s up is answered.
 */
import type { KlineInterval, KlineRow, Ticker24h } from '../../binance/types.js';
import * as d from '../../decimal.js';
import type { CandleClose } from '../types.js';
import { candleTicker } from './candle-ticker.js';
import { canSubdivide, subdivide } from './kline-subdivide.js';
import { PRICE_DECIMALS } from './kline-decimals.js';
import { aggregateRange, lowerBound, select, subdivideRange, type KlinesQuery, type RowView } from './kline-ranges.js';
import { DAY, KLINE_INTERVALS, canAggregate, candleCloseTime, candleOpenTime, intervalMs } from '../../binance/kline-intervals.js';

export interface CandleBook {
  symbols(): string[];
  /** Intervals stored (not aggregated) for a symbol, smallest first. */
  storedIntervals(symbol: string): KlineInterval[];
  /** Replaces a series with closed candles (oldest first) and drops its forming candle. */
  load(symbol: string, interval: KlineInterval, rows: KlineRow[]): void;
  /** Last closed candle of a stored series. */
  lastClosed(symbol: string, interval: KlineInterval): KlineRow | undefined;
  forming(symbol: string, interval: KlineInterval): KlineRow | undefined;
  setForming(symbol: string, interval: KlineInterval, row: KlineRow | undefined): void;
  /**
   * Moves `price` into the forming candle (high, low, close), opening one at `openTime` with
   * zero volume when there is none.
   */
  applyPrice(symbol: string, interval: KlineInterval, price: string, openTime: number): void;
  /**
   * Closes a stored series' candle: `row` (or the forming candle) becomes history. Returns the
   * closes to announce: the finer candles derived from it (kline-subdivide.ts), this interval's,
   * then every aggregated interval that ends with it.
   */
  close(symbol: string, interval: KlineInterval, row?: KlineRow): CandleClose[];
  /** Puts a closed candle into a stored series (replacing the one with its open time), leaving the forming candle alone. */
  upsertClosed(symbol: string, interval: KlineInterval, row: KlineRow): void;
  /** The closes a closed candle of a stored series announces: its own, then every aggregate ending with it. */
  closesEndingWith(symbol: string, interval: KlineInterval, row: KlineRow): CandleClose[];
  /** Like GET /api/v3/klines: oldest first, the last row may be the forming candle. Rows are the book's own: do not mutate them. */
  klines(symbol: string, interval: KlineInterval, query: KlinesQuery): KlineRow[];
  /** Rolling 24 h ending at `now` (or at the last candle, when the data ends before `now`). */
  ticker24h(symbol: string, now: number, lastPrice?: string): Ticker24h | undefined;
}

export interface CandleBookOptions {
  /** Closed candles kept per series; older ones are dropped (a looping replay grows forever otherwise). Default 50 000. */
  maxRows?: number;
}

interface Series {
  rows: KlineRow[];
  forming: KlineRow | undefined;
}

export function createCandleBook(options: CandleBookOptions = {}): CandleBook {
  const maxRows = options.maxRows ?? 50_000;
  const book = new Map<string, Map<KlineInterval, Series>>();

  function series(symbol: string, interval: KlineInterval, create = false): Series | undefined {
    let bySymbol = book.get(symbol);
    if (!bySymbol) {
      if (!create) return undefined;
      bySymbol = new Map();
      book.set(symbol, bySymbol);
    }
    let s = bySymbol.get(interval);
    if (!s && create) {
      s = { rows: [], forming: undefined };
      bySymbol.set(interval, s);
    }
    return s;
  }

  function storedIntervals(symbol: string): KlineInterval[] {
    const bySymbol = book.get(symbol);
    return bySymbol ? KLINE_INTERVALS.filter((i) => bySymbol.has(i)) : [];
  }

  /** The stored interval `interval` is served from: itself, or the largest stored divisor. */
  function sourceOf(symbol: string, interval: KlineInterval): KlineInterval | undefined {
    const stored = storedIntervals(symbol);
    if (stored.includes(interval)) return interval;
    return stored.filter((s) => canAggregate(s, interval)).pop();
  }

  function view(s: Series): RowView {
    const { rows, forming } = s;
    return { length: rows.length + (forming ? 1 : 0), at: (i) => (i < rows.length ? rows[i]! : forming!) };
  }

  /** The finest stored interval `interval` can be cut out of (a whole number of `interval` per candle). */
  function coarserSourceOf(symbol: string, interval: KlineInterval): KlineInterval | undefined {
    return storedIntervals(symbol).find((s) => canSubdivide(s, interval));
  }

  function klines(symbol: string, interval: KlineInterval, query: KlinesQuery): KlineRow[] {
    if (query.limit <= 0) return [];
    const source = sourceOf(symbol, interval);
    if (!source) {
      // Finer than anything stored: derived sub-candles (kline-subdivide.ts).
      const coarse = coarserSourceOf(symbol, interval);
      if (!coarse) return [];
      const s = series(symbol, coarse)!;
      return subdivideRange(view(s), s.forming !== undefined, interval, query);
    }
    const rows = view(series(symbol, source)!);
    if (source === interval) return select(rows, query);
    return aggregateRange(rows, interval, query);
  }

  function upsertClosed(symbol: string, interval: KlineInterval, row: KlineRow): void {
    const s = series(symbol, interval, true)!;
    const last = s.rows[s.rows.length - 1];
    if (!last || last[0] < row[0]) s.rows.push(row);
    else {
      const i = lowerBound(view({ rows: s.rows, forming: undefined }), row[0]);
      s.rows.splice(i, s.rows[i]?.[0] === row[0] ? 1 : 0, row);
    }
    if (s.rows.length > maxRows * 1.1) s.rows.splice(0, s.rows.length - maxRows);
  }

  function closesEndingWith(symbol: string, interval: KlineInterval, row: KlineRow): CandleClose[] {
    // Derived finer candles (kline-subdivide.ts) close with the stored one that holds them, in
    // time order, finer first: a kline stream of 15m on a 1h replay sees its closes (late, but
    // final and the same candles GET /api/v3/klines serves). 1s is left out: 3600 an hour.
    const derived: CandleClose[] = [];
    for (const fine of KLINE_INTERVALS) {
      if (fine === '1s' || sourceOf(symbol, fine) !== undefined || coarserSourceOf(symbol, fine) !== interval) continue;
      for (const kline of subdivide(row, fine)) derived.push({ symbol, interval: fine, kline });
    }
    derived.sort((a, b) => a.kline[6] - b.kline[6] || intervalMs(a.interval) - intervalMs(b.interval));
    const closes: CandleClose[] = [...derived, { symbol, interval, kline: row }];
    const s = series(symbol, interval);
    if (!s) return closes;
    const closedOnly: RowView = view({ rows: s.rows, forming: undefined });
    const stored = storedIntervals(symbol);
    for (const target of KLINE_INTERVALS) {
      if (stored.includes(target) || sourceOf(symbol, target) !== interval) continue;
      const open = candleOpenTime(target, row[0]);
      if (candleCloseTime(target, open) !== row[6]) continue;
      const [kline] = aggregateRange(closedOnly, target, { limit: 1, endTime: open });
      if (kline && kline[0] === open) closes.push({ symbol, interval: target, kline });
    }
    return closes;
  }

  function close(symbol: string, interval: KlineInterval, row?: KlineRow): CandleClose[] {
    const s = series(symbol, interval, true)!;
    const closed = row ?? s.forming;
    if (!closed) return [];
    upsertClosed(symbol, interval, closed);
    s.forming = undefined;
    return closesEndingWith(symbol, interval, closed);
  }

  return {
    symbols: () => [...book.keys()],
    storedIntervals,
    load(symbol, interval, rows) {
      const s = series(symbol, interval, true)!;
      s.rows = rows.slice(-maxRows);
      s.forming = undefined;
    },
    lastClosed: (symbol, interval) => series(symbol, interval)?.rows.at(-1),
    forming: (symbol, interval) => series(symbol, interval)?.forming,
    setForming(symbol, interval, row) {
      series(symbol, interval, true)!.forming = row;
    },
    applyPrice(symbol, interval, price, openTime) {
      const s = series(symbol, interval, true)!;
      const p = d.formatFixed(price, PRICE_DECIMALS);
      const f = s.forming;
      if (!f) {
        s.forming = [openTime, p, p, p, p, '0.00000000', candleCloseTime(interval, openTime), '0.00000000', 0, '0.00000000', '0.00000000', '0'];
        return;
      }
      if (d.gt(p, f[2])) f[2] = p;
      if (d.lt(p, f[3])) f[3] = p;
      f[4] = p;
    },
    close,
    upsertClosed,
    closesEndingWith,
    klines,
    ticker24h(symbol, now, lastPrice) {
      // The finest series that covers the whole 24 h (1m history may hold only 16 h), else the longest one.
      const candidates = storedIntervals(symbol)
        .map((i) => view(series(symbol, i)!))
        .filter((v) => v.length > 0);
      if (candidates.length === 0) return undefined;
      const covers = (v: RowView) => v.at(0)[0] <= Math.min(now, v.at(v.length - 1)[6] + 1) - DAY;
      const rows = candidates.find(covers) ?? candidates.reduce((a, b) => (a.at(0)[0] <= b.at(0)[0] ? a : b));
      const end = Math.min(now, rows.at(rows.length - 1)[6] + 1);
      const from = lowerBound(rows, end - DAY);
      const to = lowerBound(rows, end);
      const window: KlineRow[] = [];
      for (let i = from; i < to; i++) window.push(rows.at(i));
      if (window.length === 0) window.push(rows.at(rows.length - 1));
      const prev = from > 0 ? rows.at(from - 1) : undefined;
      return candleTicker(symbol, window, prev, end, lastPrice);
    },
  };
}
