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
import { performance } from 'node:perf_hooks';
import { parseExchangeInfo } from '../src/binance/exchange-info.js';
import { parseTicker24hList } from '../src/binance/market-data-parsers.js';
import type { Ticker24h } from '../src/binance/types.js';
import { buildRankingIndex, rankTickers, type RankingOptions } from '../src/market/ranking.js';
import { EXCHANGE_INFO_FIXTURES, fixture, fixturePath, TICKER_FIXTURE } from '../test/support/fixtures.js';
import { percentile, round3, timeSync } from './lib/stats.js';

const runs = Number(process.argv[2] ?? 200);
const warmup = 20;

const body = readFileSync(fixturePath(TICKER_FIXTURE), 'utf8');
const exchangeInfo = parseExchangeInfo(fixture(EXCHANGE_INFO_FIXTURES.mainnet2023SymbolsOnly));
const options: RankingOptions = { by: 'gainers', limit: 10, quote: 'USDT', minQuoteVolume: '100000' };

function measure(task: () => unknown): { medianMs: number; p99Ms: number; minMs: number; maxMs: number; runs: number } {
  const times = timeSync(task, runs, warmup);
  return { medianMs: round3(percentile(times, 0.5)), p99Ms: round3(percentile(times, 0.99)), minMs: round3(times[0]!), maxMs: round3(times[times.length - 1]!), runs };
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
  indexBuildMs: round3(indexBuildMs),
  node: process.version,
  // The machine is shared: a busy neighbour shows up in the tail, so the load is reported with the times.
  loadAverage1m: Math.round(loadavg()[0]! * 100) / 100,
  cpus: cpus().length,
};
console.log(JSON.stringify(result, null, 2));
