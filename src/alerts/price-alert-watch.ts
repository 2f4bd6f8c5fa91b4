/**
 * One symbol a price alert worker holds the lease of, and where its evaluation stands: caught up
 * and live, or waiting for a catch-up over REST (price-alert-catch-up.ts) after a (re)connect.
 * The functions here turn the market stream's payloads into the index's updates and keep the
 * state the catch-up needs (`seen`: what was last evaluated live, saved to Redis).
 */
import type { Kline, KlineInterval } from '../binance/types.js';
import type { MarketUpdate } from './price-alert-index.js';
import type { SeenMark } from './price-alert-store.js';
import { levelReached, type PriceAlert } from './price-alert-types.js';

const MINUTE = 60_000;
/** How long a watch keeps the updates it evaluated live (about one a second). */
export const RECENT_UPDATES_MS = 60_000;
const TICKER_SUFFIX = '@miniTicker';

export type StreamData = Record<string, unknown>;

export interface Watch {
  symbol: string;
  caughtUp: boolean;
  catching: boolean;
  /** Bumped at every (re)connect: a catch-up that began before it is done again. */
  epoch: number;
  /** The newest mini-ticker while catching up: evaluated after. */
  waiting?: StreamData;
  /** 24h high and low of the previous mini-ticker: a rise or fall of them is a new trade. */
  prevHigh?: string;
  prevLow?: string;
  /** Closed candles per indicator interval, oldest first. */
  candles: Map<KlineInterval, Kline[]>;
  seen?: SeenMark;
  /**
   * The updates evaluated live over the last RECENT_UPDATES_MS, oldest first: an alert reaches
   * the index a poll after it was set, and the trades in between are checked against these.
   */
  recent: MarketUpdate[];
}

export const newWatch = (symbol: string): Watch => ({ symbol, caughtUp: false, catching: false, epoch: 0, candles: new Map(), recent: [] });

/** The mini-ticker stream a watch follows. */
export const tickerStream = (symbol: string): string => `${symbol.toLowerCase()}${TICKER_SUFFIX}`;

/** The symbol of a mini-ticker stream name; undefined for other streams. */
export const tickerSymbol = (stream: string): string | undefined => (stream.endsWith(TICKER_SUFFIX) ? stream.slice(0, -TICKER_SUFFIX.length).toUpperCase() : undefined);

/** A (re)connect: what the watch knew of the stream is stale until caught up again. */
export function resetWatch(w: Watch): void {
  w.caughtUp = false;
  w.epoch += 1;
  delete w.prevHigh;
  delete w.prevLow;
  w.candles.clear();
  w.recent = [];
}

/** Keeps an update evaluated live among the watch's recent ones. */
export function rememberUpdate(w: Watch, update: MarketUpdate): void {
  w.recent.push(update);
  const cutoff = update.at - RECENT_UPDATES_MS;
  let stale = 0;
  while (stale < w.recent.length && w.recent[stale]!.at < cutoff) stale++;
  if (stale > 0) w.recent.splice(0, stale);
}

/**
 * Where a level alert's price was reached among the updates evaluated live since it was armed,
 * before it was in the index; 'unknown' when the kept updates do not reach back to its arming
 * (the watch went live after it, or it was armed long ago).
 */
export function crossedSinceArming(w: Watch, alert: PriceAlert): { price: string; at: number } | 'unknown' | undefined {
  const c = alert.condition;
  if (c.kind !== 'above' && c.kind !== 'below') return undefined;
  const oldest = w.recent[0];
  if (oldest === undefined || oldest.at > alert.armedAt) return 'unknown';
  for (const u of w.recent) {
    if (u.at < alert.armedAt) continue;
    const price = levelReached(c, u.high ?? u.price, u.low ?? u.price);
    if (price !== undefined) return { price, at: u.at };
  }
  return undefined;
}

/**
 * The index's update for one mini-ticker: a 24h high above the previous one (or low below) can
 * only be a new trade, so it is passed as the update's extreme and a wick between pushes fires.
 */
export function tickerUpdate(w: Watch, data: StreamData, now: () => number): MarketUpdate {
  const price = String(data.c);
  const at = typeof data.E === 'number' ? data.E : now();
  const high = typeof data.h === 'string' ? data.h : undefined;
  const low = typeof data.l === 'string' ? data.l : undefined;
  const update: MarketUpdate = { symbol: w.symbol, at, price };
  if (high !== undefined && w.prevHigh !== undefined && Number(high) > Number(w.prevHigh)) update.high = high;
  if (low !== undefined && w.prevLow !== undefined && Number(low) < Number(w.prevLow)) update.low = low;
  if (high !== undefined) w.prevHigh = high;
  if (low !== undefined) w.prevLow = low;
  return update;
}

/** Records an evaluated update as the watch's `seen`, keeping the extremes of its minute so far. */
export function markSeen(w: Watch, update: MarketUpdate): SeenMark {
  const { at, price } = update;
  const hi = update.high ?? price;
  const lo = update.low ?? price;
  const prev = w.seen;
  const sameMinute = prev !== undefined && Math.floor(prev.at / MINUTE) === Math.floor(at / MINUTE);
  w.seen = {
    at,
    price,
    high: sameMinute && prev.high !== undefined && Number(prev.high) > Number(hi) ? prev.high : hi,
    low: sameMinute && prev.low !== undefined && Number(prev.low) < Number(lo) ? prev.low : lo,
  };
  return w.seen;
}

/** The candle of a kline stream payload (`k`) once it has closed; undefined while it is open. */
export function closedKline(k: StreamData): Kline | undefined {
  if (k.x !== true) return undefined;
  return { openTime: Number(k.t), open: String(k.o), high: String(k.h), low: String(k.l), close: String(k.c), volume: String(k.v), closeTime: Number(k.T), quoteVolume: String(k.q), trades: Number(k.n) };
}
