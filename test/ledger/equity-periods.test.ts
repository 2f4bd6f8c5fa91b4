/**
 * UTC periods and their closes (src/ledger/equity-periods.ts), and the chart's downsampling
 * (src/ledger/equity-chart.ts): worked out by hand.
 */
import { describe, expect, it } from 'vitest';
import { periodCloses, periodLabel, periodStart, recentPeriods } from '../../src/ledger/equity-periods.js';
import { downsampleMinMax, type ChartPoint } from '../../src/ledger/equity-chart.js';
import { nextOccurrence, parseReportTime, reportDate } from '../../src/ledger/report-schedule.js';

const at = (iso: string) => Date.parse(`${iso}Z`);

describe('periods', () => {
  it('weeks start on Monday 00:00 UTC and months on the 1st, across a year end', () => {
    // Sunday 2026-12-06 23:59 belongs to the week of Monday 2026-11-30.
    expect(new Date(periodStart('week', at('2026-12-06T23:59'))).toISOString()).toBe('2026-11-30T00:00:00.000Z');
    expect(new Date(periodStart('week', at('2026-11-30T00:00'))).toISOString()).toBe('2026-11-30T00:00:00.000Z');
    expect(recentPeriods('month', 3, at('2027-01-15T10:00')).map(periodLabel)).toEqual(['2027-01', '2026-12', '2026-11']);
    expect(recentPeriods('week', 2, at('2027-01-01T10:00')).map(periodLabel)).toEqual(['2026-12-28', '2026-12-21']);
    const [january] = recentPeriods('month', 1, at('2027-01-15T10:00'));
    expect(january!.end).toBe(at('2027-02-01T00:00'));
  });

  it('a close is the last sample of its period; a day without samples has none, and the next day measures from the last one before it', () => {
    const days = recentPeriods('day', 3, at('2026-12-06T12:00'));
    const closes = periodCloses(
      days,
      [
        { time: at('2026-12-04T00:00'), value: '100' },
        { time: at('2026-12-04T23:45'), value: '110' },
        // 2026-12-05: no sample.
        { time: at('2026-12-06T00:15'), value: '99' },
      ],
      { time: at('2026-12-03T23:45'), value: '80' },
    );
    expect(closes.map((c) => [periodLabel(c.period), c.close?.value, c.change, c.changePct])).toEqual([
      ['2026-12-06', '99', '-11', '-10'],
      ['2026-12-05', undefined, undefined, undefined],
      ['2026-12-04', '110', '30', '37.5'],
    ]);
  });
});

describe('downsampling for the chart', () => {
  it('keeps the first and last points and each bucket’s lowest and highest in time order', () => {
    const points: ChartPoint[] = Array.from({ length: 1_000 }, (_, i) => [i, i === 500 ? -50 : i === 501 ? 5_000 : i % 7]);
    const drawn = downsampleMinMax(points, 10);
    expect(drawn.length).toBeLessThanOrEqual(2 + 2 * 10);
    expect(drawn[0]).toEqual([0, 0]);
    expect(drawn.at(-1)).toEqual([999, 999 % 7]);
    expect(drawn).toContainEqual([500, -50]);
    expect(drawn).toContainEqual([501, 5_000]);
    expect(drawn.map(([t]) => t)).toEqual([...drawn.map(([t]) => t)].sort((a, b) => a - b));
    expect(downsampleMinMax(points.slice(0, 15), 10)).toHaveLength(15);
  });
});

describe('report times', () => {
  it('reads HH:MM in UTC and finds the next occurrence strictly after now', () => {
    expect(parseReportTime('8:05')).toBe('08:05');
    expect(parseReportTime('23:59')).toBe('23:59');
    for (const bad of ['24:00', '12:60', '1230', '12:5', ' ', 'noon']) expect(parseReportTime(bad)).toBeUndefined();
    expect(nextOccurrence('08:00', at('2026-12-06T07:59'))).toBe(at('2026-12-06T08:00'));
    expect(nextOccurrence('08:00', at('2026-12-06T08:00'))).toBe(at('2026-12-07T08:00'));
    expect(reportDate(nextOccurrence('00:00', at('2026-12-31T23:00')))).toBe('2027-01-01');
  });
});
