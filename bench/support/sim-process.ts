/**
 * The paper exchange in a process of its own, for benchmarks: its CPU is not counted in the
 * client's, and its event loop does not compete with the bot's (a real exchange is elsewhere).
 * Started by sim-child.ts with an IPC channel.
 *
 * Rate limits are lifted (weight, order counts): the benchmarks measure this product, not the
 * exchange's budget. Balances are ample so every MARKET order fills.
 *
 * It reports when each POST /api/v3/order arrives — the moment node:http has parsed the request
 * head (diagnostics channel `http.server.request.start`), before the body is read or anything
 * is matched — as epoch ms with sub-millisecond resolution, keyed by newClientOrderId.
 *
 * Env: BENCH_SIM_API_KEY, BENCH_SIM_API_SECRET (HMAC), BENCH_SIM_SYMBOLS (optional, comma list).
 */
import { subscribe } from 'node:diagnostics_channel';
import type { IncomingMessage } from 'node:http';
import { startTestSimulator } from '../../test/support/simulator.js';
import { cpuMs, epochMs } from '../lib/stats.js';

export type SimParentMessage = { type: 'ping'; id: number } | { type: 'stats' } | { type: 'close' };
export type SimChildMessage =
  | { type: 'ready'; restUrl: string }
  | { type: 'pong'; id: number; at: number }
  | { type: 'orders'; arrivals: Array<[clientOrderId: string, at: number]> }
  | { type: 'stats'; cpuMs: number; rssBytes: number; requests: number };

const LIFTED = { weightPerMinute: 1_000_000_000, ordersPer10s: 1_000_000_000, ordersPerDay: 1_000_000_000 };
const CLIENT_ORDER_ID = /[?&]newClientOrderId=([^&]+)/;

function send(message: SimChildMessage): void {
  process.send?.(message);
}

async function main(): Promise<void> {
  const apiKey = process.env.BENCH_SIM_API_KEY;
  const apiSecret = process.env.BENCH_SIM_API_SECRET;
  if (!apiKey || !apiSecret) throw new Error('BENCH_SIM_API_KEY and BENCH_SIM_API_SECRET are required');
  const extra = (process.env.BENCH_SIM_SYMBOLS ?? '').split(',').filter((s) => s !== '');

  let pending: Array<[string, number]> = [];
  let flushScheduled = false;
  let requests = 0;
  subscribe('http.server.request.start', (message) => {
    const at = epochMs();
    requests++;
    const request = (message as { request: IncomingMessage }).request;
    const url = request.url ?? '';
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
  const sim = await startTestSimulator({
    balances: { USDT: '1000000000', BTC: '100000', ETH: '1000000' },
    prices,
    symbols: [...new Set([...Object.keys(prices), ...extra])],
    credentials: { apiKey, apiSecret },
    options: LIFTED,
  });

  process.on('message', (message: SimParentMessage) => {
    if (message.type === 'ping') send({ type: 'pong', id: message.id, at: epochMs() });
    else if (message.type === 'stats') send({ type: 'stats', cpuMs: cpuMs(), rssBytes: process.memoryUsage.rss(), requests });
    else if (message.type === 'close') void sim.close().finally(() => process.exit(0));
  });
  process.on('disconnect', () => void sim.close().finally(() => process.exit(0)));
  send({ type: 'ready', restUrl: sim.restUrl });
}

main().catch((error: unknown) => {
  console.error('sim-process failed:', error instanceof Error ? error.message : error);
  process.exit(1);
});
