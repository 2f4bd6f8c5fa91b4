/**
 * Replays recorded candles (raw kline rows) as a market.
 *
 * Path through a candle: Binance candles do not say whether the high or the low came first.
 * The replay assumes the usual backtesting rule: a bearish candle (open > close) went up first,
 * open → high → low → close; any other candle went down first, open → low → high → close. A
 * tick is emitted at each point (a point equal to the one before it is skipped), so a stop
 * inside the candle's range triggers as it would have. The points sit at the candle's open,
 * one third, two thirds and close time; the forming candle's volumes grow with time.
 *
 * Time: feed time runs `speed` times faster than the wall clock once `start()` is called
 * (speed 60: an hour of candles per minute); `step()` advances one candle without timers.
 * Candles before `startIndex` are history, so klines, /fractals and stops have context at once.
 * At the end of the data the replay stops (time freezes after the last candle), or with
 * `atEnd: 'loop'` starts again from `startIndex` with every timestamp shifted by the replayed
 * span rounded up to whole UTC days, so time keeps increasing and daily candles stay aligned
 * (the price jumps from the last close to the first replayed open).
 *
 * Re-stamping (`restampTo`): the recorded dates are moved so the first replayed candle is the
 * one open now. Feed time then starts at the present and runs `speed` times faster than the
 * wall clock; at speed 1 it stays equal to GET /api/v3/time, at higher speeds it runs ahead of it
 * (docs/PAPER-EXCHANGE.md).
 */
import type { Logger } from 'pino';
import type { KlineInterval, KlineRow } from '../../binance/types.js';
import * as d from '../../decimal.js';
import { createCandleBook } from './candle-book.js';
import { createListeners } from './feed-listeners.js';
import { DAY, candleOpenTime, intervalMs, intervalOfRows } from '../../binance/kline-intervals.js';
import type { CandleClose, PriceTick, ReplayFeed } from '../types.js';

export interface ReplayFeedOptions {
  /** Candles per symbol, oldest first, all at the same interval (GET /api/v3/klines rows). */
  series: Record<string, KlineRow[]>;
  /** Feed ms per wall ms (PAPER_SPEED). */
  speed: number;
  logger: Logger;
  /** Index (in the merged timeline of all symbols) of the first candle replayed; earlier ones are history. Default 100 (or the last candle of shorter data). */
  startIndex?: number;
  /** What happens after the last candle. Default 'stop'. */
  atEnd?: 'stop' | 'loop';
  /** Wall clock, for tests. Default Date.now. */
  clock?: () => number;
  /**
   * Re-stamp the data so the candle at `startIndex` is the one open at this time (epoch ms;
   * usually the wall clock at construction): history ends just before the present, so
   * `klines?startTime=now-1h` answers and tickers are dated now, and the feed's clock starts at
   * this time. Every timestamp moves by the same whole number of candles. Default: the recorded
   * dates (tests that assert them).
   */
  restampTo?: number;
  /**
   * Whether `start()` sets the replay running on the clock. Default true; false keeps it still
   * until `step()` (a test that starts a whole simulator around the feed and steps it by hand).
   */
  autoAdvance?: boolean;
}

interface WalkPoint {
  symbol: string;
  time: number;
  price: string;
  /** The forming candle after this point; the recorded row itself at the close. */
  candle: KlineRow;
  closes: boolean;
}

/** Most events processed in one timer turn, so a huge speed cannot starve the event loop. */
const MAX_EVENTS_PER_TURN = 2_000;

