/**
 * Calendar periods in UTC and the net value at their close (DESIGN.md §2 /daily, /weekly,
 * /monthly). A day starts at 00:00 UTC, a week on Monday (ISO 8601), a month on its 1st.
 *
 * A period's close is its last sample; its change is measured from the close before it (the
 * last sample before the period started, however old), so a gap in the samples does not hide a
 * move. The period still running closes at its newest sample so far.
 */
import { div, isPositive, mul, sub } from '../decimal.js';
import type { EquitySample } from './ledger-types.js';

export type PeriodKind = 'day' | 'week' | 'month';

export interface Period {
  kind: PeriodKind;
  /** Inclusive, ms since the epoch. */
  start: number;
  /** Exclusive. */
  end: number;
}

const DAY_MS = 86_400_000;

export function periodStart(kind: PeriodKind, timeMs: number): number {
  const day = Math.floor(timeMs / DAY_MS) * DAY_MS;
  if (kind === 'day') return day;
  if (kind === 'week') {
    // getUTCDay: Sunday 0 … Saturday 6; ISO weeks start on Monday.
    const weekday = (new Date(day).getUTCDay() + 6) % 7;
    return day - weekday * DAY_MS;
  }
  const d = new Date(timeMs);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
}

export function nextPeriodStart(kind: PeriodKind, start: number): number {
  if (kind === 'day') return start + DAY_MS;
  if (kind === 'week') return start + 7 * DAY_MS;
  const d = new Date(start);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
}

function previousPeriodStart(kind: PeriodKind, start: number): number {
  if (kind === 'day') return start - DAY_MS;
  if (kind === 'week') return start - 7 * DAY_MS;
  const d = new Date(start);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - 1, 1);
}

/** The `count` periods ending with the one that holds `nowMs`, newest first. */
export function recentPeriods(kind: PeriodKind, count: number, nowMs: number): Period[] {
  const periods: Period[] = [];
  let start = periodStart(kind, nowMs);
  for (let i = 0; i < count; i++) {
    periods.push({ kind, start, end: nextPeriodStart(kind, start) });
    start = previousPeriodStart(kind, start);
  }
  return periods;
}

/** "2026-12-06" (a day), "2026-11-30" (the Monday a week starts), "2026-12" (a month). */
export function periodLabel(period: Period): string {
  const iso = new Date(period.start).toISOString();
  return period.kind === 'month' ? iso.slice(0, 7) : iso.slice(0, 10);
}

export interface PeriodClose {
  period: Period;
  /** The period's last sample; undefined when it has none. */
  close: EquitySample | undefined;
  /** close − the close before (undefined without both). */
  change: string | undefined;
  /** change as a percentage of the close before, 2 decimals. */
  changePct: string | undefined;
}

/**
 * Closes of `periods` (any order) from `samples` (oldest first, covering them) and `before`, the
 * last sample before the oldest period started.
 */
export function periodCloses(periods: readonly Period[], samples: readonly EquitySample[], before: EquitySample | undefined): PeriodClose[] {
  const ordered = [...periods].sort((a, b) => a.start - b.start);
  const result = new Map<Period, PeriodClose>();
  let previous = before;
  let i = 0;
  for (const period of ordered) {
    // Samples before this period (in a gap between requested periods) still move the baseline.
    while (i < samples.length && samples[i]!.time < period.start) previous = samples[i++]!;
    let close: EquitySample | undefined;
    while (i < samples.length && samples[i]!.time < period.end) close = samples[i++]!;
    let change: string | undefined;
    let changePct: string | undefined;
    if (close && previous) {
      change = sub(close.value, previous.value);
      if (isPositive(previous.value)) changePct = div(mul(change, '100'), previous.value, 2, 'half-up');
    }
    result.set(period, { period, close, change, changePct });
    if (close) previous = close;
  }
  return periods.map((p) => result.get(p)!);
}
