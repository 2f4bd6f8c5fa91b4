/**
 * The standalone `sim` role: the paper exchange on SIM_PORT, so any Binance client (this bot in
 * testnet/live shape, a third-party SDK, curl) can be pointed at it.
 *
 * It accepts the key in BINANCE_API_KEY, verified with BINANCE_API_SECRET (HMAC) or with the
 * public half of BINANCE_PRIVATE_KEY_PATH (Ed25519 or RSA): the client keeps its real config and
 * only changes its URLs. Without BINANCE_API_KEY it accepts the paper key pair under
 * PAPER_DATA_DIR (created at first start), as paper mode does.
 */
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import { ConfigError, type Config } from '../config.js';
import { createSimulator } from './create-simulator.js';
import { createFeedFromConfig } from './feeds/feed-from-config.js';
import { loadOrCreatePaperCredentials, standardWebSockets } from './paper-exchange.js';
import type { ApiCredential } from './http/request-auth.js';
import type { MarketFeed } from './types.js';

export interface SimRole {
  /** The listen address (SIM_HOST unless the caller chose one). */
  host: string;
  restUrl: string;
  wsApiUrl: string;
  streamUrl: string;
  close(): Promise<void>;
}

export interface SimRoleOptions {
  /** Default the feed PAPER_MARKET names. */
  feed?: MarketFeed;
  /**
   * Default SIM_HOST (127.0.0.1): the simulator takes any order signed with the paper key, so it
   * is reachable from other hosts or containers only when the operator says so (SIM_HOST=0.0.0.0).
   */
  host?: string;
}

export async function runSimRole(config: Config, logger: Logger, options: SimRoleOptions = {}): Promise<SimRole> {
  const log = logger.child({ module: 'sim-role' });
  const credential = credentialFromConfig(config, log);
  const simulator = createSimulator({
    feed: options.feed ?? createFeedFromConfig(config.paper, logger),
    logger,
    credentials: [credential],
    balances: config.paper.balances,
    dataDir: config.paper.dataDir,
    webSockets: standardWebSockets,
  });
  const host = options.host ?? config.paper.simHost;
  const urls = await simulator.start({ host, port: config.paper.simPort });
  const shown = host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  const result = {
    restUrl: `http://${shown}:${urls.port}`,
    wsApiUrl: `ws://${shown}:${urls.port}/ws-api/v3`,
    streamUrl: `ws://${shown}:${urls.port}`,
  };
  log.info(
    { ...result, keyType: credential.type, market: config.paper.market },
    `paper exchange listening: BINANCE_BASE_URL=${result.restUrl} BINANCE_WS_API_URL=${result.wsApiUrl} BINANCE_STREAM_URL=${result.streamUrl}`,
  );
  return { ...result, host, close: () => simulator.close() };
}

/** The key the simulator accepts, from the environment (never logged). */
export function credentialFromConfig(config: Pick<Config, 'binance' | 'paper'>, log: Logger): ApiCredential {
  const { apiKey, apiSecret, privateKeyPath, privateKeyPassphrase } = config.binance;
  if (apiKey === undefined) {
    const paper = loadOrCreatePaperCredentials(config.paper.dataDir);
    log.info({ keyPath: paper.keyPath }, 'no BINANCE_API_KEY: accepting the paper Ed25519 key kept in PAPER_DATA_DIR');
    return { apiKey: paper.apiKey, type: 'ed25519', publicKeyPem: paper.privateKeyPem };
  }
  if (apiSecret !== undefined) return { apiKey, type: 'hmac', secret: apiSecret };
  if (privateKeyPath === undefined) {
    throw new ConfigError('BINANCE_API_SECRET', 'or BINANCE_PRIVATE_KEY_PATH is required with BINANCE_API_KEY for the sim role');
  }
  let publicKeyPem: string;
  let type: string | undefined;
  try {
    const pem = readFileSync(privateKeyPath, 'utf8');
    const key = createPrivateKey(privateKeyPassphrase === undefined ? pem : { key: pem, passphrase: privateKeyPassphrase });
    type = key.asymmetricKeyType;
    publicKeyPem = createPublicKey(key).export({ type: 'spki', format: 'pem' }).toString();
  } catch {
    throw new ConfigError('BINANCE_PRIVATE_KEY_PATH', 'cannot be read as a PEM private key (wrong file, or a missing/wrong BINANCE_PRIVATE_KEY_PASSPHRASE)');
  }
  if (type !== 'ed25519' && type !== 'rsa') {
    throw new ConfigError('BINANCE_PRIVATE_KEY_PATH', `holds a ${type ?? 'unknown'} key; Binance accepts Ed25519 or RSA keys`);
  }
  return { apiKey, type, publicKeyPem };
}
