/**
 * Real prices for paper trading: Binance's public market data, polled.
 *
 * At start, each symbol's candles are seeded from GET /api/v3/klines at a few stored intervals
 * (default 1m, 1h, 4h, 1d; the others are aggregated from them), and the prices of all symbols
 * come from one GET /api/v3/ticker/price request per poll. Each poll moves the forming candles
 * and emits a tick for every price that changed. When wall time crosses a candle boundary, the
 * forming candle is put into history at once and, after `confirmDelayMs`, replaced by the
 * exchange's own candle (exact high, low and volume: polling sees only a few prices per candle);
 * the candle close is announced with the exchange's candle, or with the polled one if the
 * exchange cannot be reached.
 *
 * Failures never stop the feed: a failed poll keeps the last prices and is retried at the next
 * poll; a 429/418 pauses polling until its Retry-After.
 */
import type { Logger } from 'pino';
import type { KlineInterval, KlineRow } from '../../binance/types.js';
import { normalize } from '../../decimal.js';
import { createCandleBook } from './candle-book.js';
import { createListeners } from './feed-listeners.js';
import { candleOpenTime, intervalMs } from '../../binance/kline-intervals.js';
import { createMarketDataClient, type MarketDataError, type MarketDataClientOptions } from './market-data-client.js';
import type { CandleClose, MarketFeed, PriceTick } from '../types.js';

export interface LiveFeedOptions extends MarketDataClientOptions {
  symbols: string[];
  logger: Logger;
  /** Between the end of one poll and the next. Default 2000. */
  pollMs?: number;
  /** Intervals seeded from the exchange and kept; default ['1m', '1h', '4h', '1d']. */
  intervals?: KlineInterval[];
  /** Candles seeded per interval (GET /api/v3/klines limit). Default 1000. */
  seedLimit?: number;
  /** Wait after a candle boundary before asking the exchange for the closed candle. Default 1500. */
  confirmDelayMs?: number;
  /** Wall clock. Default Date.now. */
  now?: () => number;
}

export interface LiveFeed extends MarketFeed {
  readonly kind: 'live';
  /** Runs one poll now (tests call this instead of waiting for the timer); false when it failed or was skipped. */
  poll(): Promise<boolean>;
  /** Resolves when every candle close waiting for the exchange's candle has been announced. */
  settled(): Promise<void>;
}

