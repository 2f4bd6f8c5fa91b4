/**
 * Kline fixtures in the two forms tests need: decoded `Kline[]` and raw 12-field rows (what GET
 * /api/v3/klines returns and the replay feed reads). The captures come as raw rows or in the
 * object form of the SleepwalkerSpace files (../shared/fixtures/SOURCES.md); this is the one place
 * that converts between them.
 */
import type { Kline, KlineRow } from '../../src/binance/types.js';
import { fixture, KLINE_FIXTURES } from './fixtures.js';

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
  takerBuyBaseAssetVolume: string;
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

/**
 * The raw row of an object-form candle. The capture dropped the taker-buy quote volume (field 10),
 * so it is "0" here, as in assets/replay.
 */
export function rowFromObject(o: KlineObject): KlineRow {
  return [o.openTime, o.open, o.high, o.low, o.close, o.volume, o.closeTime, o.quoteAssetVolume, o.numberOfTrades, o.takerBuyBaseAssetVolume, '0', '0'];
}

export type KlineFixture = keyof typeof KLINE_FIXTURES;

/** The capture as Kline[], oldest first. */
export function fixtureCandles(name: KlineFixture): Kline[] {
  const path = KLINE_FIXTURES[name];
  return name.startsWith('raw')
    ? fixture<KlineRow[]>(path).map(klineFromRow)
    : fixture<KlineObject[]>(path).map(klineFromObject);
}

/** The capture as raw kline rows, oldest first. */
export function fixtureRows(name: KlineFixture): KlineRow[] {
  const path = KLINE_FIXTURES[name];
  return name.startsWith('raw') ? fixture<KlineRow[]>(path) : fixture<KlineObject[]>(path).map(rowFromObject);
}

/** The first moment every candle of the capture is closed (Binance's closeTime is the last ms). */
export const afterLastClose = (candles: readonly Kline[]): number => candles[candles.length - 1]!.closeTime + 1;
