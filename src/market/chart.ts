/**
 * The /fractals chart: a PNG candlestick chart of closed candles with fractals, the stop and
 * the entry (DESIGN.md §2 and §5).
 *
 * echarts lays the chart out server-side as SVG (no DOM, no canvas: `ssr: true`), then resvg
 * rasterises it. resvg runs on the libuv thread pool (`renderAsync`), so the bot keeps answering
 * while a chart is drawn. Text uses the bundled DejaVu Sans with system fonts off: the picture is
 * the same on every machine, and a container without fonts still gets labels.
 *
 * Prices become floats here, for drawing only (src/decimal.ts `toApproxNumber`); nothing drawn
 * feeds an order.
 */
import { renderAsync, type ResvgRenderOptions } from '@resvg/resvg-js';
import * as echarts from 'echarts/core';
import { CandlestickChart, ScatterChart } from 'echarts/charts';
import { GridComponent, LegendComponent, MarkLineComponent, TitleComponent } from 'echarts/components';
import { SVGRenderer } from 'echarts/renderers';
import type { KlineInterval } from '../binance/types.js';
import { toApproxNumber } from '../decimal.js';
import { formatAmount } from '../format.js';
import { CHART_FONT_FAMILY, chartFontFile, createTextMeasurer } from './chart-font.js';
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

export const CHART_COLORS = {
  background: '#ffffff',
  up: '#16a34a',
  down: '#dc2626',
  bullishFractal: '#0d9488',
  bearishFractal: '#c026d3',
  stop: '#ea580c',
  entry: '#2563eb',
  text: '#1f2937',
  grid: '#e5e7eb',
} as const;

const FONT_FAMILY = CHART_FONT_FAMILY;
const MARKER_SIZE = 9;
const MARKER_GAP = 9;
const BULLISH = 'Bullish fractal (below the bar)';
const BEARISH = 'Bearish fractal (above the bar)';
const TRIANGLE_DOWN = 'path://M0,0L10,0L5,9Z';

let resvgOptions: ResvgRenderOptions | undefined;
let registered = false;

/**
 * resvg's options, built once and reused. (resvg-js 2.x takes font files by path and builds its
 * font database per render; there is no loaded font to keep, so the path is what is cached.)
 */
function rasterOptions(): ResvgRenderOptions {
  resvgOptions ??= {
    background: CHART_COLORS.background,
    fitTo: { mode: 'original' },
    font: { fontFiles: [chartFontFile()], loadSystemFonts: false, defaultFontFamily: FONT_FAMILY, sansSerifFamily: FONT_FAMILY },
    logLevel: 'off',
  };
  return resvgOptions;
}

/**
 * Registering echarts' parts and its text measurer are global side effects, so they happen on
 * first use, not on import. The measurer reads the font file once. Other charts (the backtest's)
 * call this too, then register the extra series types they draw.
 */
export function registerEcharts(): void {
  if (registered) return;
  echarts.use([CandlestickChart, ScatterChart, GridComponent, LegendComponent, MarkLineComponent, TitleComponent, SVGRenderer]);
  const measure = createTextMeasurer(chartFontFile());
  echarts.setPlatformAPI({
    measureText: (text: string, font?: string) => ({ width: measure(text, fontSizeOf(font)) }),
  });
  registered = true;
}

/** "normal 11px DejaVu Sans" → 11 (zrender's default is 12px). */
function fontSizeOf(font: string | undefined): number {
  const match = font ? /(\d+(?:\.\d+)?)px/.exec(font) : null;
  return match ? Number(match[1]) : 12;
}

/** The chart as SVG text (the PNG is this, rasterised). Exposed for tests and benchmarks. */
export function renderCandlestickSvg(input: CandlestickChartInput): string {
  registerEcharts();
  const width = input.width ?? 1000;
  const height = input.height ?? 560;
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
  try {
    chart.setOption(chartOption(input));
    return chart.renderToSVGString();
  } finally {
    // An undisposed SSR chart keeps zrender's animation loop alive and the process with it.
    chart.dispose();
  }
}

/** The chart as PNG bytes. */
export async function renderCandlestickChart(input: CandlestickChartInput): Promise<Buffer> {
  return rasterizeChartSvg(renderCandlestickSvg(input));
}

/** SVG → PNG with the bundled font on a white background, off the main thread (libuv pool). */
export async function rasterizeChartSvg(svg: string): Promise<Buffer> {
  const image = await renderAsync(svg, rasterOptions());
  return image.asPng();
}

function chartOption(input: CandlestickChartInput): echarts.EChartsCoreOption {
  const { candles } = input;
  const decimals = input.priceDecimals ?? significantDecimals(candles);
  const daily = /[dwM]$/.test(input.interval);
  const indexByOpenTime = new Map<number, number>();
  const labels: string[] = [];
  // echarts' candlestick order: [open, close, low, high].
  const bars: number[][] = [];
  candles.forEach((c, i) => {
    indexByOpenTime.set(c.openTime, i);
    labels.push(utcLabel(c.openTime, daily));
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
  const span = first && last ? `${utcLabel(first.openTime, daily)} – ${utcLabel(last.closeTime + 1, daily)} UTC` : 'no closed candles';

  return {
    animation: false,
    backgroundColor: CHART_COLORS.background,
    textStyle: { fontFamily: FONT_FAMILY, color: CHART_COLORS.text },
    title: {
      text: `${input.symbol} · ${input.interval}`,
      subtext: `${candles.length} closed candles, ${span}`,
      left: 12,
      top: 6,
      textStyle: { fontFamily: FONT_FAMILY, fontSize: 16, fontWeight: 'normal', color: CHART_COLORS.text },
      subtextStyle: {
        fontFamily: FONT_FAMILY,
        fontSize: 11,
        color: '#6b7280',
      },
    },
    // The rect holds the axis labels too (echarts 6's replacement for containLabel).
    // Each legend item is its own text element: echarts' SSR text widths are estimates, and one
    // string with coloured parts (rich text) would be laid out on those estimates and overlap.
    legend: {
      top: 14,
      right: 12,
      itemGap: 24,
      itemWidth: 10,
      itemHeight: 9,
      textStyle: { fontFamily: FONT_FAMILY, fontSize: 11, color: CHART_COLORS.text },
      data: [
        { name: BULLISH, icon: 'triangle' },
        { name: BEARISH, icon: TRIANGLE_DOWN },
      ],
    },
    grid: { left: 12, right: 12, top: 64, bottom: 12, outerBoundsMode: 'same', outerBoundsContain: 'axisLabel' },
    xAxis: {
      type: 'category',
      data: labels,
      boundaryGap: true,
      axisLine: { lineStyle: { color: '#9ca3af' } },
      axisLabel: { fontFamily: FONT_FAMILY, fontSize: 10, color: CHART_COLORS.text, hideOverlap: true },
      splitLine: { show: false },
    },
    yAxis: {
      type: 'value',
      scale: true,
      position: 'right',
      // Room for the fractal markers drawn beyond the highest high and the lowest low.
      boundaryGap: ['4%', '4%'],
      splitNumber: 8,
      axisLabel: { fontFamily: FONT_FAMILY, fontSize: 10, color: CHART_COLORS.text, formatter: price },
      splitLine: { lineStyle: { color: CHART_COLORS.grid } },
    },
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

/** "09-28 04:00" for intraday candles, "2025-09-28" for daily and longer. */
function utcLabel(epochMs: number, daily: boolean): string {
  const iso = new Date(epochMs).toISOString();
  return daily ? iso.slice(0, 10) : `${iso.slice(5, 10)} ${iso.slice(11, 16)}`;
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
