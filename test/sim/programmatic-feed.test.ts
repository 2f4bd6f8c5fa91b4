import { describe, expect, it } from 'vitest';
import type { KlineRow } from '../../src/binance/types.js';
import { createProgrammaticFeed } from '../../src/sim/feeds/programmatic-feed.js';
import type { CandleClose, PriceTick } from '../../src/sim/types.js';
import { KLINE_FIXTURES, fixture } from '../support/fixtures.js';

const HOUR = 3_600_000;
/** 2025-01-01T00:00:00Z, a Wednesday. */
const T0 = Date.UTC(2025, 0, 1);

describe('programmatic feed', () => {
  it('setPrice emits a tick and moves the forming candle of every stored interval', () => {
    const feed = createProgrammaticFeed({ symbols: ['BTCUSDT'], prices: { BTCUSDT: '100' }, now: () => T0 + 90_000 });
    const ticks: PriceTick[] = [];
    feed.onTick((t) => ticks.push(t));

    expect(feed.price('BTCUSDT')).toBe('100');
    feed.setPrice('BTCUSDT', '101.50');
    feed.setPrice('BTCUSDT', '99');

    expect(ticks).toEqual([
      { symbol: 'BTCUSDT', price: '101.5', time: T0 + 90_000 },
      { symbol: 'BTCUSDT', price: '99', time: T0 + 90_000 },
    ]);
    const [m1] = feed.klines('BTCUSDT', '1m', { limit: 10 });
    expect(m1).toEqual([T0 + 60_000, '101.50000000', '101.50000000', '99.00000000', '99.00000000', '0.00000000', T0 + 119_999, '0.00000000', 0, '0.00000000', '0.00000000', '0']);
    const [h4] = feed.klines('BTCUSDT', '4h', { limit: 10 });
    expect(h4?.[0]).toBe(T0);
    expect(h4?.slice(1, 5)).toEqual(['101.50000000', '101.50000000', '99.00000000', '99.00000000']);
  });

  it('closeCandle closes the interval and every stored interval ending at the same instant, then opens the next at the last price', () => {
    const feed = createProgrammaticFeed({ symbols: ['BTCUSDT'], prices: { BTCUSDT: '100' }, now: () => T0 + 3 * HOUR + 59 * 60_000 });
    const closes: CandleClose[] = [];
    feed.onCandleClose((c) => closes.push(c));

    feed.setPrice('BTCUSDT', '95');
    feed.closeCandle('BTCUSDT', '1h');

    // 03:00-03:59 ends 1m, 1h and 4h together; derived 3m..2h closes come from their sources.
    const byInterval = new Map(closes.map((c) => [c.interval, c.kline]));
    expect([...byInterval.keys()]).toEqual(expect.arrayContaining(['1m', '1h', '4h', '2h', '30m']));
    expect(byInterval.has('1d')).toBe(false);
    expect(byInterval.get('4h')?.slice(0, 5)).toEqual([T0, '95.00000000', '95.00000000', '95.00000000', '95.00000000']);
    // Smallest interval first, so a listener sees the 1m close before the 4h close it completes.
    expect(closes[0]?.interval).toBe('1m');

    const h1 = feed.klines('BTCUSDT', '1h', { limit: 5 });
    expect(h1.map((r) => r[0])).toEqual([T0 + 3 * HOUR, T0 + 4 * HOUR]);
    expect(h1[1]?.[1]).toBe('95.00000000');
  });

  it('closing 4h on loaded history appends the candle, emits the close, and keeps the 1h series apart', () => {
    const objects = fixture<Array<{ openTime: number; open: string; high: string; low: string; close: string; volume: string; closeTime: number; quoteAssetVolume: string; numberOfTrades: number; takerBuyBaseAssetVolume: string }>>(KLINE_FIXTURES.objects4h);
    const rows: KlineRow[] = objects.slice(0, 50).map((o) => [o.openTime, o.open, o.high, o.low, o.close, o.volume, o.closeTime, o.quoteAssetVolume, o.numberOfTrades, o.takerBuyBaseAssetVolume, '0', '0']);
    const feed = createProgrammaticFeed({ symbols: ['BTCUSDT'], klines: { BTCUSDT: { '4h': rows } } });
    const closes: CandleClose[] = [];
    feed.onCandleClose((c) => closes.push(c));

    expect(feed.price('BTCUSDT')).toBe(rows[49]![4].replace(/\.?0+$/, ''));
    expect(feed.klines('BTCUSDT', '4h', { limit: 1000 })).toEqual(rows);

    feed.setPrice('BTCUSDT', '100000');
    feed.setPrice('BTCUSDT', '100500.5');
    feed.closeCandle('BTCUSDT', '4h');

    expect(closes.map((c) => c.interval)).toEqual(['4h']);
    expect(closes[0]?.kline.slice(0, 7)).toEqual([rows[49]![6] + 1, '100000.00000000', '100500.50000000', '100000.00000000', '100500.50000000', '0.00000000', rows[49]![6] + 4 * HOUR]);
    const after = feed.klines('BTCUSDT', '4h', { limit: 2 });
    expect(after[0]).toEqual(closes[0]?.kline);
    expect(after[1]?.[0]).toBe(rows[49]![6] + 4 * HOUR + 1);
  });

  it('rejects unknown symbols and closing before any price', () => {
    const feed = createProgrammaticFeed({ symbols: ['BTCUSDT'] });
    expect(() => feed.setPrice('ETHUSDT', '1')).toThrow(/unknown symbol ETHUSDT/);
    expect(() => feed.closeCandle('BTCUSDT')).toThrow(/no price yet/);
    expect(feed.price('BTCUSDT')).toBeUndefined();
    expect(feed.ticker24h('BTCUSDT')).toBeUndefined();
  });

  it('a throwing listener does not stop the others', () => {
    const feed = createProgrammaticFeed({ symbols: ['BTCUSDT'], prices: { BTCUSDT: '1' } });
    const seen: string[] = [];
    feed.onTick(() => {
      throw new Error('engine bug');
    });
    feed.onTick((t) => seen.push(t.price));
    expect(() => feed.setPrice('BTCUSDT', '2')).toThrow('engine bug');
    expect(seen).toEqual(['2']);
  });
});
