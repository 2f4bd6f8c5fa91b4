/**
 * The paper exchange for tests: a real HTTP + WebSocket server on 127.0.0.1 (port 0), a
 * programmatic feed the test drives, and the fault/inspection control API.
 *
 *   const sim = await startTestSimulator({ balances: { USDT: '10000', BTC: '1' } });
 *   sim.feed.setPrice('BTCUSDT', '68000');
 *   sim.control.faults.inject({ method: 'POST', path: '/api/v3/order', action: 'error-503-after-execute' });
 *   await sim.close();
 *
 * `simRequest` sends a (signed) REST request exactly as a Binance client does, for tests that
 * want the raw status, headers and body.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createLogger, type Logger } from '../../src/logger.js';
import type { ExchangeInfo } from '../../src/binance/types.js';
import { createSigner, encodeParams, signQuery, type Signer } from '../../src/binance/signing.js';
import { createSimulator, type SimulatorControl, type SimulatorOptions } from '../../src/sim/create-simulator.js';
import { createMarketStreamServer } from '../../src/sim/ws/market-stream-server.js';
import { createProgrammaticFeed } from '../../src/sim/feeds/programmatic-feed.js';
import type { ApiCredential } from '../../src/sim/http/request-auth.js';
import type { MarketFeed, ProgrammaticFeed } from '../../src/sim/types.js';
import { createWsApiServer } from '../../src/sim/ws/ws-api-server.js';
import type { WsConnectionOptions } from '../../src/sim/ws/ws-connections.js';

export type { SimulatorControl } from '../../src/sim/create-simulator.js';

export interface TestSimulatorOptions {
  /** Starting balances. Default { USDT: '10000' }. */
  balances?: Record<string, string>;
  /** Starting prices. Default BTCUSDT=69010.01, ETHUSDT=3500. */
  prices?: Record<string, string>;
  /** Symbols the feed (and exchangeInfo) knows. Default: the keys of `prices` plus BTCUSDT, ETHUSDT. */
  symbols?: string[];
  /** Default 'hmac'. */
  keyType?: 'hmac' | 'ed25519';
  /** Base quantity available per symbol per tick (partial fills). Default unlimited. */
  depth?: string;
  /** Persist state here (restart tests). Default in memory. */
  dataDir?: string;
  /** Reuse credentials (a restart with the same dataDir). */
  credentials?: { apiKey: string; apiSecret?: string; privateKeyPem?: string };
  /** Engine and rate-limit options (commission, slippage, weight limits, …). */
  options?: SimulatorOptions;
  /** WebSocket housekeeping (ping interval, pong timeout) for stream tests. */
  ws?: WsConnectionOptions;
  exchangeInfo?: ExchangeInfo;
  logger?: Logger;
  /** Another feed instead of the programmatic one (a replay, say); `prices`/`symbols` are then ignored. */
  feed?: MarketFeed;
}

export interface TestSimulator<F extends MarketFeed = ProgrammaticFeed> {
  restUrl: string;
  wsApiUrl: string;
  streamUrl: string;
  apiKey: string;
  apiSecret?: string;
  privateKeyPem?: string;
  /** Signs like the client must (HMAC or Ed25519 per keyType). */
  signer: Signer;
  feed: F;
  control: SimulatorControl;
  close(): Promise<void>;
}

export const DEFAULT_TEST_PRICES: Readonly<Record<string, string>> = { BTCUSDT: '69010.01', ETHUSDT: '3500' };

export function randomApiKey(): string {
  return randomBytes(32).toString('hex');
}

