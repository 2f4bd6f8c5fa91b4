/**
 * Markets for stop tests, from real candles (../shared/fixtures/klines, BTCUSDT 1h 2025-09..11):
 * the object-form capture as raw kline rows, a reference fractal scan written out plainly, and a
 * programmatic-feed path that forms one new bullish fractal above the arming price.
 */
import type { SymbolFilter } from '../../src/binance/symbol-filter-types.js';
import type { ExchangeInfo, KlineRow } from '../../src/binance/types.js';
import { floorToStep, lt, mul, normalize } from '../../src/decimal.js';
import { bundledExchangeInfo } from '../../src/sim/engine/symbol-catalog.js';
import type { ProgrammaticFeed } from '../../src/sim/types.js';
import { fixtureRows } from '../support/klines.js';

export const hourlyRows = (): KlineRow[] => fixtureRows('objects1h');

/** Real BTCUSDT rows per interval: the 2025 object captures (1h, 4h, 1d) and the raw 15m capture. */
export function capturedRows(interval: '15m' | '1h' | '4h' | '1d'): KlineRow[] {
  const names = { '15m': 'raw15m', '1h': 'objects1h', '4h': 'objects4h', '1d': 'objects1d' } as const;
  return fixtureRows(names[interval]);
}

/** Reference: is candle i a bullish fractal (low strictly below the two lows on each side)? */
export function isBullishFractal(rows: readonly KlineRow[], i: number): boolean {
  if (i < 2 || i + 2 >= rows.length) return false;
  const low = rows[i]![3];
  return [i - 2, i - 1, i + 1, i + 2].every((j) => lt(low, rows[j]![3]));
}

/** Reference: the newest bullish fractal among `rows` (all closed) whose low is below `price`. */
export function newestFractalBelow(rows: readonly KlineRow[], price: string): number | undefined {
  for (let i = rows.length - 3; i >= 2; i--) if (isBullishFractal(rows, i) && lt(rows[i]![3], price)) return i;
  return undefined;
}

/** History of `count` real candles loaded into the feed, and a forming candle at the last close. */
export function loadHistory(feed: ProgrammaticFeed, count: number): { rows: KlineRow[]; price: string } {
  const rows = hourlyRows().slice(0, count);
  feed.loadKlines('BTCUSDT', '1h', rows);
  const price = normalize(rows[rows.length - 1]![4]);
  feed.setPrice('BTCUSDT', price);
  return { rows, price };
}

/** `base × factor` on the 0.01 tick. */
export const at = (base: string, factor: string) => normalize(floorToStep(mul(base, factor), '0.01'));

/** Trades at `first` (a low, or a high), then at `close`, and closes the 1h candle; returns the candle as closed. */
export function candle(feed: ProgrammaticFeed, first: string, close: string): KlineRow {
  feed.setPrice('BTCUSDT', first);
  feed.setPrice('BTCUSDT', close);
  const forming = feed.klines('BTCUSDT', '1h', { limit: 1 })[0]!;
  feed.closeCandle('BTCUSDT', '1h');
  return feed.klines('BTCUSDT', '1h', { limit: 2 }).find((r) => r[0] === forming[0])!;
}

/**
 * From the arming price P: the forming candle closes at 1.05 P, then five candles with lows
 * 1.04, 1.03, 1.02, 1.035, 1.045 P (closes 1.05, 1.05, 1.05, 1.06, 1.07 P): the third is a bullish
 * fractal above P, confirmed by the fifth close. `beforeLast` runs before the fifth candle closes.
 */
export async function formFractalAbove(
  feed: ProgrammaticFeed,
  price: string,
  evaluated: (row: KlineRow) => Promise<void>,
  beforeLast?: () => Promise<void> | void,
): Promise<{ fractal: KlineRow; confirmedBy: KlineRow }> {
  const path: Array<[string, string]> = [
    [price, at(price, '1.05')],
    [at(price, '1.04'), at(price, '1.05')],
    [at(price, '1.03'), at(price, '1.05')],
    [at(price, '1.02'), at(price, '1.05')],
    [at(price, '1.035'), at(price, '1.06')],
  ];
  const closed: KlineRow[] = [];
  for (const [low, close] of path) {
    const row = candle(feed, low, close);
    closed.push(row);
    await evaluated(row);
  }
  await beforeLast?.();
  const last = candle(feed, at(price, '1.045'), at(price, '1.07'));
  await evaluated(last);
  return { fractal: closed[3]!, confirmedBy: last };
}

/** The bundled exchangeInfo with BTCUSDT's filters changed (real rules otherwise). */
export function exchangeInfoWith(change: (filters: SymbolFilter[]) => SymbolFilter[]): ExchangeInfo {
  const info = structuredClone(bundledExchangeInfo());
  const btc = info.symbols.find((s) => s.symbol === 'BTCUSDT')!;
  btc.filters = change(btc.filters);
  return info;
}
