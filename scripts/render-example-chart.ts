/**
 * Writes docs/fractals-example.png, the /fractals chart shown in the README: BTCUSDT 4h from the
 * real capture in ../shared/fixtures/klines, with the stop a fractal trailing stop would hold at
 * the end of it. The stop is not drawn by hand: it is armed when the candle opening
 * 2025-11-22 04:00 UTC closes (entry = that close) and walked candle by candle through the stop
 * rule (src/market/stop-rule.ts), as the stop manager would.
 *
 * Run from the project root (FIXTURES_DIR overrides where ../shared/fixtures is; Node 20 has no
 * TypeScript loader, so compile first):
 *   npx tsc -p tsconfig.json --noEmit false --outDir dist-bench && node dist-bench/scripts/render-example-chart.js [out.png]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseKlines } from '../src/binance/market-data-parsers.js';
import { lte } from '../src/decimal.js';
import { renderCandlestickChart } from '../src/market/chart.js';
import { findFractals } from '../src/market/fractals.js';
import { evaluateTrailingStop, initialStop, type TrailingStopState } from '../src/market/stop-rule.js';

const FIXTURES_DIR = resolve(process.env.FIXTURES_DIR ?? resolve(process.cwd(), '../shared/fixtures'));
const CAPTURE = 'klines/objects_SleepwalkerSpace_BTCUSDT_4h_2025-09_11.json';

const OUT = resolve(process.cwd(), process.argv[2] ?? 'docs/fractals-example.png');
const ARMED_ON_CANDLE_OPENING = Date.UTC(2025, 10, 22, 4);
const TICK = '0.01';

/** The capture's object form, read through the exchange's own row parser (fields in GET /api/v3/klines order). */
type CaptureCandle = Record<'open' | 'high' | 'low' | 'close' | 'volume' | 'quoteAssetVolume' | 'takerBuyBaseAssetVolume', string> &
  Record<'openTime' | 'closeTime' | 'numberOfTrades', number>;
const captured = JSON.parse(readFileSync(resolve(FIXTURES_DIR, CAPTURE), 'utf8')) as CaptureCandle[];
const candles = parseKlines(
  captured.map((o) => [o.openTime, o.open, o.high, o.low, o.close, o.volume, o.closeTime, o.quoteAssetVolume, o.numberOfTrades, o.takerBuyBaseAssetVolume, '0', '0']),
);
const afterClose = (k: number) => ({ candles: candles.slice(0, k + 1), now: candles[k]!.closeTime + 1, price: candles[k]!.close, tickSize: TICK });

const arm = candles.findIndex((c) => c.openTime === ARMED_ON_CANDLE_OPENING);
if (arm < 0) throw new Error('the arming candle is not in the capture');
const state: TrailingStopState = { entryPrice: candles[arm]!.close, armedAt: afterClose(arm).now, minMovePct: '0' };
state.currentStop = initialStop(afterClose(arm))?.stop;
const moves: string[] = [];
for (let k = arm + 1; k < candles.length; k++) {
  if (state.currentStop !== undefined && lte(candles[k]!.low, state.currentStop)) throw new Error(`the example stop filled at candle ${k}: pick another arming candle`);
  const decision = evaluateTrailingStop(state, afterClose(k));
  if (decision.move) {
    state.currentStop = decision.newStop;
    moves.push(decision.newStop);
  }
}

const now = candles[candles.length - 1]!.closeTime + 1;
const closed = candles.slice(-102);
const png = await renderCandlestickChart({
  symbol: 'BTCUSDT',
  interval: '4h',
  candles: closed.slice(-100),
  fractals: findFractals(closed, { now }),
  ...(state.currentStop !== undefined ? { stopPrice: state.currentStop } : {}),
  entryPrice: state.entryPrice,
  priceDecimals: 2,
});
writeFileSync(OUT, png);
process.stdout.write(`${OUT}: ${png.length} bytes; entry ${state.entryPrice}, stop moves ${moves.join(' → ') || 'none'}\n`);
