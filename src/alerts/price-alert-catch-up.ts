/**
 * The gap a price alert worker did not see, read back over REST (DESIGN.md §6b). Binance does not
 * replay the events missed while a stream was down, so after every (re)connect, and whenever a
 * symbol is newly watched, the symbol's alerts are evaluated from the last state evaluated
 * (`seen`, kept in Redis, so a restart or a takeover catches up too) to now: 1m klines (coarser
 * for a long gap) are replayed through the same index (a level crossed while disconnected fires,
 * saying so), the move buckets are refilled for the longest window, and the closed candles of
 * every indicator interval are read again. This is the only REST the price alert worker makes.
 */
import type { ExchangeClient } from '../binance/exchange-client.js';
import { intervalMs } from '../binance/kline-intervals.js';
import type { Kline, KlineInterval } from '../binance/types.js';
import type { PriceAlertIndex } from './price-alert-index.js';
import { INDICATOR_CANDLES, takeIndicatorFires } from './price-alert-indicators.js';
import type { PriceAlertStore, SeenMark } from './price-alert-store.js';
import { intervalOf, levelReached, type Fire, type PriceAlert } from './price-alert-types.js';
import type { Watch } from './price-alert-watch.js';

const CATCH_UP_LIMIT = 1000;
const CATCH_UP_INTERVALS: readonly KlineInterval[] = ['1m', '5m', '15m', '1h', '4h', '1d'];

export interface PriceAlertCatchUpDeps {
  exchange: Pick<ExchangeClient, 'klines'>;
  store: Pick<PriceAlertStore, 'readSeen'>;
  index: PriceAlertIndex;
  /** Claims the fires and re-arms found, as for live updates. */
  handle(fires: readonly Fire[], rearms: readonly PriceAlert[], at: number): void;
  /** The worker still holds the symbol: a catch-up of a symbol handed over meanwhile stops. */
  isWatched(symbol: string): boolean;
}

export interface PriceAlertCatchUp {
  /**
   * Evaluates `w`'s alerts over the gap from its last evaluated state to `to` and loads its
   * indicator candles; the span replayed, or undefined when the symbol was handed over meanwhile.
   */
  replay(w: Watch, to: number): Promise<{ from: number; alerts: number } | undefined>;
  /** The closed candles of `interval` before `to` (enough for the indicators), newest last. */
  closedCandles(symbol: string, interval: KlineInterval, to: number): Promise<Kline[]>;
  /** Where a level alert's price was reached from its arming to `until`, by 1s candles (at most 1,000 of them). */
  crossedSince(alert: PriceAlert, until: number): Promise<{ price: string; at: number } | undefined>;
}

export function createPriceAlertCatchUp(deps: PriceAlertCatchUpDeps): PriceAlertCatchUp {
  const { exchange, index, handle } = deps;

  async function closedCandles(symbol: string, interval: KlineInterval, to: number): Promise<Kline[]> {
    const rows = await exchange.klines(symbol, interval, { limit: INDICATOR_CANDLES + 1 });
    return rows.filter((c) => c.closeTime < to);
  }

  /** A level alert armed inside a minute: the extreme of its 1s candles from the arming to the minute's end. */
  async function crossedAfterArming(symbol: string, alert: PriceAlert, until: number): Promise<{ price: string; at: number } | undefined> {
    const c = alert.condition;
    if (c.kind !== 'above' && c.kind !== 'below') return undefined;
    const limit = Math.min(CATCH_UP_LIMIT, Math.max(1, Math.ceil((until - alert.armedAt) / 1_000) + 1));
    const seconds = await exchange.klines(symbol, '1s', { startTime: alert.armedAt, endTime: until, limit });
    for (const k of seconds) {
      if (k.openTime < alert.armedAt) continue;
      const price = levelReached(c, k.high, k.low);
      if (price !== undefined) return { price, at: k.openTime };
    }
    return undefined;
  }

  /** Price, move and re-arm conditions over the gap, from candles of the finest interval that covers it in one read. */
  async function replayPrices(symbol: string, seen: SeenMark | undefined, alerts: readonly PriceAlert[], from: number, to: number): Promise<boolean> {
    const moveWindow = Math.max(0, ...alerts.map((a) => (a.condition.kind === 'move' ? a.condition.windowMs : 0)));
    const start = Math.min(from, to - moveWindow);
    const span = Math.max(0, to - start);
    if (span === 0 || !alerts.some((a) => intervalOf(a.condition) === undefined)) return true;
    const interval = CATCH_UP_INTERVALS.find((i) => span / intervalMs(i) < CATCH_UP_LIMIT) ?? '1d';
    const step = intervalMs(interval);
    const candles = await exchange.klines(symbol, interval, { startTime: Math.floor(start / step) * step, limit: CATCH_UP_LIMIT });
    if (!deps.isWatched(symbol)) return false;
    index.seedBuckets(symbol, candles.filter((c) => c.closeTime < from));
    for (const c of candles.filter((k) => k.closeTime >= from && k.openTime <= to)) {
      // The minute last seen live: only what traded beyond what was seen in it is news.
      const seenMinute = seen !== undefined && c.openTime <= seen.at && seen.at <= c.closeTime;
      const high = seenMinute && seen.high !== undefined && !(Number(c.high) > Number(seen.high)) ? seen.price : c.high;
      const low = seenMinute && seen.low !== undefined && !(Number(c.low) < Number(seen.low)) ? seen.price : c.low;
      const { fires, rearms } = index.evaluate({ symbol, at: Math.max(c.openTime, from), price: c.close, high, low });
      // A candle that began before an alert was set may hold trades from before it: they do not fire it,
      // unless the alert was watched live in that minute, so what the candle adds came after.
      const valid = (a: PriceAlert) => c.openTime >= a.armedAt || (seenMinute && a.armedAt <= seen.at);
      const real = fires.filter((f) => valid(f.alert));
      // Set within this minute: its 1s candles from the arming on say whether the level was reached after it.
      for (const f of fires.filter((x) => !valid(x.alert))) {
        const after = await crossedAfterArming(symbol, f.alert, c.closeTime);
        if (after) real.push({ ...f, price: after.price, at: after.at });
        else index.upsert(f.alert);
      }
      handle(
        real.map((f) => ({ ...f, at: c.openTime, caughtUp: { from, to } })),
        rearms,
        c.closeTime,
      );
    }
    return true;
  }

  return {
    closedCandles,
    crossedSince: (alert, until) => crossedAfterArming(alert.symbol, alert, until),

    async replay(w, to) {
      const seen = w.seen ?? (await deps.store.readSeen([w.symbol])).get(w.symbol);
      const alerts = index.alertsOf(w.symbol);
      const armedFrom = Math.min(...alerts.map((a) => a.armedAt), to);
      const from = seen ? Math.max(seen.at, armedFrom) : armedFrom;
      if (!(await replayPrices(w.symbol, seen, alerts, from, to))) return undefined;
      const intervals = new Set(index.indicatorAlerts(w.symbol).map((a) => intervalOf(a.condition)!));
      for (const interval of intervals) {
        const closed = await closedCandles(w.symbol, interval, to);
        if (!deps.isWatched(w.symbol)) return undefined;
        w.candles.set(interval, closed);
        const fires = takeIndicatorFires(index, w.symbol, interval, closed);
        handle(
          fires.map((f) => (seen && f.closeTime! > seen.at ? { ...f, caughtUp: { from, to } } : f)),
          [],
          to,
        );
      }
      return { from, alerts: alerts.length };
    },
  };
}
