/**
 * A market feed driven by hand, for tests: set a price, close a candle, load history.
 *
 * Each stored interval is its own series (default 1m, 1h, 4h, 1d; any interval given to
 * `loadKlines` joins them); other intervals are aggregated from the largest stored one that
 * divides them (5m from 1m, 2h from 1h, 1w from 1d). A series' forming candle opens at the first
 * price after its last closed candle (or on the candle containing `now()` when it has no
 * history), follows every `setPrice`, and closes only when `closeCandle` says so: time never
 * closes a candle here, so tests decide exactly when a stop manager sees a close.
 */
import type { Logger } from 'pino';
import type { KlineInterval, KlineRow } from '../../binance/types.js';
import { normalize } from '../../decimal.js';
import { createCandleBook } from './candle-book.js';
import { createListeners } from './feed-listeners.js';
import { candleOpenTime } from '../../binance/kline-intervals.js';
import type { CandleClose, PriceTick, ProgrammaticFeed } from '../types.js';

export interface ProgrammaticFeedOptions {
  symbols: string[];
  /** Starting prices (decimal strings). A symbol without one has no price until setPrice or loadKlines. */
  prices?: Record<string, string>;
  /** Starting history per symbol and interval (raw kline rows, oldest first). */
  klines?: Record<string, Partial<Record<KlineInterval, KlineRow[]>>>;
  /** Stored intervals besides those in `klines`. Default ['1m', '1h', '4h', '1d']. */
  intervals?: KlineInterval[];
  /** Tick times and the feed's now(). Default Date.now. */
  now?: () => number;
  /** Where listener errors go; without it a listener's error is rethrown to the caller of setPrice/closeCandle. */
  logger?: Logger;
}

export function createProgrammaticFeed(options: ProgrammaticFeedOptions): ProgrammaticFeed {
  const now = options.now ?? Date.now;
  const log = options.logger?.child({ module: 'programmatic-feed' });
  const onError = log ? (err: unknown) => log.error({ err }, 'feed listener failed') : undefined;
  const ticks = createListeners<PriceTick>(onError);
  const closes = createListeners<CandleClose>(onError);
  const book = createCandleBook();
  const known = new Set(options.symbols);
  const prices = new Map<string, string>();
  const defaultIntervals = options.intervals ?? ['1m', '1h', '4h', '1d'];

  function assertKnown(symbol: string): void {
    if (!known.has(symbol)) throw new Error(`programmatic feed: unknown symbol ${symbol} (configured: ${[...known].join(', ')})`);
  }

  function loadKlines(symbol: string, interval: KlineInterval, rows: KlineRow[]): void {
    assertKnown(symbol);
    book.load(symbol, interval, rows.map((r) => [...r] as KlineRow));
    const last = rows[rows.length - 1];
    // A symbol with history has a price at once (its last close), as a replay does.
    if (last && !prices.has(symbol)) prices.set(symbol, normalize(last[4]));
  }

  function openTimeOfNext(symbol: string, interval: KlineInterval): number {
    const last = book.lastClosed(symbol, interval);
    return last ? last[6] + 1 : candleOpenTime(interval, now());
  }

  for (const symbol of options.symbols) {
    for (const interval of defaultIntervals) book.load(symbol, interval, []);
    for (const [interval, rows] of Object.entries(options.klines?.[symbol] ?? {})) {
      if (rows) loadKlines(symbol, interval as KlineInterval, rows);
    }
    const price = options.prices?.[symbol];
    if (price !== undefined) prices.set(symbol, normalize(price));
  }

  return {
    kind: 'programmatic',
    symbols: () => [...known],
    price: (symbol) => prices.get(symbol),
    klines: (symbol, interval, query) => book.klines(symbol, interval, query),
    ticker24h: (symbol) => (known.has(symbol) ? book.ticker24h(symbol, now(), prices.get(symbol)) : undefined),
    onTick: (listener) => ticks.add(listener),
    onCandleClose: (listener) => closes.add(listener),
    now,
    async start() {},
    async close() {
      ticks.clear();
      closes.clear();
    },

    setPrice(symbol, price) {
      assertKnown(symbol);
      const p = normalize(price);
      prices.set(symbol, p);
      for (const interval of book.storedIntervals(symbol)) book.applyPrice(symbol, interval, p, openTimeOfNext(symbol, interval));
      ticks.emit({ symbol, price: p, time: now() });
    },

    closeCandle(symbol, interval) {
      assertKnown(symbol);
      const stored = book.storedIntervals(symbol);
      const target = interval ?? stored[0];
      if (!target || !stored.includes(target)) {
        throw new Error(`programmatic feed: ${symbol} has no ${interval ?? ''} series (stored: ${stored.join(', ')})`);
      }
      const price = prices.get(symbol);
      if (price === undefined) throw new Error(`programmatic feed: ${symbol} has no price yet; setPrice first`);
      // A candle with no tick since the last close still closes, flat at the last price.
      for (const i of stored) if (!book.forming(symbol, i)) book.applyPrice(symbol, i, price, openTimeOfNext(symbol, i));
      const endsAt = book.forming(symbol, target)![6];
      const closed: CandleClose[] = [];
      for (const i of stored) {
        if (book.forming(symbol, i)![6] === endsAt) closed.push(...book.close(symbol, i));
      }
      for (const i of stored) if (!book.forming(symbol, i)) book.applyPrice(symbol, i, price, openTimeOfNext(symbol, i));
      closed.sort((a, b) => a.kline[6] - a.kline[0] - (b.kline[6] - b.kline[0]));
      for (const c of dedupe(closed)) closes.emit(c);
    },

    loadKlines,
  };
}

/** A stored interval and an aggregate of a smaller one may both close the same candle: announce it once. */
function dedupe(closes: CandleClose[]): CandleClose[] {
  const seen = new Set<string>();
  return closes.filter((c) => {
    const key = `${c.interval}:${c.kline[0]}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
