import { it } from 'vitest';
import { CHART_COLORS, renderCandlestickChart } from '../../src/market/chart.js';
import { findFractals } from '../../src/market/fractals.js';
import { afterLastClose, fixtureCandles } from './candles.js';
import { countColour, decodePng } from './png.js';
it('probe', async () => {
  const candles = fixtureCandles('objects4h').slice(-100);
  const fractals = findFractals(candles, { now: afterLastClose(candles) });
  const input = { symbol: 'BTCUSDT', interval: '4h' as const, candles, fractals, stopPrice: fractals.bullish.at(-1)!.price, entryPrice: '88000', tickSize: '0.01' };
  for (const [name, inp] of [['with', input], ['without', { ...input, stopPrice: undefined, entryPrice: undefined }]] as const) {
    const img = decodePng(await renderCandlestickChart(inp));
    const out: string[] = [];
    for (const [k, c] of Object.entries(CHART_COLORS)) out.push(`${k}: ${[0, 12, 20, 30, 40].map((t) => countColour(img, c, t)).join('/')}`);
    console.log(name, out.join('  '));
  }
});