export function createLiveFeed(options: LiveFeedOptions): LiveFeed {
  const log = options.logger.child({ module: 'live-feed' });
  const now = options.now ?? Date.now;
  const symbols = [...new Set(options.symbols)];
  if (symbols.length === 0) throw new Error('live feed needs at least one symbol');
  const intervals = options.intervals ?? ['1m', '1h', '4h', '1d'];
  const pollMs = options.pollMs ?? 2000;
  const seedLimit = options.seedLimit ?? 1000;
  const confirmDelayMs = options.confirmDelayMs ?? 1500;
  const client = createMarketDataClient(options);
  const onError = (err: unknown) => log.error({ err }, 'feed listener failed');
  const ticks = createListeners<PriceTick>(onError);
  const closes = createListeners<CandleClose>(onError);
  const book = createCandleBook();
  const prices = new Map<string, string>();
  const abort = new AbortController();
  const confirmations = new Set<Promise<void>>();
  let timer: NodeJS.Timeout | undefined;
  let blockedUntil = 0;
  let failing = false;
  let lastFailure = '';
  let running = false;

  async function seed(symbol: string, interval: KlineInterval): Promise<void> {
    const rows = await client.klines(symbol, interval, { limit: seedLimit }, abort.signal);
    const last = rows[rows.length - 1];
    // The last row is the forming candle while its close time is ahead (rest-api.md "Kline/Candlestick data").
    const forming = last && last[6] >= now() ? last : undefined;
    book.load(symbol, interval, forming ? rows.slice(0, -1) : rows);
    book.setForming(symbol, interval, forming);
  }

  /**
   * Puts the exchange's candles in place of the polled one (and of any candle a long pause in
   * polling skipped), then announces their closes, oldest first.
   */
  function confirm(symbol: string, interval: KlineInterval, polled: KlineRow): void {
    const job = (async () => {
      if (confirmDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, confirmDelayMs).unref());
      let closed: KlineRow[] = [polled];
      try {
        const missed = Math.ceil((now() - polled[0]) / intervalMs(interval));
        const rows = await client.klines(symbol, interval, { limit: Math.min(1000, Math.max(1, missed)), startTime: polled[0] }, abort.signal);
        const exchange = rows.filter((r) => r[6] < now());
        if (exchange[0]?.[0] === polled[0]) closed = exchange;
        else log.warn({ symbol, interval, openTime: polled[0] }, 'exchange has no candle for this open time; announcing the polled candle');
      } catch (err) {
        if (abort.signal.aborted) return;
        log.warn({ symbol, interval, reason: (err as Error).message }, 'could not fetch the closed candle; announcing the polled candle');
      }
      if (abort.signal.aborted) return;
      for (const kline of closed) {
        book.upsertClosed(symbol, interval, kline);
        for (const c of book.closesEndingWith(symbol, interval, kline)) closes.emit(c);
      }
    })();
    confirmations.add(job);
    void job.finally(() => confirmations.delete(job));
  }

  function apply(symbol: string, price: string, time: number): void {
    for (const interval of intervals) {
      const forming = book.forming(symbol, interval);
      if (forming && time > forming[6]) {
        book.close(symbol, interval);
        confirm(symbol, interval, forming);
      }
      book.applyPrice(symbol, interval, price, candleOpenTime(interval, time));
    }
    const previous = prices.get(symbol);
    prices.set(symbol, price);
    if (previous !== price) ticks.emit({ symbol, price, time });
  }

  async function poll(): Promise<boolean> {
    if (now() < blockedUntil) return false;
    try {
      const latest = await client.prices(symbols, abort.signal);
      const time = now();
      for (const symbol of symbols) {
        const price = latest.get(symbol);
        if (price !== undefined) apply(symbol, normalize(price), time);
      }
      if (failing) log.info('live prices are back');
      failing = false;
      return true;
    } catch (err) {
      if (abort.signal.aborted) return false;
      const error = err as MarketDataError;
      if (error.retryAfterMs !== undefined) blockedUntil = now() + error.retryAfterMs;
      lastFailure = error.message;
      if (!failing) log.warn({ reason: error.message, blockedUntil: blockedUntil || undefined }, 'live price poll failed; keeping the last prices');
      failing = true;
      return false;
    }
  }

  function schedule(): void {
    if (!running) return;
    timer = setTimeout(() => {
      void poll().finally(schedule);
    }, pollMs);
    timer.unref();
  }

  return {
    kind: 'live',
    symbols: () => [...symbols],
    price: (symbol) => prices.get(symbol),
    klines: (symbol, interval, query) => book.klines(symbol, interval, query),
    ticker24h: (symbol) => (prices.has(symbol) ? book.ticker24h(symbol, now(), prices.get(symbol)) : undefined),
    onTick: (listener) => ticks.add(listener),
    onCandleClose: (listener) => closes.add(listener),
    now,
    async start() {
      if (running) return;
      try {
        for (const symbol of symbols) for (const interval of intervals) await seed(symbol, interval);
      } catch (err) {
        throw new Error(`live feed could not load candles from ${options.baseUrl ?? 'https://data-api.binance.vision'}: ${(err as Error).message}`);
      }
      if (!(await poll())) throw new Error(`live feed could not load prices for ${symbols.join(', ')}: ${lastFailure}`);
      running = true;
      log.info({ symbols, intervals, pollMs }, 'live feed started');
      schedule();
    },
    async close() {
      running = false;
      if (timer) clearTimeout(timer);
      abort.abort();
      await Promise.allSettled([...confirmations]);
      ticks.clear();
      closes.clear();
    },
    poll,
    async settled() {
      while (confirmations.size > 0) await Promise.allSettled([...confirmations]);
    },
  };
}
