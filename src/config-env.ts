/**
 * What the environment may say (DESIGN.md §3): one zod schema, each variable with the rule a bad
 * value breaks. config.ts turns the parsed values into `Config` and checks what spans variables.
 */
import { isIP } from 'node:net';
import { z } from 'zod';
import { isDecimal } from './decimal.js';

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

export const envSchema = z.object({
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
  // P&L ledger: how often the worker checks myTrades for fills the stream missed; 0 = only at start and after reconnects.
  LEDGER_SYNC_MIN: z.coerce.number().int().min(0).max(24 * 60).default(60),
  QUEUED_ORDER_MAX_AGE_S: z.coerce.number().int().min(5).max(7 * 86_400).default(300),
  STOP_LIMIT_OFFSET_PCT: decimalString('percent').default('0.5'),
  STOP_MIN_MOVE_PCT: decimalString('percent').default('0'),
  STOP_DEFAULT_INTERVAL: z.enum(['1m', '3m', '5m', '15m', '30m', '1h', '2h', '4h', '6h', '8h', '12h', '1d', '3d', '1w']).default('4h'),
  CONFIRM_TTL_S: z.coerce.number().int().min(5).max(3600).default(60),
  // Strategies: what a /signal card buys when no SIZE is given: a quote amount or a base quantity.
  SIGNAL_DEFAULT_SIZE: z
    .string()
    .trim()
    .default('100USDT')
    .refine((v) => /^(\$?\d+(\.\d+)?|\d+(\.\d+)?[A-Z][A-Z0-9]{1,19})$/.test(v), { message: 'must be an amount like 100USDT, $100 or 0.01' }),
  BALANCE_DUST_USDT: decimalString('USDT value').default('1'),
  TOP_MIN_QUOTE_VOLUME: decimalString('quote volume').default('100000'),
  // Net value history (DESIGN.md §10): one sample per slot of this many minutes, aligned to the epoch.
  EQUITY_SAMPLE_MIN: z.coerce.number().int().min(1).max(1440).default(15),
  ALERTS_PER_USER: z.coerce.number().int().min(1).max(1000).default(50),
  PORT: port.default(8080),
  // Exposure: who sees money in a group, and which interfaces the servers listen on.
  TELEGRAM_GROUPS: z.string().trim().toLowerCase().default('off').pipe(z.enum(['off', 'on'])),
  HOST: listenHost.default('0.0.0.0'),
  SIM_HOST: listenHost.default('127.0.0.1'),
  // The Mini App (DESIGN.md §12): Telegram opens only HTTPS pages.
  WEBAPP_URL: optionalString.pipe(url(['https:']).optional()),
  WEBAPP_AUTH_MAX_AGE_S: z.coerce.number().int().min(60).max(7 * 86_400).default(3600),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type ParsedEnv = z.infer<typeof envSchema>;
