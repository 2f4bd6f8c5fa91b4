/**
 * RSI and MACD alerts (DESIGN.md §6b) decided on closed candles: an RSI alert fires on the candle
 * whose RSI(14) is past its level while the candle before was not (`rsi<30`: the previous ≥ 30,
 * this one < 30); a MACD alert on the candle where MACD(12,26,9) − signal changes sign. A cross
 * needs two closed candles, so a level the indicator already sits beyond when the alert is set
 * does not fire until it crosses again, and a repeat alert needs the indicator to go back first.
 *
 * The candle must have closed after the alert was armed, and after the candle that last fired it:
 * evaluated again at a reconnect, the same candle cannot fire twice (the claim checks it too).
 * The math is src/market/indicators.ts's (technicalindicators, EMA MACD), on floats: it decides a
 * message, never an order.
 */
import { RSI } from 'technicalindicators';
import type { Kline, KlineInterval } from '../binance/types.js';
import { macdSeries, TA_PERIODS } from '../market/indicators.js';
import type { PriceAlertIndex } from './price-alert-index.js';
import { intervalOf, type Fire, type PriceAlert } from './price-alert-types.js';

/** Closed candles kept per (symbol, interval): Wilder's RSI and the EMAs settle within a few times their period. */
export const INDICATOR_CANDLES = 300;

export interface IndicatorSeries {
  /** Per candle index, RSI(14) or undefined before it exists. */
  rsi: Array<number | undefined>;
  /** Per candle index, MACD and its signal, or undefined. */
  macd: Array<{ macd: number; signal: number } | undefined>;
}

export function indicatorSeries(candles: readonly Pick<Kline, 'close'>[]): IndicatorSeries {
  const closes = candles.map((c) => Number(c.close));
  const rsiValues = RSI.calculate({ period: TA_PERIODS.rsi, values: closes });
  const rsi: Array<number | undefined> = new Array<number | undefined>(closes.length - rsiValues.length).fill(undefined).concat(rsiValues);
  const macd = macdSeries(closes).map((p) => (p ? { macd: p.macd, signal: p.signal } : undefined));
  return { rsi, macd };
}

const sideOf = (h: number) => (h > 0 ? 1 : h < 0 ? -1 : 0);

/**
 * The newest cross of each alert among `candles` (closed, oldest first) on a candle that closed
 * after the alert was armed and after its last fire. One fire per alert at most.
 */
export function indicatorFires(alerts: readonly PriceAlert[], candles: readonly Kline[], series: IndicatorSeries = indicatorSeries(candles)): Fire[] {
  const fires: Fire[] = [];
  for (const alert of alerts) {
    const c = alert.condition;
    if (!alert.armed || (c.kind !== 'rsi' && c.kind !== 'macd')) continue;
    const after = Math.max(alert.armedAt, alert.lastClose ?? -Infinity);
    for (let i = candles.length - 1; i >= 1; i--) {
      const candle = candles[i]!;
      if (candle.closeTime <= after) break;
      let fire: Fire | undefined;
      const base = { alert, price: candle.close, at: candle.closeTime, closeTime: candle.closeTime, mode: alert.repeat ? ('rearm' as const) : ('remove' as const) };
      if (c.kind === 'rsi') {
        const now = series.rsi[i];
        const before = series.rsi[i - 1];
        const level = Number(c.level);
        if (now === undefined || before === undefined) break;
        const crossed = c.op === '<' ? before >= level && now < level : before <= level && now > level;
        if (crossed) fire = { ...base, detail: { kind: 'rsi', value: now, previous: before } };
      } else {
        const now = series.macd[i];
        // A touch (exactly zero) carries the side before it: look back past it.
        let j = i - 1;
        while (j >= 0 && series.macd[j] !== undefined && sideOf(series.macd[j]!.macd - series.macd[j]!.signal) === 0) j--;
        const before = j >= 0 ? series.macd[j] : undefined;
        if (now === undefined || before === undefined) break;
        const s = sideOf(now.macd - now.signal);
        const p = sideOf(before.macd - before.signal);
        if (s !== 0 && p !== 0 && s !== p) fire = { ...base, detail: { kind: 'macd', direction: s > 0 ? 'bullish' : 'bearish', macd: now.macd, signal: now.signal } };
      }
      if (fire) {
        fires.push(fire);
        break;
      }
    }
  }
  return fires;
}

/** The indicator alerts of `symbol` on `interval` that `candles` fire, taken out of the index until their claim settles. */
export function takeIndicatorFires(index: Pick<PriceAlertIndex, 'indicatorAlerts' | 'remove'>, symbol: string, interval: KlineInterval, candles: readonly Kline[]): Fire[] {
  const fires = indicatorFires(
    index.indicatorAlerts(symbol).filter((a) => intervalOf(a.condition) === interval),
    candles,
  );
  for (const f of fires) index.remove(f.alert.id);
  return fires;
}
