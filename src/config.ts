/**
 * Configuration (DESIGN.md §3): parsed once at start with zod. A bad or missing value stops the
 * process with one line naming the variable. `.env` is read if present; a variable already set
 * in the environment wins over `.env`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { envSchema, type ParsedEnv } from './config-env.js';
import { AppError } from './errors.js';

export const ROLES = ['bot', 'worker', 'all', 'sim', 'console'] as const;
export type Role = (typeof ROLES)[number];
export type TradingMode = 'paper' | 'testnet' | 'live';

const DEFAULT_URLS: Record<Exclude<TradingMode, 'paper'>, { rest: string; wsApi: string; stream: string }> = {
  live: {
    rest: 'https://api.binance.com',
    wsApi: 'wss://ws-api.binance.com:443/ws-api/v3',
    stream: 'wss://stream.binance.com:9443',
  },
  testnet: {
    rest: 'https://testnet.binance.vision',
    wsApi: 'wss://ws-api.testnet.binance.vision/ws-api/v3',
    stream: 'wss://stream.testnet.binance.vision',
  },
};

/**
 * Binance's production domains. Paper and testnet refuse all of them, the read-only public-data
 * hosts (data-api.binance.vision, data-stream.binance.vision) included: no working paper or testnet
 * setup points a BINANCE_* URL there (REST must serve the signed account and order endpoints;
 * streams must price the market the orders fill on, or stops trail a different market), and a
 * REST URL there would still carry the configured API key. The simulator's own live feed reads
 * data-api.binance.vision through its built-in default, never through these variables.
 */
const LIVE_BINANCE_DOMAINS = ['binance.com', 'binance.us', 'binance.vision'];
/** Testnet lives under binance.vision too; it and its subdomains stay allowed. */
const TESTNET_DOMAIN = 'testnet.binance.vision';

const underDomain = (host: string, domain: string) => host === domain || host.endsWith(`.${domain}`);

/** The host of `url` when it is a live Binance host, else undefined. */
export function liveBinanceHost(url: string): string | undefined {
  let host: string;
  try {
    // A trailing dot names the same host (api.binance.com. is api.binance.com).
    host = new URL(url).hostname.toLowerCase().replace(/\.$/, '');
  } catch {
    return undefined;
  }
  if (underDomain(host, TESTNET_DOMAIN)) return undefined;
  return LIVE_BINANCE_DOMAINS.some((domain) => underDomain(host, domain)) ? host : undefined;
}

const BINANCE_URL_VARIABLES = ['BINANCE_BASE_URL', 'BINANCE_WS_API_URL', 'BINANCE_STREAM_URL'] as const;


export interface Config {
  role: Role;
  mode: TradingMode;
  telegram: {
    token: string | undefined;
    allowedUsers: number[];
    apiRoot: string;
    webhookUrl: string | undefined;
    webhookSecret: string | undefined;
    /** TELEGRAM_GROUPS=on: money commands also answer in groups (a desk in a group). */
    groups: boolean;
  };
  binance: {
    apiKey: string | undefined;
    apiSecret: string | undefined;
    privateKeyPath: string | undefined;
    privateKeyPassphrase: string | undefined;
    /** Undefined in paper mode until the in-process simulator has started. */
    baseUrl: string | undefined;
    wsApiUrl: string | undefined;
    streamUrl: string | undefined;
    timeoutMs: number;
    recvWindowMs: number;
  };
  redis: { url: string | undefined; dataDir: string };
  paper: { balances: Record<string, string>; market: string; speed: number; dataDir: string; simPort: number; simHost: string };
  limits: {
    /** VALUATION_ASSET: every value, cap and P&L is expressed in it. */
    valuationAsset: string;
    /** MAX_ORDER_VALUE (or the deprecated MAX_ORDER_QUOTE), in the valuation asset; undefined: no cap. */
    orderCap: OrderCap | undefined;
    /** QUEUED_ORDER_MAX_AGE_S in ms: a confirmed order older than this when a worker takes it is not sent. */
    queuedOrderMaxAgeMs: number;
  };
  stops: { limitOffsetPct: string; minMovePct: string; defaultInterval: ParsedEnv['STOP_DEFAULT_INTERVAL'] };
  /** LEDGER_SYNC_MIN in ms (0: no schedule, only at start and after stream reconnects). */
  ledger: { syncEveryMs: number };
  confirmTtlS: number;
  /** SIGNAL_DEFAULT_SIZE: what a /signal card buys when no SIZE is given (as typed: 100USDT, $100, 0.01). */
  signalDefaultSize: string;
  balanceDustUsdt: string;
  topMinQuoteVolume: string;
  /** EQUITY_SAMPLE_MIN: how often the worker records the account's net value, minutes. */
  equitySampleMin: number;
  /** ALERTS_PER_USER: price alerts (/alert) one user may hold. */
  alertsPerUser: number;
  port: number;
  /** The Mini App: its public HTTPS URL (WEBAPP_URL; unset: /app says so) and how old a sign-in may be. */
  webApp: { url: string | undefined; authMaxAgeS: number };
  /** Listen address of the health/metrics server (and the webhook on it). */
  host: string;
  logLevel: ParsedEnv['LOG_LEVEL'];
  /** Deprecated settings still honoured: logged once at start. */
  warnings: string[];
}

