/**
 * Writes assets/replay/<SYMBOL>-1h.json for the demo's multi-symbol replay from the shared
 * fixtures (../shared/fixtures/klines, see its SOURCES.md §7b): ETH, BNB, SOL, XRP and ADA 1h
 * candles over 2025-09-28 06:00 to 2025-11-28 05:00 UTC, the same open times as the bundled
 * BTCUSDT-1h.json. The fixtures hold only [openTime, open, high, low, close, volume]
 * ("ohlcv6"); this fills in the other six fields of a kline row, as assets/replay/README.md says:
 *
 * - closeTime = openTime + 3 599 999 (exact for 1h candles);
 * - open/high/low/close/volume padded to 8 decimals, Binance's form for these pairs (the values
 *   went through a float in the source and lost their trailing zeros, nothing else);
 * - quoteVolume ESTIMATED as volume × (open + high + low + close) / 4, 8 decimals;
 * - trades ESTIMATED as ⌊quoteVolume / 500⌋, at least 1 (BTCUSDT's real median in this window is
 *   about 470 USDT per trade; a count of 0 would mark the symbol dead to /top);
 * - takerBuyBase, takerBuyQuote and ignore "0" (unknown; nothing in the simulator reads them).
 *
 * Run from the project root (Node 20 has no TypeScript loader, so compile first):
 *   npx tsc -p tsconfig.json --noEmit false --outDir dist-bench && node dist-bench/scripts/import-replay-fixtures.js [fixturesDir]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { add, div, formatFixed, mul } from '../src/decimal.js';

const FIXTURES = resolve(process.cwd(), process.argv[2] ?? '../shared/fixtures/klines');
const SYMBOLS = ['ETHUSDT', 'BNBUSDT', 'SOLUSDT', 'XRPUSDT', 'ADAUSDT'];
const HOUR = 3_600_000;

type Ohlcv6 = [number, string, string, string, string, string];

for (const symbol of SYMBOLS) {
  const rows = JSON.parse(readFileSync(resolve(FIXTURES, `binance_spot_ohlcv6_${symbol}_1h_2025-09_11.json`), 'utf8')) as Ohlcv6[];
  const out = rows.map(([openTime, open, high, low, close, volume]) => {
    const quoteVolume = formatFixed(mul(volume, div(add(add(open, high), add(low, close)), '4', 16)), 8);
    const trades = Math.max(1, Number(div(quoteVolume, '500', 0)));
    const f8 = (v: string) => formatFixed(v, 8);
    return [openTime, f8(open), f8(high), f8(low), f8(close), f8(volume), openTime + HOUR - 1, quoteVolume, trades, '0', '0', '0'];
  });
  const file = resolve(process.cwd(), 'assets/replay', `${symbol}-1h.json`);
  writeFileSync(file, JSON.stringify(out));
  process.stdout.write(`${file}: ${out.length} candles\n`);
}
