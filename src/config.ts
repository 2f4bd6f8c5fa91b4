/**
 * Configuration (DESIGN.md §3): parsed once at start with zod. A bad or missing value stops the
 * process with one line naming the variable. `.env` is read if present; a variable already set
 * in the environment wins over `.env`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { parseEnv } from 'node:util';
import { z } from 'zod';
import { isDecimal } from './decimal.js';
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

const decimalString = (what: string) =>
  z
    .string()
    .trim()
    .refine((v) => isDecimal(v), { message: `must be a plain non-negative decimal number (${what})` });

const optionalString = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();

const url = (protocols: string[]) =>
  z
    .string()
    .trim()
    .refine(
      (v) => {
        try {
          return protocols.includes(new URL(v).protocol);
        } catch {
          return false;
        }
      },
      { message: `must be a ${protocols.join(' or ')} URL` },
    )
    .transform((v) => v.replace(/\/+$/, ''));

const port = z.coerce.number().int().min(0).max(65535);

/** A listen address: an IP (0.0.0.0, ::, 127.0.0.1) or a host name the resolver knows (localhost). */
const listenHost = z
  .string()
  .trim()
  .refine((v) => isIP(v) !== 0 || /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$/.test(v), {
    message: 'must be an IP address or a host name, e.g. 0.0.0.0, 127.0.0.1 or ::',
  });

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

const schema = z.object({
  TELEGRAM_BOT_TOKEN: optionalString.refine((v) => v === undefined || /^\d+:[A-Za-z0-9_-]{20,}$/.test(v), {
    message: 'must look like 123456:ABC-DEF… (the token BotFather gave you)',
  }),
  TELEGRAM_ALLOWED_USERS: z
    .string()
    .trim()
    .default('')
    .refine((v) => v === '' || v.split(',').every((id) => /^\d{1,15}$/.test(id.trim())), {
      message: 'must be comma-separated numeric Telegram user ids, e.g. 123456789,987654321',
    })
    .transform((v) => (v === '' ? [] : v.split(',').map((id) => Number(id.trim())))),
  TELEGRAM_API_ROOT: url(['https:', 'http:']).default('https://api.telegram.org'),
  TELEGRAM_WEBHOOK_URL: optionalString.pipe(url(['https:', 'http:']).optional()),
  TELEGRAM_WEBHOOK_SECRET: optionalString.refine((v) => v === undefined || /^[A-Za-z0-9_-]{1,256}$/.test(v), {
    message: 'must be 1-256 characters of A-Z, a-z, 0-9, _ and -',
  }),
  TRADING_MODE: z.enum(['paper', 'testnet', 'live']).default('paper'),
  BINANCE_API_KEY: optionalString,
  BINANCE_API_SECRET: optionalString,
  BINANCE_PRIVATE_KEY_PATH: optionalString,
  BINANCE_PRIVATE_KEY_PASSPHRASE: optionalString,
  BINANCE_BASE_URL: optionalString.pipe(url(['https:', 'http:']).optional()),
  BINANCE_WS_API_URL: optionalString.pipe(url(['wss:', 'ws:']).optional()),
  BINANCE_STREAM_URL: optionalString.pipe(url(['wss:', 'ws:']).optional()),
  BINANCE_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
  BINANCE_RECV_WINDOW_MS: z.coerce.number().int().min(1).max(60_000).default(5_000),
  REDIS_URL: optionalString.pipe(url(['redis:', 'rediss:']).optional()),
  REDIS_DATA_DIR: z.string().trim().default('./data/redis'),
  PAPER_BALANCES: z
    .string()
    .trim()
    .default('USDT=10000')
    .refine((v) => v.split(',').every((kv) => /^[A-Z0-9]{1,20}=\d+(\.\d+)?$/.test(kv.trim())), {
      message: 'must look like USDT=10000,BTC=0.5',
    })
    .transform((v) =>
      Object.fromEntries(
        v.split(',').map((kv) => {
          const [asset, amount] = kv.trim().split('=') as [string, string];
          return [asset, amount];
        }),
      ),
    ),
  PAPER_MARKET: z
    .string()
    .trim()
    .default('live')
    .refine((v) => v === 'live' || v === 'replay' || /^replay:[A-Z0-9]+=[^,]+(,[A-Z0-9]+=[^,]+)*$/.test(v), {
      message: 'must be live, replay, or replay:BTCUSDT=<file>[,ETHUSDT=<file>…]',
    }),
  PAPER_SPEED: z.coerce.number().positive().max(1_000_000).default(60),
  PAPER_DATA_DIR: z.string().trim().default('./data/paper'),
  SIM_PORT: port.default(8090),
  VALUATION_ASSET: z
    .string()
    .trim()
    .default('USDT')
    .refine((v) => /^[A-Z0-9]{2,20}$/.test(v), { message: 'must be an asset code in capitals, e.g. USDT, USDC or BTC' }),
  MAX_ORDER_VALUE: optionalString.pipe(decimalString('MAX_ORDER_VALUE').optional()),
  MAX_ORDER_QUOTE: optionalString.pipe(decimalString('MAX_ORDER_QUOTE').optional()),
  QUEUED_ORDER_MAX_AGE_S: z.coerce.number().int().min(5).max(7 * 86_400).default(300),
  STOP_LIMIT_OFFSET_PCT: decimalString('percent').default('0.5'),
  STOP_MIN_MOVE_PCT: decimalString('percent').default('0'),
  STOP_DEFAULT_INTERVAL: z.enum(['1m', '3m', '5m', '15m', '30m', '1h', '2h', '4h', '6h', '8h', '12h', '1d', '3d', '1w']).default('4h'),
  CONFIRM_TTL_S: z.coerce.number().int().min(5).max(3600).default(60),
  BALANCE_DUST_USDT: decimalString('USDT value').default('1'),
  TOP_MIN_QUOTE_VOLUME: decimalString('quote volume').default('100000'),
  PORT: port.default(8080),
  // Exposure (issue 13): who sees money in a group, and which interfaces the servers listen on.
  TELEGRAM_GROUPS: z.string().trim().toLowerCase().default('off').pipe(z.enum(['off', 'on'])),
  HOST: listenHost.default('0.0.0.0'),
  SIM_HOST: listenHost.default('127.0.0.1'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

type Parsed = z.infer<typeof schema>;

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
  stops: { limitOffsetPct: string; minMovePct: string; defaultInterval: Parsed['STOP_DEFAULT_INTERVAL'] };
  confirmTtlS: number;
  balanceDustUsdt: string;
  topMinQuoteVolume: string;
  port: number;
  /** Listen address of the health/metrics server (and the webhook on it). */
  host: string;
  logLevel: Parsed['LOG_LEVEL'];
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
  const result = schema.safeParse(env);
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
    confirmTtlS: e.CONFIRM_TTL_S,
    balanceDustUsdt: e.BALANCE_DUST_USDT,
    topMinQuoteVolume: e.TOP_MIN_QUOTE_VOLUME,
    port: e.PORT,
    host: e.HOST,
    logLevel: e.LOG_LEVEL,
    warnings,
  };
}