/** The per-order cap (src/trading/orders/order-value.ts): `variable` names the setting it came from. */
export interface OrderCap {
  asset: string;
  max: string;
  variable: 'MAX_ORDER_VALUE' | 'MAX_ORDER_QUOTE';
}

/** Thrown with a one-line message naming the variable. */
export class ConfigError extends AppError {
  override name = 'ConfigError';
  constructor(
    readonly variable: string,
    reason: string,
  ) {
    super('CONFIG_INVALID', `${variable} ${reason}`);
  }
}

/** Reads `.env` (if present) under the process environment; the environment wins. */
export function readEnv(env: NodeJS.ProcessEnv = process.env, dotenvPath = '.env'): Record<string, string | undefined> {
  const fromFile = existsSync(dotenvPath) ? parseEnv(readFileSync(dotenvPath, 'utf8')) : {};
  return { ...fromFile, ...env };
}

export function loadConfig(role: Role, env: Record<string, string | undefined>): Config {
  const result = envSchema.safeParse(env);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const variable = String(issue.path[0] ?? 'environment');
    const value = env[variable];
    const reason = value === undefined || value === '' ? `is missing or invalid: ${issue.message}` : issue.message;
    throw new ConfigError(variable, reason);
  }
  const e = result.data;
  const mode = e.TRADING_MODE;

  // Checked first: a copied live .env under a PAPER badge would place real orders.
  if (mode !== 'live') {
    for (const variable of BINANCE_URL_VARIABLES) {
      const value = e[variable];
      const host = value === undefined ? undefined : liveBinanceHost(value);
      if (host !== undefined) {
        throw new ConfigError(variable, `points at the live Binance host ${host} in ${mode} mode; refusing to start: unset it, or use a testnet or simulator URL`);
      }
    }
  }

  // The worker needs the token too: it sends the alerts and edits the cards.
  if ((role === 'bot' || role === 'all' || role === 'worker') && !e.TELEGRAM_BOT_TOKEN) {
    throw new ConfigError('TELEGRAM_BOT_TOKEN', `is required for the ${role} role (get one from @BotFather)`);
  }
  if (e.TELEGRAM_WEBHOOK_URL && !e.TELEGRAM_WEBHOOK_SECRET && (role === 'bot' || role === 'all')) {
    throw new ConfigError('TELEGRAM_WEBHOOK_SECRET', 'is required when TELEGRAM_WEBHOOK_URL is set');
  }
  if (mode !== 'paper' && role !== 'sim') {
    if (!e.BINANCE_API_KEY) throw new ConfigError('BINANCE_API_KEY', `is required in ${mode} mode`);
    if (!e.BINANCE_API_SECRET && !e.BINANCE_PRIVATE_KEY_PATH) {
      throw new ConfigError('BINANCE_API_SECRET', `or BINANCE_PRIVATE_KEY_PATH is required in ${mode} mode`);
    }
  }
  if (e.BINANCE_API_SECRET && e.BINANCE_PRIVATE_KEY_PATH) {
    throw new ConfigError('BINANCE_PRIVATE_KEY_PATH', 'cannot be set together with BINANCE_API_SECRET: choose one key type');
  }
  if (e.BINANCE_PRIVATE_KEY_PATH && !existsSync(e.BINANCE_PRIVATE_KEY_PATH)) {
    throw new ConfigError('BINANCE_PRIVATE_KEY_PATH', `points to a file that does not exist (${e.BINANCE_PRIVATE_KEY_PATH})`);
  }

  const warnings: string[] = [];
  let orderCap: OrderCap | undefined;
  if (e.MAX_ORDER_VALUE !== undefined) {
    orderCap = { asset: e.VALUATION_ASSET, max: e.MAX_ORDER_VALUE, variable: 'MAX_ORDER_VALUE' };
    if (e.MAX_ORDER_QUOTE !== undefined) warnings.push('MAX_ORDER_QUOTE is deprecated and ignored because MAX_ORDER_VALUE is set; remove it');
  } else if (e.MAX_ORDER_QUOTE !== undefined) {
    // Read as a value in VALUATION_ASSET, never in each pair's quote: that reading let ETHBTC orders through at 1,000 BTC.
    orderCap = { asset: e.VALUATION_ASSET, max: e.MAX_ORDER_QUOTE, variable: 'MAX_ORDER_QUOTE' };
    warnings.push(`MAX_ORDER_QUOTE is deprecated: it is read as MAX_ORDER_VALUE=${e.MAX_ORDER_QUOTE} in ${e.VALUATION_ASSET}; rename it to MAX_ORDER_VALUE`);
  }

  const defaults = mode === 'paper' ? undefined : DEFAULT_URLS[mode];
  return {
    role,
    mode,
    telegram: {
      token: e.TELEGRAM_BOT_TOKEN,
      allowedUsers: e.TELEGRAM_ALLOWED_USERS,
      apiRoot: e.TELEGRAM_API_ROOT,
      webhookUrl: e.TELEGRAM_WEBHOOK_URL,
      webhookSecret: e.TELEGRAM_WEBHOOK_SECRET,
      groups: e.TELEGRAM_GROUPS === 'on',
    },
    binance: {
      apiKey: e.BINANCE_API_KEY,
      apiSecret: e.BINANCE_API_SECRET,
      privateKeyPath: e.BINANCE_PRIVATE_KEY_PATH,
      privateKeyPassphrase: e.BINANCE_PRIVATE_KEY_PASSPHRASE,
      baseUrl: e.BINANCE_BASE_URL ?? defaults?.rest,
      wsApiUrl: e.BINANCE_WS_API_URL ?? defaults?.wsApi,
      streamUrl: e.BINANCE_STREAM_URL ?? defaults?.stream,
      timeoutMs: e.BINANCE_TIMEOUT_MS,
      recvWindowMs: e.BINANCE_RECV_WINDOW_MS,
    },
    redis: { url: e.REDIS_URL, dataDir: e.REDIS_DATA_DIR },
    paper: {
      balances: e.PAPER_BALANCES,
      market: e.PAPER_MARKET,
      speed: e.PAPER_SPEED,
      dataDir: e.PAPER_DATA_DIR,
      simPort: e.SIM_PORT,
      simHost: e.SIM_HOST,
    },
    limits: { valuationAsset: e.VALUATION_ASSET, orderCap, queuedOrderMaxAgeMs: e.QUEUED_ORDER_MAX_AGE_S * 1000 },
    stops: {
      limitOffsetPct: e.STOP_LIMIT_OFFSET_PCT,
      minMovePct: e.STOP_MIN_MOVE_PCT,
      defaultInterval: e.STOP_DEFAULT_INTERVAL,
    },
    ledger: { syncEveryMs: e.LEDGER_SYNC_MIN * 60_000 },
    confirmTtlS: e.CONFIRM_TTL_S,
    signalDefaultSize: e.SIGNAL_DEFAULT_SIZE,
    balanceDustUsdt: e.BALANCE_DUST_USDT,
    topMinQuoteVolume: e.TOP_MIN_QUOTE_VOLUME,
    equitySampleMin: e.EQUITY_SAMPLE_MIN,
    alertsPerUser: e.ALERTS_PER_USER,
    port: e.PORT,
    webApp: { url: e.WEBAPP_URL, authMaxAgeS: e.WEBAPP_AUTH_MAX_AGE_S },
    host: e.HOST,
    logLevel: e.LOG_LEVEL,
    warnings,
  };
}
