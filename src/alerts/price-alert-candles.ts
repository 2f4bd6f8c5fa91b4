/**
 * The closed candles RSI and MACD alerts read, per watched symbol and interval: read once over
 * REST (at catch-up, or when a new indicator alert needs an interval on a symbol already live),
 * then kept by the `<symbol>@kline_<interval>` stream; each close evaluates the interval's alerts.
 */
import type { KlineInterval } from '../binance/types.js';
import type { Logger } from '../logger.js';
import type { PriceAlertCatchUp } from './price-alert-catch-up.js';
import type { PriceAlertIndex } from './price-alert-index.js';
import { INDICATOR_CANDLES, takeIndicatorFires } from './price-alert-indicators.js';
import type { Fire } from './price-alert-types.js';
import { closedKline, type StreamData, type Watch } from './price-alert-watch.js';

export interface IndicatorCandlesDeps {
  catchUp: Pick<PriceAlertCatchUp, 'closedCandles'>;
  index: Pick<PriceAlertIndex, 'indicatorAlerts' | 'remove'>;
  /** Claims the fires found. */
  handle(fires: readonly Fire[], at: number): void;
  /** The watch is still the worker's current one for its symbol. */
  isCurrent(w: Watch): boolean;
  /** Keeps a background read in the set the service awaits at close. */
  track(work: Promise<unknown>): void;
  now: () => number;
  log: Logger;
}

export interface IndicatorCandles {
  /** Reads the closed candles of `interval` for a live watch that does not have them yet. */
  ensure(w: Watch, interval: KlineInterval): void;
  /** One kline stream payload (`k`): a closed candle is appended and evaluated. */
  onKline(w: Watch, k: StreamData): void;
}

export function createIndicatorCandles(deps: IndicatorCandlesDeps): IndicatorCandles {
  const { index } = deps;
  const loading = new Set<string>();

  function ensure(w: Watch, interval: KlineInterval): void {
    const key = `${w.symbol}:${interval}`;
    if (w.candles.has(interval) || loading.has(key) || !w.caughtUp) return;
    loading.add(key);
    const epoch = w.epoch;
    const to = deps.now();
    deps.track(
      deps.catchUp
        .closedCandles(w.symbol, interval, to)
        .then((closed) => {
          if (epoch !== w.epoch || !deps.isCurrent(w) || w.candles.has(interval)) return;
          w.candles.set(interval, closed);
          deps.handle(takeIndicatorFires(index, w.symbol, interval, closed), to);
        })
        .catch((error: unknown) => deps.log.warn({ err: error, symbol: w.symbol, interval }, 'reading candles for an indicator alert failed; retried at the next candle'))
        .finally(() => loading.delete(key)),
    );
  }

  return {
    ensure,
    onKline(w, k) {
      const candle = closedKline(k);
      if (!candle) return;
      const interval = k.i as KlineInterval;
      const candles = w.candles.get(interval);
      if (!candles) {
        ensure(w, interval);
        return;
      }
      const last = candles[candles.length - 1];
      if (last && candle.closeTime <= last.closeTime) return;
      candles.push(candle);
      if (candles.length > INDICATOR_CANDLES) candles.splice(0, candles.length - INDICATOR_CANDLES);
      deps.handle(takeIndicatorFires(index, w.symbol, interval, candles), candle.closeTime);
    },
  };
}
