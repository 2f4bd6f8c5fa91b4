/**
 * TRADING_MODE=paper: the simulator started inside the process on loopback, with a key pair of
 * its own. At first start an Ed25519 key (Binance's recommended key type) is generated and kept
 * under PAPER_DATA_DIR with a random API key, so the client signs exactly as it would for
 * Binance and a restart keeps the same credentials (and, through the state file, the account).
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { createSimulator, type SimulatorControl, type SimulatorOptions, type WebSocketContext } from './create-simulator.js';
import { createFeedFromConfig } from './feeds/feed-from-config.js';
import { createMarketStreamServer } from './ws/market-stream-server.js';
import type { MarketFeed, WsEndpoint } from './types.js';
import { createWsApiServer } from './ws/ws-api-server.js';

export interface PaperExchange {
  restUrl: string;
  wsApiUrl: string;
  streamUrl: string;
  apiKey: string;
  /** PKCS#8 PEM of the Ed25519 key the client signs with. */
  privateKeyPem: string;
  control: SimulatorControl;
  close(): Promise<void>;
}

export interface PaperExchangeDeps {
  paper: Pick<Config['paper'], 'balances' | 'dataDir' | 'market' | 'speed'>;
  /** Prices; default the feed PAPER_MARKET names (the simulator starts and closes it). */
  feed?: MarketFeed;
  logger: Logger;
  /** Default 127.0.0.1 and an ephemeral port. */
  host?: string;
  port?: number;
  options?: SimulatorOptions;
}

export interface PaperCredentials {
  apiKey: string;
  privateKeyPem: string;
  /** Where the key lives (for the log; never the key itself). */
  keyPath: string;
}

const KEY_FILE = 'paper-ed25519.pem';
const API_KEY_FILE = 'paper-api-key';

/** Reads the paper key pair from `dataDir`, creating it at first start (files 0600). */
export function loadOrCreatePaperCredentials(dataDir: string): PaperCredentials {
  mkdirSync(dataDir, { recursive: true });
  const keyPath = join(dataDir, KEY_FILE);
  const apiKeyPath = join(dataDir, API_KEY_FILE);
  if (!existsSync(keyPath) || !existsSync(apiKeyPath)) {
    const pem = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    writePrivate(apiKeyPath, randomBytes(32).toString('hex'));
    writePrivate(keyPath, pem);
  }
  return {
    apiKey: readFileSync(apiKeyPath, 'utf8').trim(),
    privateKeyPem: readFileSync(keyPath, 'utf8'),
    keyPath,
  };
}

/** Both WebSocket endpoints a Binance client expects: the WebSocket API and market streams. */
export function standardWebSockets(ctx: WebSocketContext): WsEndpoint[] {
  return [
    createWsApiServer({ events: ctx.userEvents, rest: ctx.rest, auth: ctx.auth, logger: ctx.logger, now: ctx.clock }),
    createMarketStreamServer({ feed: ctx.feed, logger: ctx.logger }),
  ];
}

export async function startPaperExchange(deps: PaperExchangeDeps): Promise<PaperExchange> {
  const credentials = loadOrCreatePaperCredentials(deps.paper.dataDir);
  const simulator = createSimulator({
    feed: deps.feed ?? createFeedFromConfig(deps.paper, deps.logger),
    logger: deps.logger,
    credentials: [{ apiKey: credentials.apiKey, type: 'ed25519', publicKeyPem: credentials.privateKeyPem }],
    balances: deps.paper.balances,
    dataDir: deps.paper.dataDir,
    ...(deps.options !== undefined && { options: deps.options }),
    webSockets: standardWebSockets,
  });
  const urls = await simulator.start({ host: deps.host ?? '127.0.0.1', port: deps.port ?? 0 });
  deps.logger.info({ restUrl: urls.restUrl, keyPath: credentials.keyPath }, 'paper exchange started');
  return {
    restUrl: urls.restUrl,
    wsApiUrl: urls.wsApiUrl,
    streamUrl: urls.streamUrl,
    apiKey: credentials.apiKey,
    privateKeyPem: credentials.privateKeyPem,
    control: simulator.control,
    close: () => simulator.close(),
  };
}

/** Written whole or not at all, readable by the owner only. */
function writePrivate(path: string, content: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, content, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}
