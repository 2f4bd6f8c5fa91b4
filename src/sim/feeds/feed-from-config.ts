/**
 * The market feed PAPER_MARKET asks for (DESIGN.md §3):
 * - `live`: Binance public market data (data-api.binance.vision), polled;
 * - `replay`: the real candles bundled in assets/replay (see its README.md);
 * - `replay:BTCUSDT=<file>[,ETHUSDT=<file>…]`: JSON files of raw kline rows exactly as
 *   GET /api/v3/klines returns them, replayed PAPER_SPEED times faster than real time.
 * A replay built here is re-stamped so its first replayed candle is the one open now (history
 * just before the present), and loops at the end of its data (a paper exchange runs for days);
 * see replay-feed.ts for how timestamps continue.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import type { KlineRow } from '../../binance/types.js';
import { gte, isDecimal, lte, max, min } from '../../decimal.js';
import { AppError } from '../../errors.js';
import { createLiveFeed, type LiveFeedOptions } from './live-feed.js';
import { createReplayFeed, type ReplayFeedOptions } from './replay-feed.js';
import type { MarketFeed } from '../types.js';

/** The part of the paper configuration a feed needs (Config['paper'] fits). */
export interface PaperMarketConfig {
  market: string;
  speed: number;
}

export type PaperMarket = { kind: 'live' } | { kind: 'replay'; files: Record<string, string> };

export interface FeedFromConfigOptions {
  /** Symbols a live feed prices. Default DEFAULT_LIVE_SYMBOLS. */
  liveSymbols?: string[];
  /** Where the bundled replay files are. Default assets/replay of this package. */
  replayDir?: string;
  /** Relative replay file paths are resolved from here. Default process.cwd(). */
  cwd?: string;
  live?: Partial<Omit<LiveFeedOptions, 'logger'>>;
  replay?: Partial<Omit<ReplayFeedOptions, 'logger' | 'series'>>;
}

export const DEFAULT_LIVE_SYMBOLS = ['BTCUSDT', 'ETHUSDT', 'BNBUSDT', 'SOLUSDT', 'XRPUSDT'];

/** The bundled data (assets/replay/README.md gives its provenance): six majors over one common window. */
export const BUNDLED_REPLAY: Readonly<Record<string, string>> = {
  BTCUSDT: 'BTCUSDT-1h.json',
  ETHUSDT: 'ETHUSDT-1h.json',
  BNBUSDT: 'BNBUSDT-1h.json',
  SOLUSDT: 'SOLUSDT-1h.json',
  XRPUSDT: 'XRPUSDT-1h.json',
  ADAUSDT: 'ADAUSDT-1h.json',
};

/**
 * Where the bundled replay starts (candles before it are history): 2025-11-08 16:00 UTC, after 41
 * days of history, so the default /backtest (4h) has candles to warm up on and trade; three of
 * the six symbols are up over 24 h and three down, so /top gainers and /top losers both have
 * something to show from the first minute; BTCUSDT's 1h MACD crosses up within the first
 * replayed day, so a /signal has something to say soon.
 */
export const BUNDLED_START_INDEX = 994;

const KLINE_FIELDS = ['openTime', 'open', 'high', 'low', 'close', 'volume', 'closeTime', 'quoteVolume', 'trades', 'takerBuyBaseVolume', 'takerBuyQuoteVolume', 'ignore'];

const here = dirname(fileURLToPath(import.meta.url));
/** src/sim/feeds and dist/sim/feeds are both three levels below the package root. */
const DEFAULT_REPLAY_DIR = resolve(here, '../../../assets/replay');

