/**
 * Closed candles for a backtest (DESIGN.md §11): GET /api/v3/klines paged 1,000 rows at a time
 * (the most one request returns, weight 2 whatever the limit: BINANCE.md "Limits"), cached in
 * Redis.
 *
 * - Pages are aligned to a fixed grid (1,000 candles from the epoch), so the same candle is
 *   always in the same page, and a page that lies wholly before the last close never changes:
 *   it is cached (JSON of compact rows, `HISTORY_CACHE_TTL_S`). Only the newest page, which
 *   grows, is read afresh. A second backtest of the same span reads one page from the exchange.
 * - The cache is keyed by a market key: the exchange's identity. A replayed paper market is
 *   re-stamped at each start (docs/PAPER-EXCHANGE.md), so its key changes with each start and
 *   old pages are never read against a new timeline.
 * - Weight: reads go through the `view` priority client, which refuses before sending when the
 *   minute's weight would eat the reserve kept for orders and stops (EXCHANGE_BUSY, with the
 *   wait); the loader then waits that long, a bounded number of times, and says so in the
 *   progress. A trader's backtest never delays a stop move.
 * - Only closed candles: nothing at or after the close being judged is returned.
 */
import type { Redis } from 'ioredis';
import { candleOpenTime, intervalMs } from '../binance/kline-intervals.js';
import type { Kline, KlineInterval } from '../binance/types.js';
import type { ExchangeClient } from '../binance/exchange-client.js';
import { AppError, isExchangeError } from '../errors.js';

/** Rows per GET /api/v3/klines. */
export const KLINES_PAGE = 1000;
/** How long a finished page stays cached. */
export const HISTORY_CACHE_TTL_S = 7 * 24 * 3600;
/** Waits for the exchange's weight budget before giving up. */
const BUSY_WAITS = 5;
const MAX_BUSY_WAIT_MS = 60_000;

type CompactRow = [number, string, string, string, string, string, number];

export interface KlineHistoryDeps {
  /** The `view` priority client: a backtest must not spend the trading reserve. */
  exchange: Pick<ExchangeClient, 'klines'>;
  redis: Redis;
  prefix: string;
  /** The exchange's identity in cache keys (see above). */
  marketKey: string;
  sleep?: (ms: number) => Promise<void>;
}

export interface HistoryRequest {
  symbol: string;
  interval: KlineInterval;
  /** Closed candles wanted, ending with the one closing at `lastCloseTime`. */
  count: number;
  /** Close time (Binance's last ms) of the newest closed candle. */
  lastCloseTime: number;
  /** Pages loaded so far, of how many. */
  onPage?: (loaded: number, pages: number, note?: string) => void;
}

export interface KlineHistory {
  load(request: HistoryRequest): Promise<{ candles: Kline[]; requests: number; cachedPages: number }>;
}

export function createKlineHistory(deps: KlineHistoryDeps): KlineHistory {
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const pageKey = (symbol: string, interval: KlineInterval, page: number) => `${deps.prefix}:klines:${deps.marketKey}:${symbol}:${interval}:${page}`;

  async function fetchPage(symbol: string, interval: KlineInterval, start: number, end: number, onBusy: (note: string) => void): Promise<Kline[]> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await deps.exchange.klines(symbol, interval, { startTime: start, endTime: end, limit: KLINES_PAGE });
      } catch (error) {
        const wait = isExchangeError(error) && error.kind === 'rate-limited' ? (error.retryAfterMs ?? 10_000) : undefined;
        if (wait === undefined || attempt >= BUSY_WAITS || wait > MAX_BUSY_WAIT_MS) throw error;
        onBusy(`waiting ${Math.ceil(wait / 1000)} s for the exchange's request budget`);
        await sleep(wait);
      }
    }
  }

  return {
    async load(request) {
      const { symbol, interval, count, lastCloseTime } = request;
      if (interval === '1M') throw new AppError('BOT_BAD_ARGUMENTS', 'monthly candles are not paged by a fixed grid');
      const ms = intervalMs(interval);
      const pageSpan = ms * KLINES_PAGE;
      const lastOpen = candleOpenTime(interval, lastCloseTime);
      const firstOpen = lastOpen - (count - 1) * ms;
      const firstPage = Math.floor(firstOpen / pageSpan);
      const lastPage = Math.floor(lastOpen / pageSpan);
      const pages = lastPage - firstPage + 1;
      const keys = Array.from({ length: pages }, (_, i) => pageKey(symbol, interval, firstPage + i));
      const cached = await deps.redis.mget(keys);
      const candles: Kline[] = [];
      let requests = 0;
      let cachedPages = 0;
      for (let i = 0; i < pages; i++) {
        const page = firstPage + i;
        const start = page * pageSpan;
        const end = start + pageSpan - 1;
        let rows: Kline[];
        const hit = cached[i];
        if (hit) {
          rows = (JSON.parse(hit) as CompactRow[]).map(fromCompact);
          cachedPages++;
        } else {
          rows = await fetchPage(symbol, interval, start, Math.min(end, lastCloseTime), (note) => request.onPage?.(i, pages, note));
          requests++;
          // A page wholly closed never changes; the newest one is still growing.
          if (end <= lastCloseTime) await deps.redis.set(keys[i]!, JSON.stringify(rows.map(toCompact)), 'EX', HISTORY_CACHE_TTL_S);
        }
        for (const row of rows) if (row.openTime >= firstOpen && row.closeTime <= lastCloseTime) candles.push(row);
        request.onPage?.(i + 1, pages);
      }
      return { candles, requests, cachedPages };
    },
  };
}

const toCompact = (k: Kline): CompactRow => [k.openTime, k.open, k.high, k.low, k.close, k.volume, k.closeTime];
const fromCompact = (r: CompactRow): Kline => ({ openTime: r[0], open: r[1], high: r[2], low: r[3], close: r[4], volume: r[5], closeTime: r[6], quoteVolume: '0', trades: 0 });
