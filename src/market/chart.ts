/**
 * The /fractals chart: a PNG candlestick chart of closed candles with fractals, the stop and
 * the entry (DESIGN.md §2 and §5).
 *
 * Drawn by the shared chart renderer (chart-renderer.ts: echarts SVG server-side, rasterised by
 * resvg off the main thread with the bundled font).
 *
 * Prices become floats here, for drawing only (src/decimal.ts `toApproxNumber`); nothing drawn
 * feeds an order.
 */
import type { EChartsCoreOption } from 'echarts/core';
import type { KlineInterval } from '../binance/types.js';
import { toApproxNumber } from '../decimal.js';
import { formatAmount } from '../format.js';
import { CHART_FONT_FAMILY } from './chart-font.js';
import { axisLabelStyle, CHART_COLORS, chartFrame, isDailyOrLonger, rasterizeChartSvg, renderChartSvg, TRIANGLE_DOWN, utcTimeLabel, valueAxis } from './chart-renderer.js';
import type { FractalCandle, Fractals } from './fractals.js';

export type ChartCandle = FractalCandle & { open: string; close: string };

export interface CandlestickChartInput {
  symbol: string;
  interval: KlineInterval;
  /** Closed candles, oldest first (about 100 reads well at the default size). */
  candles: readonly ChartCandle[];
  /** Fractals of these candles; matched to candles by openTime. */
  fractals: Fractals;
  /** The active stop, drawn as a labelled line. */
  stopPrice?: string;
  /** The position's entry price, drawn as a labelled line. */
  entryPrice?: string;
  /** Decimals of prices on the axis and labels: the symbol's tick precision. Default: the decimals the candles use. */
  priceDecimals?: number;
  /** Pixels. Default 1000 × 560. */
  width?: number;
  height?: number;
}

const FONT_FAMILY = CHART_FONT_FAMILY;
const MARKER_SIZE = 9;
const MARKER_GAP = 9;
const BULLISH = 'Bullish fractal (below the bar)';
const BEARISH = 'Bearish fractal (above the bar)';

/** The chart as SVG text (the PNG is this, rasterised). Exposed for tests and benchmarks. */
export function renderCandlestickSvg(input: CandlestickChartInput): string {
  return renderChartSvg(chartOption(input), { width: input.width ?? 1000, height: input.height ?? 560 });
}

/** The chart as PNG bytes. */
export async function renderCandlestickChart(input: CandlestickChartInput): Promise<Buffer> {
  return rasterizeChartSvg(renderCandlestickSvg(input));
}

function chartOption(input: CandlestickChartInput): EChartsCoreOption {
  const { candles } = input;
  const decimals = input.priceDecimals ?? significantDecimals(candles);
  const daily = isDailyOrLonger(input.interval);
  const indexByOpenTime = new Map<number, number>();
  const labels: string[] = [];
  // echarts' candlestick order: [open, close, low, high].
  const bars: number[][] = [];
  candles.forEach((c, i) => {
    indexByOpenTime.set(c.openTime, i);
    labels.push(utcTimeLabel(c.openTime, daily));
    bars.push([toApproxNumber(c.open), toApproxNumber(c.close), toApproxNumber(c.low), toApproxNumber(c.high)]);
  });
  const markers = (list: Fractals['bullish']) =>
    list.flatMap((f) => {
      const index = indexByOpenTime.get(f.openTime);
      return index === undefined ? [] : [[index, toApproxNumber(f.price)]];
    });
  const price = (value: number) => formatAmount(value.toFixed(decimals), decimals);

  const levels: Array<{ name: string; value: string; color: string }> = [];
  if (input.stopPrice !== undefined) levels.push({ name: 'Stop', value: input.stopPrice, color: CHART_COLORS.stop });
  if (input.entryPrice !== undefined) levels.push({ name: 'Entry', value: input.entryPrice, color: CHART_COLORS.entry });

  const first = candles[0];
  const last = candles[candles.length - 1];
  const span = first && last ? `${utcTimeLabel(first.openTime, daily)} – ${utcTimeLabel(last.closeTime + 1, daily)} UTC` : 'no closed candles';

  return {
    ...chartFrame({
      title: `${input.symbol} · ${input.interval}`,
      subtitle: `${candles.length} closed candles, ${span}`,
      legend: [
        { name: BULLISH, icon: 'triangle' },
        { name: BEARISH, icon: TRIANGLE_DOWN },
      ],
    }),
    xAxis: {
      type: 'category',
      data: labels,
      boundaryGap: true,
      axisLine: { lineStyle: { color: '#9ca3af' } },
      axisLabel: { ...axisLabelStyle, hideOverlap: true },
      splitLine: { show: false },
    },
    // Room above and below for the fractal markers drawn beyond the highest high and the lowest low.
    yAxis: valueAxis(price),
    series: [
      {
        name: 'Candles',
        type: 'candlestick',
        data: bars,
        barMaxWidth: 14,
        itemStyle: { color: CHART_COLORS.up, color0: CHART_COLORS.down, borderColor: CHART_COLORS.up, borderColor0: CHART_COLORS.down },
        markLine: {
          silent: true,
          symbol: 'none',
          animation: false,
          data: levels.map((level) => ({
            name: level.name,
            yAxis: toApproxNumber(level.value),
            lineStyle: { color: level.color, type: 'dashed', width: 2 },
            label: {
              formatter: `${level.name} ${formatAmount(level.value, decimals)}`,
              position: 'insideStartTop',
              color: level.color,
              fontFamily: FONT_FAMILY,
              fontSize: 11,
            },
          })),
        },
      },
      {
        name: BULLISH,
        type: 'scatter',
        data: markers(input.fractals.bullish),
        symbol: 'triangle',
        symbolSize: MARKER_SIZE,
        // Pixels, y down: below the bar's low.
        symbolOffset: [0, MARKER_GAP],
        itemStyle: { color: CHART_COLORS.bullishFractal, opacity: 1 },
        silent: true,
      },
      {
        name: BEARISH,
        type: 'scatter',
        data: markers(input.fractals.bearish),
        symbol: 'triangle',
        symbolRotate: 180,
        symbolSize: MARKER_SIZE,
        symbolOffset: [0, -MARKER_GAP],
        itemStyle: { color: CHART_COLORS.bearishFractal, opacity: 1 },
        silent: true,
      },
      // Invisible points at the stop and entry, so the price axis always reaches their lines.
      { name: 'Levels', type: 'scatter', data: levels.map((level) => [0, toApproxNumber(level.value)]), symbol: 'none', silent: true },
    ],
  };
}

/** Decimals the candle prices actually use ("109513.06000000" → 2), at most 8. */
function significantDecimals(candles: readonly ChartCandle[]): number {
  let decimals = 0;
  for (const c of candles) {
    for (const value of [c.open, c.high, c.low, c.close]) {
      const dot = value.indexOf('.');
      if (dot < 0) continue;
      let end = value.length;
      while (end > dot + 1 && value.charCodeAt(end - 1) === 48) end--;
      decimals = Math.max(decimals, end - dot - 1);
    }
  }
  return Math.min(decimals, 8);
}
