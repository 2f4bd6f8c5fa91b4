/**
 * The modelled order book of the rest of the market: what the paper account's taker orders
 * trade against, and what GET /api/v3/depth, /ticker/bookTicker and the 24h ticker's bid/ask
 * show. A replay or a poll knows trades (candles), not the book, so the book is derived,
 * deterministically, from the last price and the reference candle (the latest closed 1h candle,
 * else of another interval the feed serves, `referenceCandle`):
 *
 * - Grid: prices are whole ticks (PRICE_FILTER.tickSize), quantities whole lots (LOT_SIZE.stepSize).
 * - Spread: R = the candle's range (high − low) in ticks; the spread is max(1, ⌊R / 1000⌋) ticks.
 *   The best bid is the last price less ⌊spread / 2⌋ ticks, the best ask the bid plus the spread,
 *   so with a one-tick spread a SELL meets the last price and a BUY pays one tick more.
 * - Levels: one every max(1, ⌊R / 400⌋) ticks on each side, up to 5000 (Binance's depth maximum).
 * - Depth: the candle's volume per minute V; the best level holds max(1 lot, ⌊V / 20⌋) and level
 *   i holds that times (1 + i/2), so a larger order walks more levels and slips further.
 * - No volume known (a programmatic test feed, a candle with zero volume): every level holds
 *   LOT_SIZE.maxQty, i.e. orders fill at the touch as if the book were deep.
 *
 * Integers (ticks, lots) are bigint: nothing here is a float.
 */
import { div, floorToStep, gte, isPositive, lte, mul, normalize, sub } from '../../decimal.js';
import type { KlineInterval, KlineRow, SymbolInfo } from '../../binance/types.js';
import { filterOf, lotStep, tickSize } from './symbol-rules.js';

export interface BookLevel {
  price: string;
  qty: string;
}

/** The candle the book is derived from. */
export interface ReferenceCandle {
  high: string;
  low: string;
  /** Base volume over the candle. */
  volume: string;
  /** Length of the candle in minutes (a 1h candle: 60). */
  minutes: number;
}

export interface MarketBook {
  /** Best bid first; at most `levels` (≤ MAX_LEVELS). */
  bids(levels: number): BookLevel[];
  /** Best ask first. */
  asks(levels: number): BookLevel[];
  bestBid(): BookLevel | undefined;
  bestAsk(): BookLevel | undefined;
}

export const MAX_LEVELS = 5000;
const FALLBACK_GRID = '0.00000001';

export function modelBook(info: SymbolInfo, last: string, candle: ReferenceCandle | undefined): MarketBook {
  const tick = positiveOr(tickSize(info), FALLBACK_GRID);
  const step = positiveOr(lotStep(info), FALLBACK_GRID);
  const rangeTicks = candle === undefined ? 0n : BigInt(floorToStep(div(sub(candle.high, candle.low), tick, 0), '1'));
  const spread = max(1n, rangeTicks / 1000n);
  const gap = max(1n, rangeTicks / 400n);
  const lastTicks = BigInt(div(last, tick, 0));
  const bidTop = lastTicks - spread / 2n;
  const askTop = bidTop + spread;

  let topLots: bigint | undefined;
  if (candle !== undefined && isPositive(candle.volume) && candle.minutes > 0) {
    const perMinute = div(candle.volume, String(candle.minutes), 16);
    topLots = max(1n, BigInt(div(div(perMinute, '20', 16), step, 0)));
  }
  const deepQty = normalize(filterOf(info, 'LOT_SIZE')?.maxQty ?? '9000');
  const qtyAt = (i: number): string => {
    if (topLots === undefined) return deepQty;
    const lots = topLots + (topLots * BigInt(i)) / 2n;
    return normalize(mul(lots.toString(), step));
  };
  const priceAt = (ticks: bigint): string => normalize(mul(ticks.toString(), tick));

  const side = (top: bigint, direction: 1n | -1n) => (levels: number): BookLevel[] => {
    const out: BookLevel[] = [];
    const n = Math.min(levels, MAX_LEVELS);
    for (let i = 0; i < n; i++) {
      const ticks = top + direction * gap * BigInt(i);
      if (ticks <= 0n) break;
      out.push({ price: priceAt(ticks), qty: qtyAt(i) });
    }
    return out;
  };
  const bids = side(bidTop, -1n);
  const asks = side(askTop, 1n);
  return { bids, asks, bestBid: () => bids(1)[0], bestAsk: () => asks(1)[0] };
}

function positiveOr(value: string, fallback: string): string {
  return isPositive(value) ? value : fallback;
}

function max(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}

/** Where the model's inputs come from (the market feed's klines). */
export interface CandleSource {
  klines(symbol: string, interval: KlineInterval, options: { limit: number }): KlineRow[];
}

/**
 * The hour first: its range is a fair measure of how wide the book is, and a finer candle may be
 * derived (kline-subdivide.ts), with an interpolated, too narrow range. The first one the feed answers is used.
 */
const REFERENCE_INTERVALS: readonly KlineInterval[] = ['1h', '15m', '5m', '1m', '4h', '1d'];

/** The latest closed candle of the reference interval (the forming one when it is all there is). */
export function referenceCandle(feed: CandleSource, symbol: string): ReferenceCandle | undefined {
  for (const interval of REFERENCE_INTERVALS) {
    const rows = feed.klines(symbol, interval, { limit: 2 });
    if (rows.length === 0) continue;
    const row = rows.length >= 2 ? rows[rows.length - 2]! : rows[0]!;
    return { high: row[2], low: row[3], volume: row[5], minutes: Math.max(1, Math.round((row[6] + 1 - row[0]) / 60_000)) };
  }
  return undefined;
}

/** One unlimited level a side: the engine's book when no model is wired (its unit tests). */
export function flatBook(bid: string, ask: string): MarketBook {
  const deep = '1000000000000';
  const bids = (levels: number) => (levels > 0 ? [{ price: bid, qty: deep }] : []);
  const asks = (levels: number) => (levels > 0 ? [{ price: ask, qty: deep }] : []);
  return { bids, asks, bestBid: () => bids(1)[0], bestAsk: () => asks(1)[0] };
}

/** The modelled book of a symbol around `center` (default: the last price), from the feed's candles. */
export function marketBook(
  feed: CandleSource & { price(symbol: string): string | undefined },
  info: SymbolInfo | undefined,
  center?: string,
): MarketBook | undefined {
  if (info === undefined) return undefined;
  const last = center ?? feed.price(info.symbol);
  if (last === undefined) return undefined;
  return modelBook(info, last, referenceCandle(feed, info.symbol));
}

/** A limit that would trade at once against the book (LIMIT_MAKER's rejection). */
export function crossesBook(side: 'BUY' | 'SELL', limit: string, liquidity: MarketBook): boolean {
  const touch = side === 'BUY' ? liquidity.bestAsk() : liquidity.bestBid();
  if (touch === undefined) return false;
  return side === 'BUY' ? gte(limit, touch.price) : lte(limit, touch.price);
}
