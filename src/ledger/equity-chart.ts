/**
 * The /equity chart: the account's net value over time as a PNG line chart, with buys and sells
 * marked where they happened (DESIGN.md §2, §10). Drawn by the shared chart renderer
 * (src/market/chart-renderer.ts): echarts lays the chart out as SVG server-side, resvg rasterises
 * it off the main thread with the bundled font.
 *
 * 400 days of 15-minute samples are 38,400 points, far more than the chart's ~900 pixel columns
 * can show. The series is cut into buckets of about one column each and each bucket keeps its
 * lowest and highest sample, in time order: every peak and trough stays visible, and the layout
 * costs the same for a year as for a week (bench/equity.bench.ts).
 *
 * Values become floats here for drawing only; nothing drawn is stored or sent.
 */
import { formatAmount } from '../format.js';
import { axisLabelStyle, CHART_COLORS, chartFrame, rasterizeChartSvg, renderChartSvg, TRIANGLE_DOWN, valueAxis } from '../market/chart-renderer.js';
import type { EquitySample, LedgerFill } from './ledger-types.js';

export interface EquityChartInput {
  title: string;
  subtitle: string;
  /** Oldest first. */
  samples: readonly EquitySample[];
  /** Fills in the span; drawn on the line at their time. */
  fills: readonly Pick<LedgerFill, 'time' | 'side'>[];
  /** Decimals of values on the axis. */
  decimals: number;
  /** Pixels. Default 1000 × 560. */
  width?: number;
  height?: number;
  /** Time buckets the line is reduced to (two points each at most). Default: one per pixel column of the plot. */
  buckets?: number;
}

const BUYS = 'Buy';
const SELLS = 'Sell';
const LINE_COLOR = '#2563eb';
/** Pixels between two markers of one side, at least (a marker is 10 px wide). */
const MARKER_PITCH = 4;

export type ChartPoint = [time: number, value: number];

/**
 * At most about 2 × `buckets` points: per bucket of equal time, its lowest and highest sample in
 * time order. The first and last samples are always kept, so the line spans the whole range.
 */
export function downsampleMinMax(points: readonly ChartPoint[], buckets: number): ChartPoint[] {
  if (points.length <= 2 * buckets) return [...points];
  const first = points[0]!;
  const last = points[points.length - 1]!;
  const span = Math.max(1, last[0] - first[0]);
  const out: ChartPoint[] = [first];
  let bucket = -1;
  let low: ChartPoint | undefined;
  let high: ChartPoint | undefined;
  const flush = () => {
    if (!low || !high) return;
    if (low === high) out.push(low);
    else if (low[0] < high[0]) out.push(low, high);
    else out.push(high, low);
  };
  for (let i = 1; i < points.length - 1; i++) {
    const p = points[i]!;
    const b = Math.min(buckets - 1, Math.floor(((p[0] - first[0]) / span) * buckets));
    if (b !== bucket) {
      flush();
      bucket = b;
      low = high = p;
    } else {
      if (p[1] < low![1]) low = p;
      if (p[1] > high![1]) high = p;
    }
  }
  flush();
  out.push(last);
  return out;
}

/** The line's value at `time`: the last sample at or before it (the first one before the line starts). */
function valueAt(points: readonly ChartPoint[], time: number): number {
  let lo = 0;
  let hi = points.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (points[mid]![0] <= time) lo = mid;
    else hi = mid - 1;
  }
  return points[lo]![1];
}

export function renderEquitySvg(input: EquityChartInput): string {
  const width = input.width ?? 1000;
  const height = input.height ?? 560;
  // The store hands out validated decimal strings (equity-store.ts), so Number() reads them as
  // toApproxNumber would, without validating 38,400 strings a second time.
  const points: ChartPoint[] = input.samples.map((s) => [s.time, Number(s.value)]);
  const line = downsampleMinMax(points, input.buckets ?? Math.max(50, width - 100));
  const first = points[0]?.[0] ?? 0;
  const last = points[points.length - 1]?.[0] ?? 0;
  // Markers closer than a few pixels would be drawn on top of each other: one per side and slot
  // of MARKER_PITCH pixels is drawn, so 2,000 trades cost what a few hundred do.
  const slots = Math.max(1, Math.floor((width - 100) / MARKER_PITCH));
  const span = Math.max(1, last - first);
  const marks = (side: LedgerFill['side']) => {
    const seen = new Set<number>();
    const out: ChartPoint[] = [];
    for (const f of input.fills) {
      if (f.side !== side || f.time < first || f.time > last || points.length === 0) continue;
      const slot = Math.floor(((f.time - first) / span) * slots);
      if (seen.has(slot)) continue;
      seen.add(slot);
      out.push([f.time, valueAt(points, f.time)]);
    }
    return out;
  };
  const label = (value: number) => formatAmount(value.toFixed(input.decimals), input.decimals);

  return renderChartSvg(
    {
      ...chartFrame({
        title: input.title,
        subtitle: input.subtitle,
        legend: [
          { name: BUYS, icon: 'triangle' },
          { name: SELLS, icon: TRIANGLE_DOWN },
        ],
      }),
      useUTC: true,
      xAxis: {
        type: 'time',
        axisLine: { lineStyle: { color: '#9ca3af' } },
        axisLabel: { ...axisLabelStyle, hideOverlap: true },
        splitLine: { show: false },
      },
      yAxis: valueAxis(label),
      series: [
        { name: 'Net value', type: 'line', data: line, showSymbol: false, lineStyle: { color: LINE_COLOR, width: 1.5 }, silent: true },
        { name: BUYS, type: 'scatter', data: marks('BUY'), symbol: 'triangle', symbolSize: 10, symbolOffset: [0, 8], itemStyle: { color: CHART_COLORS.up, opacity: 1 }, silent: true },
        { name: SELLS, type: 'scatter', data: marks('SELL'), symbol: 'triangle', symbolRotate: 180, symbolSize: 10, symbolOffset: [0, -8], itemStyle: { color: CHART_COLORS.down, opacity: 1 }, silent: true },
      ],
    },
    { width, height },
  );
}

export async function renderEquityChart(input: EquityChartInput): Promise<Buffer> {
  return rasterizeChartSvg(renderEquitySvg(input));
}
