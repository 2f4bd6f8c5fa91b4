/**
 * Kline fixtures as Kline[] for the market tests: the raw 12-field rows of GET /api/v3/klines
 * and the object form of the SleepwalkerSpace captures (../shared/fixtures/SOURCES.md).
 */
import type { Kline, KlineRow } from '../../src/binance/types.js';
import { fixture, KLINE_FIXTURES } from '../support/fixtures.js';

/** One element of the objects_SleepwalkerSpace_* captures. */
export interface KlineObject {
  openTime: number;
  open: string;
  high: string;
  low: string;
  close: string;
  volume: string;
  closeTime: number;
  quoteAssetVolume: string;
  numberOfTrades: number;
}

export function klineFromRow(row: KlineRow): Kline {
  const [openTime, open, high, low, close, volume, closeTime, quoteVolume, trades] = row;
  return { openTime, open, high, low, close, volume, closeTime, quoteVolume, trades };
}

export function klineFromObject(o: KlineObject): Kline {
  return {
    openTime: o.openTime,
    open: o.open,
    high: o.high,
    low: o.low,
    close: o.close,
    volume: o.volume,
    closeTime: o.closeTime,
    quoteVolume: o.quoteAssetVolume,
    trades: o.numberOfTrades,
  };
}

export type KlineFixture = keyof typeof KLINE_FIXTURES;

/** The capture as Kline[], oldest first. */
export function fixtureCandles(name: KlineFixture): Kline[] {
  const path = KLINE_FIXTURES[name];
  return name.startsWith('raw')
    ? fixture<KlineRow[]>(path).map(klineFromRow)
    : fixture<KlineObject[]>(path).map(klineFromObject);
}

/** The first moment every candle of the capture is closed (Binance's closeTime is the last ms). */
export const afterLastClose = (candles: readonly Kline[]): number => candles[candles.length - 1]!.closeTime + 1;
