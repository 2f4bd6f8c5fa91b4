import { describe, expect, it } from 'vitest';
import { gt, lt } from '../../src/decimal.js';
import { formatAmount } from '../../src/format.js';
import { CHART_COLORS } from '../../src/market/chart-renderer.js';
import { renderCandlestickChart, renderCandlestickSvg, type CandlestickChartInput } from '../../src/market/chart.js';
import { chartFontFile, createTextMeasurer } from '../../src/market/chart-font.js';
import { findFractals } from '../../src/market/fractals.js';
import { afterLastClose, fixtureCandles } from '../support/klines.js';
import { countColour, decodePng, pixelAt, PNG_SIGNATURE } from './png.js';

const candles = fixtureCandles('objects4h').slice(-100);
const fractals = findFractals(candles, { now: afterLastClose(candles) });
const stopPrice = fractals.bullish[fractals.bullish.length - 1]!.price;
const entryPrice = '88000';
const input: CandlestickChartInput = { symbol: 'BTCUSDT', interval: '4h', candles, fractals, stopPrice, entryPrice, priceDecimals: 2 };

/** Elements of the SVG filled with a colour (echarts writes one path per candle and per marker). */
const filled = (svg: string, colour: string) => svg.split(`fill="${colour}"`).length - 1;

describe('renderCandlestickChart', () => {
  it('is a PNG of the size asked for, drawn with every element in its colour', async () => {
    const png = await renderCandlestickChart(input);
    expect(png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
    // IHDR is the first chunk; width and height are its first two fields.
    expect(png.toString('latin1', 12, 16)).toBe('IHDR');
    expect(png.readUInt32BE(16)).toBe(1000);
    expect(png.readUInt32BE(20)).toBe(560);
    expect(png.length).toBeGreaterThan(20_000);

    const image = decodePng(png);
    expect(image.chunkTypes[image.chunkTypes.length - 1]).toBe('IEND');
    // White background, opaque.
    expect(pixelAt(image, 2, 2)).toEqual([255, 255, 255, 255]);
    expect(pixelAt(image, 997, 557)).toEqual([255, 255, 255, 255]);
    // Candle bodies (up and down), fractal markers, the stop and entry lines: each colour is on the picture.
    expect(countColour(image, CHART_COLORS.up)).toBeGreaterThan(1000);
    expect(countColour(image, CHART_COLORS.down)).toBeGreaterThan(1000);
    expect(countColour(image, CHART_COLORS.bullishFractal)).toBeGreaterThan(fractals.bullish.length * 20);
    expect(countColour(image, CHART_COLORS.bearishFractal)).toBeGreaterThan(fractals.bearish.length * 20);
    // Dashed 2 px lines across the plot: about half of 2 × 900 pixels each.
    expect(countColour(image, CHART_COLORS.stop)).toBeGreaterThan(500);
    expect(countColour(image, CHART_COLORS.entry)).toBeGreaterThan(500);
    // Text was rasterised with the bundled font (dark label pixels exist).
    expect(countColour(image, CHART_COLORS.text)).toBeGreaterThan(300);
  });

  it('honours another size', async () => {
    const image = decodePng(await renderCandlestickChart({ ...input, width: 640, height: 360 }));
    expect([image.width, image.height]).toEqual([640, 360]);
  });

  it('draws no stop or entry line when there is none', async () => {
    const image = decodePng(await renderCandlestickChart({ ...input, stopPrice: undefined, entryPrice: undefined }));
    expect(countColour(image, CHART_COLORS.stop)).toBe(0);
    expect(countColour(image, CHART_COLORS.entry)).toBe(0);
    expect(countColour(image, CHART_COLORS.up)).toBeGreaterThan(1000);
  });

  it('is deterministic, also when charts are rendered concurrently', async () => {
    const [a, b, c] = await Promise.all([renderCandlestickChart(input), renderCandlestickChart(input), renderCandlestickChart({ ...input, stopPrice: undefined })]);
    expect(a.equals(b)).toBe(true);
    expect(a.equals(c)).toBe(false);
  });

  it('renders an empty chart rather than failing when there are no candles', async () => {
    const png = await renderCandlestickChart({ ...input, candles: [], fractals: { bullish: [], bearish: [] }, stopPrice: undefined, entryPrice: undefined });
    expect(decodePng(png).width).toBe(1000);
  });
});

describe('renderCandlestickSvg', () => {
  const svg = renderCandlestickSvg(input);

  it('has one shape per candle, green up and red down', () => {
    const up = candles.filter((c) => gt(c.close, c.open)).length;
    const down = candles.filter((c) => lt(c.close, c.open)).length;
    const upShapes = filled(svg, CHART_COLORS.up);
    const downShapes = filled(svg, CHART_COLORS.down);
    expect(upShapes + downShapes).toBe(candles.length);
    // Unchanged candles (open = close) take either colour.
    expect(upShapes).toBeGreaterThanOrEqual(up);
    expect(downShapes).toBeGreaterThanOrEqual(down);
  });

  it('has one marker per fractal (plus its legend icon)', () => {
    expect(fractals.bullish.length).toBeGreaterThan(5);
    expect(filled(svg, CHART_COLORS.bullishFractal)).toBe(fractals.bullish.length + 1);
    expect(filled(svg, CHART_COLORS.bearishFractal)).toBe(fractals.bearish.length + 1);
  });

  it('labels the stop and entry lines and the axes at the symbol precision, in UTC', () => {
    expect(svg).toContain(`Stop ${formatAmount(stopPrice, 2)}`);
    expect(svg).toContain('Entry 88,000.00');
    expect(svg).toMatch(/>\d{2,3},\d{3}\.00</);
    expect(svg).toContain('BTCUSDT · 4h');
    const first = new Date(candles[0]!.openTime).toISOString();
    expect(svg).toContain(`${first.slice(5, 10)} ${first.slice(11, 16)}`);
    expect(svg).toContain('UTC');
  });

  it('uses the bundled font family and escapes nothing unexpected', () => {
    expect(svg).toContain('DejaVu Sans');
    expect(svg.startsWith('<svg')).toBe(true);
  });
});

describe('chart font metrics', () => {
  it('reads DejaVu Sans advance widths (units per em 2048)', () => {
    const measure = createTextMeasurer(chartFontFile());
    // DejaVu Sans: digits advance 1303/2048 em, space 651/2048 em.
    expect(measure('0', 2048)).toBe(1303);
    expect(measure('0123456789', 2048)).toBe(13030);
    expect(measure(' ', 2048)).toBe(651);
    expect(measure('', 12)).toBe(0);
    // A wider letter is wider.
    expect(measure('W', 12)).toBeGreaterThan(measure('i', 12));
  });
});
