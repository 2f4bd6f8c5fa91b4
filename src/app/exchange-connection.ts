/**
 * Which exchange a process talks to, and with which credentials:
 * - testnet/live: the configured URLs and key.
 * - paper with BINANCE_BASE_URL set: a standalone `sim` process (bot and worker run apart and
 *   must share one paper exchange); the key is the configured one, else the paper key pair in
 *   PAPER_DATA_DIR, which the sim role accepts by default.
 * - paper without BINANCE_BASE_URL: the simulator started inside this process (roles all and
 *   console only: two processes with a private exchange each would disagree about every order).
 */
import type { Registry } from 'prom-client';
import type { Config, Role } from '../config.js';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import { createRestClient, type RestClient, type RestClientDeps } from '../binance/rest-client.js';
import { createSigner, loadSignerFromConfig, type Signer } from '../binance/signing.js';
import { createExchangeInfoCache, type ExchangeInfoCache } from '../binance/exchange-info-cache.js';
import type { ExchangeClient } from '../binance/exchange-client.js';
import { createRequestBudget, meteredExchange, weightLimitOf, type RequestBudget } from '../bot/request-budget.js';
import { createViewCache, type ViewReads } from '../bot/view-cache.js';
import { loadOrCreatePaperCredentials, startPaperExchange, type PaperExchange } from '../sim/paper-exchange.js';

export interface ExchangeConnection extends ExchangeEndpoints {
  client: RestClient;
  exchangeInfo: ExchangeInfoCache;
  /** What chat commands read through: view priority, paid from the asking trader's share (request-budget.ts). */
  views: ExchangeClient;
  budget: RequestBudget;
  /** Account and open orders as /balance and /orders show them, reused for 2 s. */
  viewCache: ViewReads;
  close(): Promise<void>;
}

export async function connectExchange(role: Role, config: Config, logger: Logger, registry: Registry): Promise<ExchangeConnection> {
  let restUrl = config.binance.baseUrl;
  let wsApiUrl = config.binance.wsApiUrl;
  let streamUrl = config.binance.streamUrl;
  let apiKey = config.binance.apiKey;
  let signer = loadSignerFromConfig(config.binance);
  let paper: PaperExchange | undefined;

  if (config.mode === 'paper' && restUrl === undefined) {
    if (role !== 'all' && role !== 'console') {
      throw new AppError(
        'CONFIG_INVALID',
        `BINANCE_BASE_URL is required for the ${role} role in paper mode: run \`node dist/main.js sim\` and point BINANCE_BASE_URL (and BINANCE_WS_API_URL) at it, so bot and worker share one paper exchange`,
      );
    }
    paper = await startPaperExchange({ paper: config.paper, logger: logger.child({ module: 'paper-exchange' }) });
    ({ restUrl, wsApiUrl, streamUrl, apiKey } = paper);
    signer = createSigner({ privateKeyPem: paper.privateKeyPem });
  } else if (config.mode === 'paper' && apiKey === undefined) {
    const credentials = loadOrCreatePaperCredentials(config.paper.dataDir);
    apiKey = credentials.apiKey;
    signer = createSigner({ privateKeyPem: credentials.privateKeyPem });
  }
  if (restUrl === undefined || apiKey === undefined || signer === undefined) {
    throw new AppError('CONFIG_INVALID', 'BINANCE_BASE_URL, BINANCE_API_KEY and a secret or key file are required');
  }

  return exchangeConnectionOf({ config, logger, registry, endpoints: { restUrl, wsApiUrl, streamUrl, apiKey, signer, paper } });
}

/** Where the exchange is and who we are on it, once connectExchange has resolved them. */
export interface ExchangeEndpoints {
  restUrl: string;
  wsApiUrl: string | undefined;
  streamUrl: string | undefined;
  apiKey: string;
  signer: Signer;
  /** Set when the paper exchange runs inside this process. */
  paper?: PaperExchange | undefined;
}

/**
 * The REST client and everything chat views read through, built over resolved endpoints. Tests
 * and benchmarks build theirs here too (with `rest` overrides for the client's knobs), so the
 * views, the traders' budget and the view cache are the production ones.
 */
export function exchangeConnectionOf(deps: {
  config: Config;
  logger: Logger;
  registry: Registry;
  endpoints: ExchangeEndpoints;
  rest?: Partial<RestClientDeps>;
  now?: () => number;
}): ExchangeConnection {
  const { config, logger, registry } = deps;
  const { restUrl, wsApiUrl, streamUrl, apiKey, signer, paper } = deps.endpoints;
  const client = createRestClient({
    baseUrl: restUrl,
    apiKey,
    signer,
    timeoutMs: config.binance.timeoutMs,
    recvWindowMs: config.binance.recvWindowMs,
    logger: logger.child({ module: 'rest-client' }),
    registry,
    ...deps.rest,
  });
  const exchangeInfo = createExchangeInfoCache({ load: () => client.exchangeInfo(), logger });
  const fallbackWeight = deps.rest?.weightLimitPerMinute ?? 6_000;
  const budget = createRequestBudget({ weightLimit: () => weightLimitOf(exchangeInfo.rateLimits(), fallbackWeight), traders: config.telegram.allowedUsers.length, now: deps.now });
  const views = meteredExchange(client.withPriority('view'), budget);
  const viewCache = createViewCache({ exchange: views, forgetOn: (listener) => client.events.on('write', listener), now: deps.now });
  if (config.mode === 'live') logger.warn({ restUrl }, 'LIVE TRADING: orders confirmed in Telegram are placed on Binance with real money');
  else logger.info({ mode: config.mode, restUrl }, 'exchange connection ready');

  return {
    client,
    exchangeInfo,
    views,
    budget,
    viewCache,
    restUrl,
    wsApiUrl,
    streamUrl,
    apiKey,
    signer,
    paper,
    async close() {
      exchangeInfo.close();
      await client.close();
      await paper?.close();
    },
  };
}
