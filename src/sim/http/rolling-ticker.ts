/**
 * GET /api/v3/ticker: price change statistics over a rolling window of 1m…59m, 1h…23h or 1d…7d
 * (rest-api.md "Rolling window price change statistics"). `openTime` starts on a minute and
 * `closeTime` is the request's time, so the window is up to 59 999 ms wider than asked. Computed
 * from the feed's candles: 1m candles for windows up to 1000 minutes, 15m candles (the first
 * one whole) for longer ones; the paper exchange has candles, not trades.
 */
import type { KlineRow, SymbolInfo } from '../../binance/types.js';
import { candleTicker } from '../feeds/candle-ticker.js';
import { SimError } from '../sim-error.js';
import type { MarketFeed } from '../types.js';

const MINUTE = 60_000;
const UNITS: Record<string, { ms: number; max: number }> = {
  m: { ms: MINUTE, max: 59 },
  h: { ms: 60 * MINUTE, max: 23 },
  d: { ms: 24 * 60 * MINUTE, max: 7 },
};

/** `1m`…`59m`, `1h`…`23h`, `1d`…`7d`; anything else is -1100 (units cannot be combined). */
export function windowSizeMs(text: string): number {
  const match = /^([1-9][0-9]?)([mhd])$/.exec(text);
  const unit = match ? UNITS[match[2]!] : undefined;
  const n = match ? Number(match[1]) : 0;
  if (!unit || n > unit.max) throw new SimError(400, -1100, "Illegal characters found in parameter 'windowSize'; legal range is '1m-59m, 1h-23h, 1d-7d'.");
  return n * unit.ms;
}

export function rollingTicker(feed: MarketFeed, info: SymbolInfo, windowMs: number, type: 'FULL' | 'MINI'): Record<string, unknown> {
  const now = feed.now();
  const openTime = now - (now % MINUTE) - windowMs;
  const fine = windowMs <= 1000 * MINUTE;
  const rows: KlineRow[] = feed
    .klines(info.symbol, fine ? '1m' : '15m', { limit: 1000, startTime: fine ? openTime : openTime - (openTime % (15 * MINUTE)) })
    .filter((r) => r[0] <= now);
  const last = feed.price(info.symbol);
  const t = rows.length > 0 ? candleTicker(info.symbol, rows, undefined, now, last) : undefined;
  const zero = '0.00000000';
  const price = t?.lastPrice ?? last ?? zero;
  const stats = {
    openPrice: t?.openPrice ?? price, highPrice: t?.highPrice ?? price, lowPrice: t?.lowPrice ?? price, lastPrice: price,
    volume: t?.volume ?? zero, quoteVolume: t?.quoteVolume ?? zero, openTime, closeTime: now,
    firstId: t?.firstId ?? -1, lastId: t?.lastId ?? -1, count: t?.count ?? 0,
  };
  if (type === 'MINI') return { symbol: info.symbol, ...stats };
  return {
    symbol: info.symbol,
    priceChange: t?.priceChange ?? zero,
    priceChangePercent: t?.priceChangePercent ?? '0.000',
    weightedAvgPrice: t?.weightedAvgPrice ?? price,
    ...stats,
  };
}
