import { describe, expect, it } from 'vitest';
import type { KlineRow } from '../../src/binance/types.js';
import { createCandleBook } from '../../src/sim/feeds/candle-book.js';
import { sumKeepingDecimals } from '../../src/sim/feeds/kline-decimals.js';
import { gt, lt } from '../../src/decimal.js';
import { KLINE_FIXTURES, fixture } from '../support/fixtures.js';

const daily = fixture<KlineRow[]>(KLINE_FIXTURES.raw1d);
const fifteen = fixture<KlineRow[]>(KLINE_FIXTURES.raw15m);
const DAY = 86_400_000;

function bookWith(interval: '1d' | '15m', rows: KlineRow[]) {
  const book = createCandleBook();
  book.load('BTCUSDT', interval, rows);
  return book;
}

describe('candle book', () => {
  it('builds weekly candles that open on Monday 00:00 UTC and monthly ones on the 1st', () => {
    const book = bookWith('1d', daily);
    const weeks = book.klines('BTCUSDT', '1w', { limit: 1000 });
    expect(weeks.every((w) => new Date(w[0]).getUTCDay() === 1 && w[0] % DAY === 0)).toBe(true);
    expect(weeks.every((w) => w[6] === w[0] + 7 * DAY - 1)).toBe(true);
    // The capture starts on Thursday 2017-08-17: the first week is partial and opens on the Monday before.
    expect(weeks[0]![0]).toBe(Date.UTC(2017, 7, 14));
    expect(weeks[0]![1]).toBe(daily[0]![1]);

    const months = book.klines('BTCUSDT', '1M', { limit: 1000 });
    const march2020 = months.find((m) => m[0] === Date.UTC(2020, 2, 1))!;
    const marchDays = daily.filter((r) => r[0] >= Date.UTC(2020, 2, 1) && r[0] < Date.UTC(2020, 3, 1));
    expect(marchDays).toHaveLength(31);
    expect(march2020[6]).toBe(Date.UTC(2020, 3, 1) - 1);
    expect(march2020[1]).toBe(marchDays[0]![1]);
    expect(march2020[4]).toBe(marchDays[30]![4]);
    expect(march2020[3]).toBe(marchDays.map((r) => r[3]).reduce((a, b) => (Number(a) < Number(b) ? a : b)));
    expect(march2020[8]).toBe(marchDays.reduce((n, r) => n + r[8], 0));
  });

  it('selects aggregated candles like Binance: latest by default, from startTime, up to endTime', () => {
    const book = bookWith('15m', fifteen);
    const hours = book.klines('BTCUSDT', '1h', { limit: 1000 });
    expect(hours.every((h) => h[0] % 3_600_000 === 0)).toBe(true);
    expect(book.klines('BTCUSDT', '1h', { limit: 2 })).toEqual(hours.slice(-2));
    const third = hours[3]!;
    expect(book.klines('BTCUSDT', '1h', { limit: 2, startTime: third[0] - 1 })).toEqual(hours.slice(3, 5));
    expect(book.klines('BTCUSDT', '1h', { limit: 2, startTime: third[0] + 1 })).toEqual(hours.slice(4, 6));
    expect(book.klines('BTCUSDT', '1h', { limit: 3, endTime: third[0] })).toEqual(hours.slice(1, 4));
    expect(book.klines('BTCUSDT', '1h', { limit: 50, startTime: third[0], endTime: hours[6]![0] })).toEqual(hours.slice(3, 7));
    // Four 15m candles make the hour; volumes keep Binance's 8 decimals.
    const quarter = fifteen.filter((r) => r[0] >= third[0] && r[0] <= third[6]);
    expect(quarter).toHaveLength(4);
    expect(third[5]).toMatch(/^\d+\.\d{8}$/);
    expect(Number(third[5])).toBeCloseTo(quarter.reduce((n, r) => n + Number(r[5]), 0), 8);
    // Finer than stored: derived, three 5m per quarter, adding up exactly to the stored candle.
    const fives = book.klines('BTCUSDT', '5m', { limit: 3, startTime: quarter[0]![0] });
    expect(fives.map((r) => r[0])).toEqual([0, 1, 2].map((k) => quarter[0]![0] + k * 300_000));
    expect(fives[0]![1]).toBe(quarter[0]![1]);
    expect(fives[2]![4]).toBe(quarter[0]![4]);
    expect(sumKeepingDecimals(fives.map((r) => r[5]))).toBe(quarter[0]![5]);
    expect(fives.reduce((n, r) => n + r[8], 0)).toBe(quarter[0]![8]);
    expect(fives.map((r) => r[2]).reduce((a, b) => (gt(a, b) ? a : b))).toBe(quarter[0]![2]);
    expect(fives.map((r) => r[3]).reduce((a, b) => (lt(a, b) ? a : b))).toBe(quarter[0]![3]);
    // Prices stay on the stored decimals (BTCUSDT's 0.01 grid).
    expect(fives.every((r) => r.slice(1, 5).every((p) => /\.\d{2}0{6}$/.test(p as string)))).toBe(true);
    expect(book.klines('BTCUSDT', '1m', { limit: 10 })).toHaveLength(10);
    // No 3d (its alignment is not documented).
    expect(bookWith('1d', daily).klines('BTCUSDT', '3d', { limit: 10 })).toEqual([]);
  });

  it('closing a candle announces every aggregate that ends with it', () => {
    // The quarter-hour ending at 2020-05-21 00:00 UTC (a Thursday) ends every interval up to 1d.
    const k = fifteen.findIndex((r) => r[6] + 1 === Date.UTC(2020, 4, 21));
    const book = bookWith('15m', fifteen.slice(0, k));
    const all = book.close('BTCUSDT', '15m', fifteen[k]);
    // First the finer candles derived from the quarter (kline-subdivide.ts), in time order, finer first.
    const derived = all.filter((c) => ['1m', '3m', '5m'].includes(c.interval));
    const minutes = (i: string) => Number(i.slice(0, -1));
    for (let i = 1; i < derived.length; i++) {
      const [a, b] = [derived[i - 1]!, derived[i]!];
      expect(a.kline[6] < b.kline[6] || (a.kline[6] === b.kline[6] && minutes(a.interval) < minutes(b.interval))).toBe(true);
    }
    expect(derived.filter((c) => c.interval === '3m')).toHaveLength(5);
    expect(derived.filter((c) => c.interval === '1m')).toHaveLength(15);
    expect(derived.filter((c) => c.interval === '5m')).toHaveLength(3);
    expect(all.slice(0, derived.length)).toEqual(derived);
    const closes = all.slice(derived.length);
    expect(closes.map((c) => c.interval)).toEqual(['15m', '30m', '1h', '2h', '4h', '6h', '8h', '12h', '1d']);
    expect(closes[0]!.kline).toEqual(fifteen[k]);
    const fourHours = fifteen.slice(k - 15, k + 1);
    expect(closes.find((c) => c.interval === '4h')!.kline.slice(0, 5)).toEqual([Date.UTC(2020, 4, 20, 20), fourHours[0]![1], fourHours.map((r) => r[2]).reduce((a, b) => (Number(a) > Number(b) ? a : b)), fourHours.map((r) => r[3]).reduce((a, b) => (Number(a) < Number(b) ? a : b)), fifteen[k]![4]]);
    // A close in the middle of the hour announces only itself.
    expect(book.close('BTCUSDT', '15m', fifteen[k + 1]).map((c) => c.interval).filter((i) => !['1m', '3m', '5m'].includes(i))).toEqual(['15m']);
  });

  it('upsertClosed replaces a polled candle by the exchange one and keeps the forming candle', () => {
    const book = bookWith('15m', fifteen.slice(0, 5));
    const polled = [...fifteen[4]!] as KlineRow;
    polled[2] = '1.00000000';
    book.upsertClosed('BTCUSDT', '15m', polled);
    book.applyPrice('BTCUSDT', '15m', '9000.5', fifteen[5]![0]);
    book.upsertClosed('BTCUSDT', '15m', fifteen[4]!);
    const rows = book.klines('BTCUSDT', '15m', { limit: 10 });
    expect(rows.slice(0, 5)).toEqual(fifteen.slice(0, 5));
    expect(rows[5]).toEqual([fifteen[5]![0], '9000.50000000', '9000.50000000', '9000.50000000', '9000.50000000', '0.00000000', fifteen[5]![6], '0.00000000', 0, '0.00000000', '0.00000000', '0']);
  });

  it('ticker24h covers the last 24 h with the finest series that spans them', () => {
    const book = createCandleBook();
    book.load('BTCUSDT', '15m', fifteen.slice(-10));
    book.load('BTCUSDT', '1d', daily);
    const end = fifteen.at(-1)![6] + 1;
    const ticker = book.ticker24h('BTCUSDT', end)!;
    // 10 quarter-hours do not span 24 h: the daily series answers.
    expect(ticker.closeTime).toBe(Math.min(end, daily.at(-1)![6] + 1));
    const only15m = bookWith('15m', fifteen);
    const t = only15m.ticker24h('BTCUSDT', end, '9300.12')!;
    const window = fifteen.filter((r) => r[0] >= end - DAY);
    expect(window).toHaveLength(96);
    expect(t).toMatchObject({ openPrice: window[0]![1], lastPrice: '9300.12000000', count: window.reduce((n, r) => n + r[8], 0), openTime: end - DAY, closeTime: end });
  });
});