export function startTestSimulator(options?: TestSimulatorOptions & { feed?: undefined }): Promise<TestSimulator>;
export function startTestSimulator<F extends MarketFeed>(options: TestSimulatorOptions & { feed: F }): Promise<TestSimulator<F>>;
export async function startTestSimulator(options: TestSimulatorOptions = {}): Promise<TestSimulator<MarketFeed>> {
  const logger = options.logger ?? createLogger({ level: 'silent' });
  const prices = options.prices ?? { ...DEFAULT_TEST_PRICES };
  const symbols = options.symbols ?? [...new Set([...Object.keys(prices), 'BTCUSDT', 'ETHUSDT'])];
  const feed = options.feed ?? createProgrammaticFeed({ symbols, prices, logger });

  const apiKey = options.credentials?.apiKey ?? randomApiKey();
  let apiSecret: string | undefined;
  let privateKeyPem: string | undefined;
  let credential: ApiCredential;
  if ((options.keyType ?? (options.credentials?.privateKeyPem ? 'ed25519' : 'hmac')) === 'ed25519') {
    privateKeyPem = options.credentials?.privateKeyPem ?? generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    credential = { apiKey, type: 'ed25519', publicKeyPem: privateKeyPem };
  } else {
    apiSecret = options.credentials?.apiSecret ?? randomBytes(32).toString('hex');
    credential = { apiKey, type: 'hmac', secret: apiSecret };
  }
  const signer = createSigner(apiSecret !== undefined ? { apiSecret } : { privateKeyPem: privateKeyPem! });

  // A test's simulator lives for one test: it keeps every request it answered, so a test may count them all.
  const engineOptions: SimulatorOptions = { keptRequests: Infinity, ...options.options };
  if (options.depth !== undefined) engineOptions.depth = options.depth;
  const sim = createSimulator({
    feed,
    logger,
    credentials: [credential],
    balances: options.balances ?? { USDT: '10000' },
    ...(options.dataDir !== undefined && { dataDir: options.dataDir }),
    ...(options.exchangeInfo !== undefined && { exchangeInfo: options.exchangeInfo }),
    options: engineOptions,
    webSockets: (ctx) => [
      createWsApiServer({ events: ctx.userEvents, rest: ctx.rest, auth: ctx.auth, logger: ctx.logger, now: ctx.clock, ...options.ws }),
      createMarketStreamServer({ feed: ctx.feed, logger: ctx.logger, ...options.ws }),
    ],
  });
  const urls = await sim.start({ port: 0, host: '127.0.0.1' });
  return {
    restUrl: urls.restUrl,
    wsApiUrl: urls.wsApiUrl,
    streamUrl: urls.streamUrl,
    apiKey,
    ...(apiSecret !== undefined && { apiSecret }),
    ...(privateKeyPem !== undefined && { privateKeyPem }),
    signer,
    feed,
    control: sim.control,
    close: () => sim.close(),
  };
}

export interface SimResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

export interface SimRequestOptions {
  /** Sign with the simulator's key (default true for anything but market data). */
  signed?: boolean;
  /** Send the parameters in a form body instead of the query (POST/DELETE). */
  inBody?: boolean;
  /** Added as `timestamp` (default Date.now()). */
  timestamp?: number;
  /** Overrides the key header (undefined: the simulator's key; null: none). */
  apiKey?: string | null;
  /** Overrides the signer (a wrong secret, say). */
  signer?: Signer;
}

/** One REST request as a Binance client sends it: percent-encoded, signed over exactly what is sent. */
export async function simRequest<T = unknown>(
  sim: Pick<TestSimulator, 'restUrl' | 'apiKey' | 'signer'>,
  method: 'GET' | 'POST' | 'DELETE' | 'PUT',
  path: string,
  params: Record<string, string | number | boolean | undefined> = {},
  options: SimRequestOptions = {},
): Promise<SimResponse<T>> {
  const signed = options.signed ?? !isPublic(path);
  const all = signed ? { ...params, timestamp: options.timestamp ?? Date.now() } : params;
  const encoded = encodeParams(all);
  let query = options.inBody ? '' : encoded;
  let body = options.inBody ? encoded : '';
  if (signed) ({ query, body } = signQuery(query, body, options.signer ?? sim.signer));
  const headers: Record<string, string> = {};
  const key = options.apiKey === undefined ? sim.apiKey : options.apiKey;
  if (key !== null && (signed || options.apiKey !== undefined)) headers['X-MBX-APIKEY'] = key;
  if (body !== '') headers['Content-Type'] = 'application/x-www-form-urlencoded';
  const res = await fetch(`${sim.restUrl}${path}${query === '' ? '' : `?${query}`}`, {
    method,
    headers,
    ...(body !== '' && { body }),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: (text === '' ? undefined : JSON.parse(text)) as T };
}

function isPublic(path: string): boolean {
  return /^\/api\/v3\/(ping|time|exchangeInfo|klines|uiKlines|ticker|avgPrice|referencePrice|depth)/.test(path);
}
