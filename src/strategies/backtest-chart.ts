/**
 * The backtest's picture (DESIGN.md §11): the close price with every entry (▲) and exit (▼)
 * above, the strategy's equity against buy-and-hold below, both over the span. Drawn by the
 * shared chart renderer (src/market/chart-renderer.ts): echarts server-side SVG, rasterised by resvg with the
 * bundled font, so the same result gives the same bytes on any machine.
 *
 * Floats only here, for drawing (toApproxNumber). A long span is thinned to at most
 * MAX_POINTS points per line (each kept point is a real close); markers are never thinned.
 */
import type { EChartsCoreOption } from 'echarts/core';
import { toApproxNumber } from '../decimal.js';
import { CHART_FONT_FAMILY } from '../market/chart-font.js';
import { axisLabelStyle, CHART_COLORS, chartTitle, isDailyOrLonger, rasterizeChartSvg, renderChartSvg, utcTimeLabel } from '../market/chart-renderer.js';
import type { KlineInterval } from '../binance/types.js';
import type { BacktestResult } from './backtest.js';
import type { StrategyCandle } from './strategy-types.js';

const MAX_POINTS = 1500;
const FONT = CHART_FONT_FAMILY;

export interface BacktestChartInput {
  symbol: string;
  interval: KlineInterval;
  /** The span's candles (not the warm-up). */
  candles: readonly StrategyCandle[];
  result: BacktestResult;
  width?: number;
  height?: number;
}

export function renderBacktestSvg(input: BacktestChartInput): string {
  return renderChartSvg(option(input), { width: input.width ?? 1000, height: input.height ?? 700 });
}

export async function renderBacktestChart(input: BacktestChartInput): Promise<Buffer> {
  return rasterizeChartSvg(renderBacktestSvg(input));
}

function option(input: BacktestChartInput): EChartsCoreOption {
  const { candles, result } = input;
  const stride = Math.max(1, Math.ceil(candles.length / MAX_POINTS));
  const keep = (i: number) => i % stride === 0 || i === candles.length - 1;
  const price = candles.flatMap((c, i) => (keep(i) ? [[c.closeTime, toApproxNumber(c.close)]] : []));
  const equity = result.equity.flatMap((e, i) => (keep(i) ? [[e.time, toApproxNumber(e.value)]] : []));
  const firstOpen = toApproxNumber(candles[0]?.open ?? '1');
  const start = toApproxNumber(result.startEquity);
  const hold = candles.flatMap((c, i) => (keep(i) ? [[c.closeTime, (start * toApproxNumber(c.close)) / firstOpen]] : []));
  const entries = result.trades.map((t) => [t.entryTime, toApproxNumber(t.entryPrice)]);
  const exits = result.trades.filter((t) => t.exitTime !== undefined).map((t) => [t.exitTime!, toApproxNumber(t.exitPrice)]);
  const axisLabel = axisLabelStyle;
  const daily = isDailyOrLonger(input.interval);
  const timeLabel = (value: number) => utcTimeLabel(value, daily);
  return {
    animation: false,
    backgroundColor: CHART_COLORS.background,
    textStyle: { fontFamily: FONT, color: CHART_COLORS.text },
    title: chartTitle(
      `${input.symbol} · ${input.interval} · ${result.strategy}`,
      `${result.candles} candles · ${result.trades.length} trades · return ${result.totalReturnPct}% · buy and hold ${result.buyAndHoldPct}%`,
    ),
    legend: {
      top: 14,
      right: 12,
      itemGap: 18,
      textStyle: { fontFamily: FONT, fontSize: 11, color: CHART_COLORS.text },
      data: ['Close', 'Entry', 'Exit', 'Strategy equity', 'Buy and hold'],
    },
    grid: [
      { left: 12, right: 12, top: 70, height: '50%', outerBoundsMode: 'same', outerBoundsContain: 'axisLabel' },
      { left: 12, right: 12, top: '68%', bottom: 12, outerBoundsMode: 'same', outerBoundsContain: 'axisLabel' },
    ],
    xAxis: [
      { type: 'time', gridIndex: 0, axisLabel: { ...axisLabel, formatter: timeLabel, hideOverlap: true }, splitLine: { show: false } },
      { type: 'time', gridIndex: 1, axisLabel: { ...axisLabel, formatter: timeLabel, hideOverlap: true }, splitLine: { show: false } },
    ],
    yAxis: [
      { type: 'value', gridIndex: 0, scale: true, position: 'right', axisLabel, splitLine: { lineStyle: { color: CHART_COLORS.grid } } },
      { type: 'value', gridIndex: 1, scale: true, position: 'right', axisLabel, splitLine: { lineStyle: { color: CHART_COLORS.grid } } },
    ],
    series: [
      { name: 'Close', type: 'line', xAxisIndex: 0, yAxisIndex: 0, data: price, showSymbol: false, lineStyle: { width: 1, color: '#6b7280' }, itemStyle: { color: '#6b7280' }, silent: true },
      { name: 'Entry', type: 'scatter', xAxisIndex: 0, yAxisIndex: 0, data: entries, symbol: 'triangle', symbolSize: 9, itemStyle: { color: CHART_COLORS.up }, silent: true },
      { name: 'Exit', type: 'scatter', xAxisIndex: 0, yAxisIndex: 0, data: exits, symbol: 'triangle', symbolRotate: 180, symbolSize: 9, itemStyle: { color: CHART_COLORS.down }, silent: true },
      { name: 'Strategy equity', type: 'line', xAxisIndex: 1, yAxisIndex: 1, data: equity, showSymbol: false, lineStyle: { width: 1.5, color: CHART_COLORS.entry }, itemStyle: { color: CHART_COLORS.entry }, silent: true },
      { name: 'Buy and hold', type: 'line', xAxisIndex: 1, yAxisIndex: 1, data: hold, showSymbol: false, lineStyle: { width: 1, type: 'dashed', color: CHART_COLORS.stop }, itemStyle: { color: CHART_COLORS.stop }, silent: true },
    ],
  };
}
