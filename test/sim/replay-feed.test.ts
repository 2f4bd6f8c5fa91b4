import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { KlineRow } from '../../src/binance/types.js';
import { createReplayFeed } from '../../src/sim/feeds/replay-feed.js';
import type { CandleClose, PriceTick } from '../../src/sim/types.js';
import { fixtureRows } from '../support/klines.js';

const hourly = fixtureRows('objects1h');
const fourHourly = fixtureRows('objects4h');
const logger = pino({ level: 'silent' });
const HOUR = 3_600_000;
const strip = (v: string) => v.replace(/\.?0+$/, '');

/** The documented path: bearish candles visit the high first, others the low; repeated points are skipped. */
function expectedPath(row: KlineRow): string[] {
  const [, o, h, l, c] = row;
  const path = Number(o) > Number(c) ? [o, h, l, c] : [o, l, h, c];
  return path.filter((p, k) => k === 0 || k === 3 || p !== path[k - 1]).map(strip);
}

describe('replay feed', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('walks each candle open → high/low → close in the documented order and closes it', () => {
    const feed = createReplayFeed({ series: { BTCUSDT: hourly }, speed: 60, logger });
    expect(feed.position('BTCUSDT')).toBe(100);
    expect(feed.price('BTCUSDT')).toBe(strip(hourly[99]![4]));
    expect(feed.now()).toBe(hourly[100]![0]);

    let ticks: PriceTick[] = [];
    const closes: CandleClose[] = [];
    feed.onTick((t) => ticks.push(t));
    feed.onCandleClose((c) => closes.push(c));

    let bearish = 0;
    for (let i = 100; i < 300; i++) {
      ticks = [];
      expect(feed.step()).toBe(true);
      const row = hourly[i]!;
      if (Number(row[1]) > Number(row[4])) bearish += 1;
      expect(ticks.map((t) => t.price)).toEqual(expectedPath(row));
      expect(ticks[0]?.time).toBe(row[0]);
      expect(ticks.at(-1)?.time).toBe(row[6]);
      expect(feed.now()).toBe(row[6] + 1);
    }
    expect(bearish).toBeGreaterThan(50);
    expect(bearish).toBeLessThan(150);
    expect(feed.position('BTCUSDT')).toBe(300);

    const hourCloses = closes.filter((c) => c.interval === '1h');
    expect(hourCloses.map((c) => c.kline)).toEqual(hourly.slice(100, 300));
    // 4h and 1d closes come from the same walk, in time order after the 1h that completes them.
    const fourHourCloses = closes.filter((c) => c.interval === '4h');
    expect(fourHourCloses.length).toBe(50);
    for (const c of fourHourCloses) {
      const recorded = fourHourly.find((r) => r[0] === c.kline[0])!;
      expect(c.kline.slice(0, 10)).toEqual(recorded.slice(0, 10));
    }
    expect(closes.filter((c) => c.interval === '1d').length).toBeGreaterThanOrEqual(8);
  });

  it('aggregates the 1h candles into 4h candles equal to Binance 4h candles', () => {
    const feed = createReplayFeed({ series: { BTCUSDT: hourly }, speed: 60, logger, startIndex: hourly.length - 1 });
    feed.step();
    expect(feed.step()).toBe(false);
    const aggregated = feed.klines('BTCUSDT', '4h', { limit: 1000 });
    // The capture starts at 06:00, so the first 4h bucket is partial; the last 4h was still forming.
    const complete = fourHourly.slice(0, -1);
    expect(complete).toHaveLength(365);
    const byOpen = new Map(aggregated.map((r) => [r[0], r]));
    for (const recorded of complete) {
      // Field 10 (taker-buy quote volume) is absent from the capture on both sides.
      expect(byOpen.get(recorded[0])?.slice(0, 10)).toEqual(recorded.slice(0, 10));
    }
    expect(aggregated[0]?.[0]).toBe(hourly[0]![0] - 2 * HOUR);
  });

  it('klines honours limit, startTime and endTime and ends with the forming candle', () => {
    vi.useFakeTimers({ now: 0, toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    // 3600x: an hour of candles per wall second.
    const feed = createReplayFeed({ series: { BTCUSDT: hourly }, speed: 3600, logger });
    void feed.start();
    vi.advanceTimersByTime(1500);

    const last3 = feed.klines('BTCUSDT', '1h', { limit: 3 });
    expect(last3.map((r) => r[0])).toEqual([hourly[99]![0], hourly[100]![0], hourly[101]![0]]);
    expect(last3.slice(0, 2)).toEqual([hourly[99], hourly[100]]);
    const forming = last3[2]!;
    expect(forming[1]).toBe(hourly[101]![1]);
    expect(forming[6]).toBe(hourly[101]![6]);
    expect(Number(forming[5])).toBeLessThan(Number(hourly[101]![5]));
    expect(feed.price('BTCUSDT')).toBe(strip(forming[4]));

    expect(feed.klines('BTCUSDT', '1h', { limit: 2, startTime: hourly[10]![0] + 1 }).map((r) => r[0])).toEqual([hourly[11]![0], hourly[12]![0]]);
    expect(feed.klines('BTCUSDT', '1h', { limit: 500, endTime: hourly[10]![0] })).toEqual(hourly.slice(0, 11));
    expect(feed.klines('BTCUSDT', '1h', { limit: 500, startTime: hourly[3]![0], endTime: hourly[5]![0] })).toEqual(hourly.slice(3, 6));
    // 1m is derived from the hours; the forming hour is cut only up to the feed's now.
    const minutes = feed.klines('BTCUSDT', '1m', { limit: 10 });
    expect(minutes).toHaveLength(10);
    expect(minutes.at(-1)![0]).toBe(feed.now() - (feed.now() % 60_000));
    expect(minutes.at(-1)![0]).toBeGreaterThanOrEqual(hourly[101]![0]);
    void feed.close();
  });

  it('maps wall time to feed time by the speed factor', () => {
    vi.useFakeTimers({ now: 1_000_000, toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const feed = createReplayFeed({ series: { BTCUSDT: hourly }, speed: 60, logger });
    const start = feed.now();
    const ticks: PriceTick[] = [];
    feed.onTick((t) => ticks.push(t));
    void feed.start();

    vi.advanceTimersByTime(30_000);
    expect(feed.now()).toBe(start + 30 * 60_000);
    // Half an hour of feed time: the open of candle 100 and its one-third point (20 min in), no more.
    const [, o, h, l, c] = hourly[100]!;
    const secondPoint = Number(o) > Number(c) ? h : l;
    expect(ticks.map((t) => t.price)).toEqual(secondPoint === o ? [strip(o)] : [strip(o), strip(secondPoint)]);
    expect(ticks[0]?.time).toBe(hourly[100]![0]);
    expect(ticks.every((t) => t.time <= start + 30 * 60_000)).toBe(true);
    expect(feed.position('BTCUSDT')).toBe(101);

    vi.advanceTimersByTime(90_000);
    expect(feed.now()).toBe(start + 2 * HOUR);
    // Two whole candles, and the open of the third, which is due at exactly 2 h.
    expect(ticks.length).toBe(expectedPath(hourly[100]!).length + expectedPath(hourly[101]!).length + 1);
    expect(ticks.at(-1)?.time).toBe(hourly[102]![0]);
    expect(feed.klines('BTCUSDT', '1h', { limit: 2 })).toEqual([hourly[101], expect.arrayContaining([hourly[102]![0]])]);
    void feed.close();
  });

  it('stops at the end, or loops with timestamps shifted by whole days', () => {
    const series = { BTCUSDT: hourly.slice(0, 10) };
    const stopping = createReplayFeed({ series, speed: 60, logger, startIndex: 5 });
    let steps = 0;
    while (stopping.step()) steps += 1;
    expect(steps).toBe(5);
    expect(stopping.price('BTCUSDT')).toBe(strip(hourly[9]![4]));
    expect(stopping.now()).toBe(hourly[9]![6] + 1);

    const looping = createReplayFeed({ series, speed: 60, logger, startIndex: 5, atEnd: 'loop' });
    const ticks: PriceTick[] = [];
    looping.onTick((t) => ticks.push(t));
    for (let i = 0; i < 12; i++) expect(looping.step()).toBe(true);
    const times = ticks.map((t) => t.time);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    const rows = looping.klines('BTCUSDT', '1h', { limit: 100 });
    expect(rows[10]).toEqual([hourly[5]![0] + 24 * HOUR, ...hourly[5]!.slice(1, 6), hourly[5]![6] + 24 * HOUR, ...hourly[5]!.slice(7)]);
    expect(looping.position('BTCUSDT')).toBe(7);
  });

  it('ticker24h sums the last 24 hours of feed time', () => {
    const feed = createReplayFeed({ series: { BTCUSDT: hourly }, speed: 60, logger, startIndex: 200 });
    const ticker = feed.ticker24h('BTCUSDT')!;
    const window = hourly.slice(176, 200);
    expect(ticker.openPrice).toBe(window[0]![1]);
    expect(ticker.lastPrice).toBe(window[23]![4]);
    expect(ticker.prevClosePrice).toBe(hourly[175]![4]);
    expect(ticker.count).toBe(window.reduce((n, r) => n + r[8], 0));
    expect(Number(ticker.volume)).toBeCloseTo(window.reduce((n, r) => n + Number(r[5]), 0), 6);
    expect(ticker.highPrice).toBe(window.map((r) => r[2]).reduce((a, b) => (Number(a) > Number(b) ? a : b)));
    expect(ticker.closeTime).toBe(hourly[200]![0]);
  });

  it('rejects series it cannot replay, with the reason', () => {
    expect(() => createReplayFeed({ series: {}, speed: 60, logger })).toThrow(/at least one symbol/);
    expect(() => createReplayFeed({ series: { BTCUSDT: [hourly[1]!, hourly[0]!] }, speed: 60, logger })).toThrow(/candle 1 .* is not after/);
    expect(() => createReplayFeed({ series: { BTCUSDT: hourly }, speed: 0, logger })).toThrow(/speed/);
    expect(() => createReplayFeed({ series: { BTCUSDT: hourly.slice(0, 4) }, speed: 1, logger, startIndex: 4 })).toThrow(/startIndex/);
  });
});
