/**
 * What every chart the bot sends shares (/fractals, /equity, the backtest): the colours, the
 * title and legend frame, and the render path. echarts lays the chart out server-side as SVG (no
 * DOM, no canvas: `ssr: true`), then resvg rasterises it. resvg runs on the libuv thread pool
 * (`renderAsync`), so the bot keeps answering while a chart is drawn. Text uses the bundled DejaVu
 * Sans with system fonts off (chart-font.ts): the picture is the same on every machine, and a
 * container without fonts still gets labels.
 */
import { renderAsync, type ResvgRenderOptions } from '@resvg/resvg-js';
import * as echarts from 'echarts/core';
import { CandlestickChart, LineChart, ScatterChart } from 'echarts/charts';
import { GridComponent, LegendComponent, MarkLineComponent, TitleComponent } from 'echarts/components';
import { SVGRenderer } from 'echarts/renderers';
import { CHART_FONT_FAMILY, chartFontFile, createTextMeasurer } from './chart-font.js';

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

/** A triangle pointing down, for legend icons (echarts' `triangle` points up). */
export const TRIANGLE_DOWN = 'path://M0,0L10,0L5,9Z';

const FONT_FAMILY = CHART_FONT_FAMILY;

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
 * Registering echarts' parts (every series and component any chart here draws) and its text
 * measurer are global side effects, so they happen on first use, not on import. The measurer
 * reads the font file once.
 */
function registerEcharts(): void {
  if (registered) return;
  echarts.use([CandlestickChart, LineChart, ScatterChart, GridComponent, LegendComponent, MarkLineComponent, TitleComponent, SVGRenderer]);
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

/** One echarts option laid out as SVG text at `width` × `height` pixels. */
export function renderChartSvg(option: echarts.EChartsCoreOption, size: { width: number; height: number }): string {
  registerEcharts();
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: size.width, height: size.height });
  try {
    chart.setOption(option);
    return chart.renderToSVGString();
  } finally {
    // An undisposed SSR chart keeps zrender's animation loop alive and the process with it.
    chart.dispose();
  }
}

/** SVG → PNG with the bundled font on a white background, off the main thread (libuv pool). */
export async function rasterizeChartSvg(svg: string): Promise<Buffer> {
  const image = await renderAsync(svg, rasterOptions());
  return image.asPng();
}

/** The title block at the top left: a title and a smaller grey line under it. */
export function chartTitle(text: string, subtext: string): echarts.EChartsCoreOption {
  return {
    text,
    subtext,
    left: 12,
    top: 6,
    textStyle: { fontFamily: FONT_FAMILY, fontSize: 16, fontWeight: 'normal', color: CHART_COLORS.text },
    subtextStyle: { fontFamily: FONT_FAMILY, fontSize: 11, color: '#6b7280' },
  };
}

/**
 * The frame of a one-plot chart: no animation, white, the bundled font, the title, a legend of
 * two marker kinds at the top right, and a plot that holds its axis labels (echarts 6's
 * replacement for containLabel). Each legend item is its own text element: echarts' SSR text
 * widths are estimates, and one string with coloured parts (rich text) would overlap.
 */
export function chartFrame(input: { title: string; subtitle: string; legend: ReadonlyArray<{ name: string; icon: string }> }): echarts.EChartsCoreOption {
  return {
    animation: false,
    backgroundColor: CHART_COLORS.background,
    textStyle: { fontFamily: FONT_FAMILY, color: CHART_COLORS.text },
    title: chartTitle(input.title, input.subtitle),
    legend: {
      top: 14,
      right: 12,
      itemGap: 24,
      itemWidth: 10,
      itemHeight: 9,
      textStyle: { fontFamily: FONT_FAMILY, fontSize: 11, color: CHART_COLORS.text },
      data: input.legend,
    },
    grid: { left: 12, right: 12, top: 64, bottom: 12, outerBoundsMode: 'same', outerBoundsContain: 'axisLabel' },
  };
}

/** Axis labels in the bundled font. */
export const axisLabelStyle = { fontFamily: FONT_FAMILY, fontSize: 10, color: CHART_COLORS.text } as const;

/** The price axis on the right, scaled to the data with 4 % room above and below. */
export function valueAxis(formatter: (value: number) => string): echarts.EChartsCoreOption {
  return {
    type: 'value',
    scale: true,
    position: 'right',
    boundaryGap: ['4%', '4%'],
    splitNumber: 8,
    axisLabel: { ...axisLabelStyle, formatter },
    splitLine: { lineStyle: { color: CHART_COLORS.grid } },
  };
}

/** Candles of a day or longer (1d, 3d, 1w, 1M): their time labels drop the hour. */
export const isDailyOrLonger = (interval: string): boolean => /[dwM]$/.test(interval);

/** A time axis label in UTC: "09-28 04:00" for intraday candles, "2025-09-28" for daily and longer. */
export function utcTimeLabel(epochMs: number, daily: boolean): string {
  const iso = new Date(epochMs).toISOString();
  return daily ? iso.slice(0, 10) : `${iso.slice(5, 10)} ${iso.slice(11, 16)}`;
}
