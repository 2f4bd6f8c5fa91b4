/**
 * One Binance client, alone in this process, sending signed test orders
 * (POST /api/v3/order/test: built, signed, sent, answered and parsed, no state change) one after
 * another to the paper exchange running in another process. Prints one JSON line: requests per
 * second and this process's CPU time per request (process.cpuUsage: user + system, GC included).
 *
 *   node dist-bench/bench/peers/peer-client.js <ours|ccxt|binance|node-http> <count> <warmup>
 *   env: BENCH_SIM_URL, BENCH_SIM_API_KEY, BENCH_SIM_API_SECRET; BENCH_PROFILE=<file> writes a
 *   V8 CPU profile of the measured requests only (start-up and warm-up left out)
 *
 * Every client sends the same order (MARKET BUY 0.001 BTCUSDT) with a fresh client order id, on
 * a kept-alive connection, with its own defaults otherwise. `node-http` is the floor: node:http
 * and node:crypto with nothing else, the least any client can cost.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import { Session } from 'node:inspector/promises';
import { performance } from 'node:perf_hooks';
import pino from 'pino';
import { Registry } from 'prom-client';
import { createRestClient } from '../../src/binance/rest-client.js';
import { createSigner } from '../../src/binance/signing.js';
import { createLogger } from '../../src/logger.js';
import { summarize } from '../lib/stats.js';

export const PEER_CLIENTS = ['ours', 'ccxt', 'binance', 'node-http'] as const;
export type PeerClient = (typeof PEER_CLIENTS)[number];

export interface PeerRun {
  client: PeerClient;
  n: number;
  seconds: number;
  requestsPerSecond: number;
  cpuUsPerRequest: number;
  latencyMs: ReturnType<typeof summarize>;
  rssMB: number;
}

type SendOne = () => Promise<unknown>;

const url = process.env.BENCH_SIM_URL!;
const apiKey = process.env.BENCH_SIM_API_KEY!;
const apiSecret = process.env.BENCH_SIM_API_SECRET!;
const clientOrderId = () => `bco-${randomBytes(12).toString('base64url')}`;

async function ours(): Promise<SendOne> {
  const client = createRestClient({
    baseUrl: url,
    apiKey,
    signer: createSigner({ apiSecret }),
    // The production logger at its default level, writing nowhere.
    logger: createLogger({ level: 'info', destination: pino.destination({ dest: '/dev/null', sync: true }) }),
    registry: new Registry(),
  });
  await client.syncClock();
  return () => client.testOrder({ symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: '0.001', newClientOrderId: clientOrderId() });
}

async function ccxtClient(): Promise<SendOne> {
  const { default: ccxt } = await import('ccxt');
  const exchange = new ccxt.binance({
    apiKey,
    secret: apiSecret,
    enableRateLimit: false,
    // Spot only, and none of the margin or currency look-ups (sapi) the paper exchange does not serve.
    options: { fetchMarkets: { types: ['spot'] }, fetchCurrencies: false, fetchMargins: false },
  });
  const api = exchange.urls['api'] as Record<string, string>;
  for (const key of ['public', 'private', 'v3']) api[key] = `${url}/api/v3`;
  api['v1'] = `${url}/api/v1`;
  await exchange.loadMarkets();
  return () => exchange.createOrder('BTC/USDT', 'market', 'buy', 0.001, undefined, { test: true });
}

async function binanceSdk(): Promise<SendOne> {
  const { MainClient } = await import('binance');
  const client = new MainClient({ api_key: apiKey, api_secret: apiSecret, baseUrl: url });
  return () => client.testNewOrder({ symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: 0.001 });
}

async function nodeHttp(): Promise<SendOne> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const { hostname, port } = new URL(url);
  return () =>
    new Promise((resolve, reject) => {
      const query = `symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.001&newClientOrderId=${clientOrderId()}&recvWindow=5000&timestamp=${Date.now()}`;
      const signature = createHmac('sha256', apiSecret).update(query).digest('hex');
      const req = http.request({ host: hostname, port, method: 'POST', path: `/api/v3/order/test?${query}&signature=${signature}`, agent, headers: { 'X-MBX-APIKEY': apiKey } }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(body)) : reject(new Error(`HTTP ${res.statusCode}: ${body}`))));
      });
      req.on('error', reject);
      req.end();
    });
}

const FACTORIES: Record<PeerClient, () => Promise<SendOne>> = { ours, ccxt: ccxtClient, binance: binanceSdk, 'node-http': nodeHttp };

async function main(): Promise<void> {
  const client = process.argv[2] as PeerClient;
  const count = Number(process.argv[3] ?? 2000);
  const warmup = Number(process.argv[4] ?? 300);
  if (!PEER_CLIENTS.includes(client)) throw new Error(`unknown client ${client}`);
  const send = await FACTORIES[client]();
  for (let i = 0; i < warmup; i++) await send();

  const profileFile = process.env.BENCH_PROFILE;
  const inspector = profileFile ? new Session() : undefined;
  if (inspector) {
    inspector.connect();
    await inspector.post('Profiler.enable');
    await inspector.post('Profiler.start');
  }
  const latencies = new Array<number>(count);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    await send();
    latencies[i] = performance.now() - start;
  }
  const elapsedMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  if (inspector && profileFile) {
    const { profile } = await inspector.post('Profiler.stop');
    writeFileSync(profileFile, JSON.stringify(profile));
    inspector.disconnect();
  }
  const run: PeerRun = {
    client,
    n: count,
    seconds: Math.round(elapsedMs) / 1000,
    requestsPerSecond: Math.round((count / elapsedMs) * 1000 * 10) / 10,
    cpuUsPerRequest: Math.round(((cpu.user + cpu.system) / count) * 10) / 10,
    latencyMs: summarize(latencies),
    rssMB: Math.round(process.memoryUsage.rss() / 2 ** 20),
  };
  process.stdout.write(JSON.stringify(run) + '\n');
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(`peer-client ${process.argv[2]} failed:`, error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