export function createReplayFeed(options: ReplayFeedOptions): ReplayFeed {
  const log = options.logger.child({ module: 'replay-feed' });
  const clock = options.clock ?? Date.now;
  const { speed } = options;
  if (!(speed > 0) || !Number.isFinite(speed)) throw new Error(`replay speed must be a positive number, got ${speed}`);
  const { symbols, interval, timeline } = validate(options.series);
  const startIndex = options.startIndex ?? Math.min(100, timeline.length - 1);
  if (!Number.isInteger(startIndex) || startIndex < 0 || startIndex >= timeline.length) {
    throw new Error(`replay startIndex must be 0..${timeline.length - 1}, got ${startIndex}`);
  }
  const length = intervalMs(interval);
  const loopShift = Math.ceil((timeline[timeline.length - 1]! + length - timeline[startIndex]!) / DAY) * DAY;
  // Open times are multiples of the interval, so this shift keeps every candle on its boundary.
  const restamp = options.restampTo === undefined ? 0 : candleOpenTime(interval, options.restampTo) - timeline[startIndex]!;

  const onError = (err: unknown) => log.error({ err }, 'feed listener failed');
  const ticks = createListeners<PriceTick>(onError);
  const closes = createListeners<CandleClose>(onError);
  const book = createCandleBook();
  const prices = new Map<string, string>();
  const cursor = new Map<string, number>();

  let pos = startIndex;
  let offset = restamp;
  let pending: WalkPoint[] = [];
  let ended = false;
  let running = false;
  let anchorFeed = options.restampTo ?? timeline[startIndex]!;
  let anchorWall = 0;
  let timer: NodeJS.Timeout | undefined;

  for (const symbol of symbols) {
    const rows = options.series[symbol]!;
    const first = rows.findIndex((r) => r[0] >= timeline[startIndex]!);
    const history = (first < 0 ? rows : rows.slice(0, first)).map((row) => shifted(row, restamp));
    book.load(symbol, interval, history);
    cursor.set(symbol, first < 0 ? rows.length : first);
    const last = history[history.length - 1];
    if (last) prices.set(symbol, d.normalize(last[4]));
  }

  const now = () => (running ? anchorFeed + (clock() - anchorWall) * speed : anchorFeed);

  /** Loads the walk of the next candle time; false at the end of the data (after looping if asked). */
  function loadNextCandle(): boolean {
    if (pos >= timeline.length) {
      if (options.atEnd !== 'loop') {
        if (!ended) log.info({ at: new Date(anchorFeed).toISOString() }, 'replay reached the end of its data; prices stay at the last close');
        ended = true;
        return false;
      }
      pos = startIndex;
      offset += loopShift;
      for (const symbol of symbols) cursor.set(symbol, options.series[symbol]!.findIndex((r) => r[0] >= timeline[startIndex]!));
      log.info({ shiftDays: offset / DAY }, 'replay looped to its start; timestamps shifted');
    }
    const openTime = timeline[pos]!;
    pos += 1;
    const points: WalkPoint[] = [];
    for (const symbol of symbols) {
      const rows = options.series[symbol]!;
      const i = cursor.get(symbol)!;
      const recorded = rows[i];
      if (!recorded || recorded[0] !== openTime) continue;
      cursor.set(symbol, i + 1);
      points.push(...walk(symbol, shifted(recorded, offset)));
    }
    pending = points.sort((a, b) => a.time - b.time);
    return true;
  }

  function apply(point: WalkPoint): void {
    prices.set(point.symbol, point.price);
    book.setForming(point.symbol, interval, point.candle);
    ticks.emit({ symbol: point.symbol, price: point.price, time: point.time });
    if (point.closes) for (const c of book.close(point.symbol, interval, point.candle)) closes.emit(c);
  }

  function nextPoint(): WalkPoint | undefined {
    if (pending.length === 0 && !ended) loadNextCandle();
    return pending[0];
  }

  /** Applies every point due by feed time, then sleeps until the next one. */
  function pump(): void {
    timer = undefined;
    if (!running) return;
    const due = now();
    for (let n = 0; n < MAX_EVENTS_PER_TURN; n++) {
      const point = nextPoint();
      if (!point) {
        // End of data: time freezes just after the last candle.
        anchorFeed = lastCloseTime() + 1;
        running = false;
        return;
      }
      if (point.time > due) {
        timer = setTimeout(pump, Math.max(1, Math.ceil((point.time - due) / speed)));
        timer.unref();
        return;
      }
      pending.shift();
      apply(point);
    }
    timer = setTimeout(pump, 0);
    timer.unref();
  }

  function lastCloseTime(): number {
    return Math.max(...symbols.map((s) => book.lastClosed(s, interval)?.[6] ?? anchorFeed - 1));
  }

  return {
    kind: 'replay',
    symbols: () => [...symbols],
    price: (symbol) => prices.get(symbol),
    klines: (symbol, i, query) => book.klines(symbol, i, { ...query, now: now() }),
    ticker24h: (symbol) => (prices.has(symbol) ? book.ticker24h(symbol, now(), prices.get(symbol)) : undefined),
    onTick: (listener) => ticks.add(listener),
    onCandleClose: (listener) => closes.add(listener),
    now,
    async start() {
      if (running || ended || options.autoAdvance === false) return;
      anchorWall = clock();
      running = true;
      log.info({ symbols, interval, speed, from: new Date(anchorFeed).toISOString() }, 'replay started');
      pump();
    },
    async close() {
      if (timer) clearTimeout(timer);
      timer = undefined;
      if (running) anchorFeed = now();
      running = false;
      ticks.clear();
      closes.clear();
    },
    step() {
      if (pending.length === 0 && !loadNextCandle()) return false;
      const walked = pending;
      pending = [];
      for (const point of walked) apply(point);
      // The clock restarts from the end of the stepped candle.
      anchorFeed = walked[walked.length - 1]!.time + 1;
      anchorWall = clock();
      return true;
    },
    position: (symbol) => cursor.get(symbol) ?? 0,
  };
}

