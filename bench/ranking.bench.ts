/**
 * /top ranking time over the real 2,519-ticker payload (../shared/fixtures/ticker, 1.6 MB),
 * JSON.parse of the body included, as the bot pays it on a cache refresh. Target: under 20 ms
 * (issue 7). Prints one JSON object on stdout, for the bench harness.
 *
 * Measured per run, from the response body text:
 * - `parseAndRank`: JSON.parse + rankTickers (gainers, 10, USDT, 100 000 minimum volume);
 * - `parseValidateAndRank`: the same with the REST client's edge validation
 *   (parseTicker24hList) in between: the full path of a /top after a cache refresh;
 * - `rankOnly`: rankTickers on the parsed list: the cost of every /top served from the cache.
 * Building the exchangeInfo index happens once per exchangeInfo refresh; it is reported apart.
 *
 * Run from the project root (Node 20 has no TypeScript loader, so compile first):
 *   npx tsc -p tsconfig.json --noEmit false --outDir dist-bench && node dist-bench/bench/ranking.bench.js [runs]
 */
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseExchangeInfo } from '../src/binance/exchange-info.js';
import { parseTicker24hList } from '../src/binance/response-parsers.js';
import type { Ticker24h } from '../src/binance/types.js';
import { buildRankingIndex, rankTickers, type RankingOptions } from '../src/market/ranking.js';

const FIXTURES = resolve(process.cwd(), process.env.FIXTURES_DIR ?? '../shared/fixtures');
const runs = Number(process.argv[2] ?? 200);
const warmup = 20;

const body = readFileSync(resolve(FIXTURES, 'ticker/binance_spot_ticker24hr_all_2024-03-10.json'), 'utf8');
const exchangeInfo = parseExchangeInfo(JSON.parse(readFileSync(resolve(FIXTURES, 'exchange_info/binance_spot_exchangeInfo_symbols_2023-10.json'), 'utf8')));
const options: RankingOptions = { by: 'gainers', limit: 10, quote: 'USDT', minQuoteVolume: '100000' };

function measure(task: () => unknown): { medianMs: number; p99Ms: number; minMs: number; maxMs: number; runs: number } {
  for (let i = 0; i < warmup; i++) task();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    task();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.ceil(q * times.length) - 1)]!;
  const round = (ms: number) => Math.round(ms * 1000) / 1000;
  return { medianMs: round(at(0.5)), p99Ms: round(at(0.99)), minMs: round(times[0]!), maxMs: round(times[times.length - 1]!), runs };
}

const indexStart = performance.now();
const index = buildRankingIndex(exchangeInfo.symbols);
const indexBuildMs = performance.now() - indexStart;
const parsed = JSON.parse(body) as Ticker24h[];

const result = {
  benchmark: 'ranking',
  payload: { tickers: parsed.length, bytes: Buffer.byteLength(body), symbolsInExchangeInfo: exchangeInfo.symbols.length },
  targetMs: 20,
  parseAndRank: measure(() => rankTickers(JSON.parse(body) as Ticker24h[], index, options)),
  parseValidateAndRank: measure(() => rankTickers(parseTicker24hList(JSON.parse(body)), index, options)),
  rankOnly: {
    gainers: measure(() => rankTickers(parsed, index, options)),
    volume: measure(() => rankTickers(parsed, index, { ...options, by: 'volume', limit: 50 })),
  },
  indexBuildMs: Math.round(indexBuildMs * 1000) / 1000,
  node: process.version,
  // The machine is shared: a busy neighbour shows up in the tail, so the load is reported with the times.
  loadAverage1m: Math.round(loadavg()[0]! * 100) / 100,
  cpus: cpus().length,
};
console.log(JSON.stringify(result, null, 2));