export function createFeedFromConfig(paper: PaperMarketConfig, logger: Logger, options: FeedFromConfigOptions = {}): MarketFeed {
  const market = parsePaperMarket(paper.market);
  if (market.kind === 'live') {
    return createLiveFeed({ symbols: options.liveSymbols ?? DEFAULT_LIVE_SYMBOLS, ...options.live, logger });
  }
  const cwd = options.cwd ?? process.cwd();
  const bundled = Object.keys(market.files).length === 0;
  const files = bundled
    ? Object.fromEntries(Object.entries(BUNDLED_REPLAY).map(([symbol, file]) => [symbol, resolve(options.replayDir ?? DEFAULT_REPLAY_DIR, file)]))
    : Object.fromEntries(Object.entries(market.files).map(([symbol, file]) => [symbol, resolve(cwd, file)]));
  const series = Object.fromEntries(Object.entries(files).map(([symbol, path]) => [symbol, readKlineFile(path, symbol)]));
  logger.child({ module: 'feed-from-config' }).info({ files: Object.values(files), speed: paper.speed }, bundled ? 'replaying the bundled market data' : 'replaying market data files');
  try {
    // Re-stamped to the present: the first replayed candle is the one open now (replay-feed.ts).
    const restampTo = (options.replay?.clock ?? Date.now)();
    const startIndex = bundled ? { startIndex: BUNDLED_START_INDEX } : {};
    return createReplayFeed({ series, speed: paper.speed, atEnd: 'loop', restampTo, ...startIndex, ...options.replay, logger });
  } catch (err) {
    throw new AppError('CONFIG_INVALID', `PAPER_MARKET cannot be replayed: ${(err as Error).message}`);
  }
}

/** `live`, `replay` (bundled: no files) or `replay:SYMBOL=<file>,…`. */
export function parsePaperMarket(value: string): PaperMarket {
  const text = value.trim();
  if (text === 'live') return { kind: 'live' };
  if (text === 'replay') return { kind: 'replay', files: {} };
  if (!text.startsWith('replay:')) throw invalid(`must be live, replay, or replay:BTCUSDT=<file>[,ETHUSDT=<file>…], got "${text}"`);
  const files: Record<string, string> = {};
  for (const entry of text.slice('replay:'.length).split(',')) {
    const eq = entry.indexOf('=');
    const symbol = entry.slice(0, eq).trim();
    const file = entry.slice(eq + 1).trim();
    if (eq < 0 || !/^[A-Z0-9]{2,20}$/.test(symbol) || file === '') throw invalid(`entry "${entry}" must look like BTCUSDT=<file>`);
    if (files[symbol] !== undefined) throw invalid(`names ${symbol} twice`);
    files[symbol] = file;
  }
  return { kind: 'replay', files };
}

/** Reads and checks a file of raw kline rows; errors name the file, the row and the field. */
export function readKlineFile(path: string, symbol: string): KlineRow[] {
  if (!existsSync(path)) throw invalid(`replay file for ${symbol} does not exist: ${path}`);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw invalid(`replay file for ${symbol} is not valid JSON (${path}): ${(err as Error).message}`);
  }
  if (!Array.isArray(json) || json.length === 0) throw invalid(`replay file for ${symbol} must be a non-empty JSON array of kline rows (${path})`);
  return json.map((row, i) => {
    const problem = rowProblem(row);
    if (problem) throw invalid(`replay file for ${symbol} row ${i} is not a Binance kline row [${KLINE_FIELDS.join(', ')}]: ${problem} (${path})`);
    return row as KlineRow;
  });
}

function rowProblem(row: unknown): string | undefined {
  if (!Array.isArray(row)) return 'not an array';
  if (row.length !== 12) return `${row.length} fields instead of 12`;
  for (const i of [0, 6, 8]) {
    if (!Number.isSafeInteger(row[i]) || (row[i] as number) < 0) return `${KLINE_FIELDS[i]} ${JSON.stringify(row[i])} is not a non-negative integer`;
  }
  for (const i of [1, 2, 3, 4, 5, 7, 9, 10]) {
    if (typeof row[i] !== 'string' || !isDecimal(row[i] as string)) return `${KLINE_FIELDS[i]} ${JSON.stringify(row[i])} is not a decimal string`;
  }
  if (typeof row[11] !== 'string') return `ignore ${JSON.stringify(row[11])} is not a string`;
  const [openTime, open, high, low, close] = row as KlineRow;
  if (row[6] <= openTime) return 'closeTime is not after openTime';
  if (!gte(high, max(open, close)) || !lte(low, min(open, close))) return 'high/low do not enclose open and close';
  return undefined;
}

function invalid(reason: string): AppError {
  return new AppError('CONFIG_INVALID', `PAPER_MARKET ${reason}`);
}