/** The points of one candle in the documented order, each with the forming candle after it. */
function walk(symbol: string, row: KlineRow): WalkPoint[] {
  const [openTime, open, high, low, close] = row;
  const closeTime = row[6];
  const length = closeTime - openTime + 1;
  const path = d.gt(open, close) ? [open, high, low, close] : [open, low, high, close];
  const times = [openTime, openTime + Math.floor(length / 3), openTime + Math.floor((2 * length) / 3), closeTime];
  const points: WalkPoint[] = [];
  let hi = open;
  let lo = open;
  path.forEach((price, k) => {
    if (k > 0 && k < 3 && d.eq(price, path[k - 1]!)) return;
    if (d.gt(price, hi)) hi = price;
    if (d.lt(price, lo)) lo = price;
    const last = k === 3;
    const t = times[k]!;
    const candle: KlineRow = last ? row : partial(row, hi, lo, price, t - openTime, length);
    points.push({ symbol, time: t, price: d.normalize(price), candle, closes: last });
  });
  return points;
}

/** The forming candle `elapsed` ms into a recorded one: OHLC so far, volumes pro rata. */
function partial(row: KlineRow, high: string, low: string, close: string, elapsed: number, length: number): KlineRow {
  const share = (v: string) => {
    const decimals = v.includes('.') ? v.length - v.indexOf('.') - 1 : 0;
    return d.formatFixed(d.div(d.mul(v, String(elapsed)), String(length), decimals), decimals);
  };
  return [row[0], row[1], high, low, close, share(row[5]), row[6], share(row[7]), Math.floor((row[8] * elapsed) / length), share(row[9]), share(row[10]), row[11]];
}

function shifted(row: KlineRow, offset: number): KlineRow {
  if (offset === 0) return row;
  const copy = [...row] as KlineRow;
  copy[0] += offset;
  copy[6] += offset;
  return copy;
}

function validate(series: Record<string, KlineRow[]>): { symbols: string[]; interval: KlineInterval; timeline: number[] } {
  const symbols = Object.keys(series);
  if (symbols.length === 0) throw new Error('replay needs at least one symbol');
  let interval: KlineInterval | undefined;
  const times = new Set<number>();
  for (const symbol of symbols) {
    const rows = series[symbol]!;
    const own = intervalOfRows(rows);
    if (!own) throw new Error(`replay ${symbol}: no candles, or the first candle's open/close times match no Binance interval`);
    if (interval && own !== interval) throw new Error(`replay ${symbol}: candles are ${own} but other symbols are ${interval}; use one interval`);
    interval = own;
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      if (i > 0 && row[0] <= rows[i - 1]![0]) throw new Error(`replay ${symbol}: candle ${i} (openTime ${row[0]}) is not after the one before it`);
      if (row[6] - row[0] !== rows[0]![6] - rows[0]![0]) throw new Error(`replay ${symbol}: candle ${i} is not a ${own} candle`);
      times.add(row[0]);
    }
  }
  return { symbols, interval: interval!, timeline: [...times].sort((a, b) => a - b) };
}
