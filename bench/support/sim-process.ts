/**
 * The paper exchange in a process of its own, for benchmarks: its CPU is not counted in the
 * client's, and its event loop does not compete with the bot's (a real exchange is elsewhere).
 * Started by sim-child.ts with an IPC channel.
 *
 * Rate limits are lifted (weight, order counts): the benchmarks measure this product, not the
 * exchange's budget. So that no client throttles itself either, the used-weight header
 * (X-MBX-USED-WEIGHT-1M) is not sent: our REST client holds every request at 90 % of 6,000 a
 * minute, ccxt and the `binance` SDK do not. The weight is still counted and reported (stats),
 * so a scenario can say what its load would cost against Binance's budget. Balances are ample
 * so every MARKET order fills.
 *
 * It reports when each POST /api/v3/order arrives — the moment node:http has parsed the request
 * head (diagnostics channel `http.server.request.start`), before the body is read or anything
 * is matched — as epoch ms with sub-millisecond resolution, keyed by newClientOrderId.
 *
 * With BENCH_SIM_KLINE_SYMBOLS, those symbols get real BTCUSDT candle history (../shared/fixtures/
 * klines: 15m, 1h, 4h, 1d) whatever their usual price: enough for stop evaluations, which read
 * candles and never trade in that scenario.
 *
 * Env: BENCH_SIM_API_KEY, BENCH_SIM_API_SECRET (HMAC), BENCH_SIM_SYMBOLS, BENCH_SIM_KLINE_SYMBOLS
 * (optional, comma lists), FIXTURES_DIR (default: the nearest shared/fixtures, see test/support/fixtures.ts).
 */
import { subscribe } from 'node:diagnostics_channel';
import { ServerResponse, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import type { KlineInterval, KlineRow } from '../../src/binance/types.js';
import { createLogger } from '../../src/logger.js';
import { createProgrammaticFeed } from '../../src/sim/feeds/programmatic-feed.js';
import { fixtureRows } from '../../test/support/klines.js';
import { startTestSimulator } from '../../test/support/simulator.js';
import { cpuMs, epochMs } from '../lib/stats.js';

export type SimParentMessage = { type: 'ping'; id: number } | { type: 'stats' } | { type: 'close' };
export type SimChildMessage =
  | { type: 'ready'; restUrl: string }
  | { type: 'pong'; id: number; at: number }
  | { type: 'orders'; arrivals: Array<[clientOrderId: string, at: number]> }
  | { type: 'stats'; cpuMs: number; rssBytes: number; requests: number; byRoute: Record<string, number>; weight: number };

const LIFTED = { weightPerMinute: 1_000_000_000, ordersPer10s: 1_000_000_000, ordersPerDay: 1_000_000_000 };
const WEIGHT_HEADER = 'X-MBX-USED-WEIGHT-1M';

/** Request weight charged so far (all IPs are loopback here), read from the header before it is dropped. */
let weight = 0;
let lastUsed = 0;
const writeHead = ServerResponse.prototype.writeHead as (this: ServerResponse, status: number, headers?: OutgoingHttpHeaders) => ServerResponse;
ServerResponse.prototype.writeHead = function (this: ServerResponse, status: number, headers?: OutgoingHttpHeaders) {
  const used = headers?.[WEIGHT_HEADER];
  if (headers && used !== undefined) {
    // The header is the weight used in the current minute: it only drops when a new minute starts.
    const now = Number(used);
    weight += now < lastUsed ? now : now - lastUsed;
    lastUsed = now;
    delete headers[WEIGHT_HEADER];
  }
  return writeHead.call(this, status, headers);
} as typeof ServerResponse.prototype.writeHead;
const CLIENT_ORDER_ID = /[?&]newClientOrderId=([^&]+)/;

function send(message: SimChildMessage): void {
  process.send?.(message);
}

/** The last 150 real candles per interval, as kline rows. */
function fixtureKlines(): Partial<Record<KlineInterval, KlineRow[]>> {
  const last = (rows: KlineRow[]) => rows.slice(-150);
  return { '15m': last(fixtureRows('raw15m')), '1h': last(fixtureRows('objects1h')), '4h': last(fixtureRows('objects4h')), '1d': last(fixtureRows('objects1d')) };
}

async function main(): Promise<void> {
  const apiKey = process.env.BENCH_SIM_API_KEY;
  const apiSecret = process.env.BENCH_SIM_API_SECRET;
  if (!apiKey || !apiSecret) throw new Error('BENCH_SIM_API_KEY and BENCH_SIM_API_SECRET are required');
  const list = (name: string) => (process.env[name] ?? '').split(',').filter((s) => s !== '');
  const extra = list('BENCH_SIM_SYMBOLS');
  const klineSymbols = list('BENCH_SIM_KLINE_SYMBOLS');
  const byRoute: Record<string, number> = {};

  let pending: Array<[string, number]> = [];
  let flushScheduled = false;
  let requests = 0;
  subscribe('http.server.request.start', (message) => {
    const at = epochMs();
    requests++;
    const request = (message as { request: IncomingMessage }).request;
    const url = request.url ?? '';
    const route = `${request.method} ${url.split('?')[0]}`;
    byRoute[route] = (byRoute[route] ?? 0) + 1;
    if (request.method !== 'POST' || !url.startsWith('/api/v3/order?')) return;
    const id = CLIENT_ORDER_ID.exec(url)?.[1];
    if (id === undefined) return;
    pending.push([decodeURIComponent(id), at]);
    if (!flushScheduled) {
      flushScheduled = true;
      // Batched after the request is handled, so reporting never delays the exchange's answer.
      setImmediate(() => {
        flushScheduled = false;
        send({ type: 'orders', arrivals: pending });
        pending = [];
      });
    }
  });

  const prices: Record<string, string> = { BTCUSDT: '65000', ETHUSDT: '3500' };
  const symbols = [...new Set([...Object.keys(prices), ...extra, ...klineSymbols])];
  const history = klineSymbols.length > 0 ? fixtureKlines() : undefined;
  const feed = createProgrammaticFeed({
    symbols,
    prices: Object.fromEntries(Object.entries(prices).filter(([symbol]) => !klineSymbols.includes(symbol))),
    ...(history ? { klines: Object.fromEntries(klineSymbols.map((symbol) => [symbol, history])) } : {}),
    logger: createLogger({ level: 'silent' }),
  });
  const sim = await startTestSimulator({
    balances: { USDT: '1000000000', BTC: '100000', ETH: '1000000' },
    feed,
    credentials: { apiKey, apiSecret },
    options: LIFTED,
  });

  process.on('message', (message: SimParentMessage) => {
    if (message.type === 'ping') send({ type: 'pong', id: message.id, at: epochMs() });
    else if (message.type === 'stats') send({ type: 'stats', cpuMs: cpuMs(), rssBytes: process.memoryUsage.rss(), requests, byRoute: { ...byRoute }, weight });
    else if (message.type === 'close') void sim.close().finally(() => process.exit(0));
  });
  process.on('disconnect', () => void sim.close().finally(() => process.exit(0)));
  send({ type: 'ready', restUrl: sim.restUrl });
}

main().catch((error: unknown) => {
  console.error('sim-process failed:', error instanceof Error ? error.message : error);
  process.exit(1);
});
