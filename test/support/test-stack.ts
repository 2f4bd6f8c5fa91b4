/**
 * Production's wiring for in-process tests: the configuration parsed by loadConfig from the
 * variables an operator would set, the exchange connection (exchangeConnectionOf), the trading
 * stack (createTradingStack) and the components (src/app/components.ts build*), exactly as
 * `node dist/main.js all` builds them. A harness only adds overrides for what a test must
 * control (short locks, short backoffs, a recording signer, a clock), so a test of a harness
 * proves the product's object graph, not a copy of it.
 */
import { Registry } from 'prom-client';
import type { Signer } from '../../src/binance/signing.js';
import type { RestClientDeps } from '../../src/binance/rest-client.js';
import type { ComponentContext } from '../../src/app/components.js';
import { exchangeConnectionOf, type ExchangeEndpoints } from '../../src/app/exchange-connection.js';
import { createTradingStack, type TradingStack } from '../../src/app/trading-stack.js';
import { loadConfig, type Config } from '../../src/config.js';
import type { Logger } from '../../src/logger.js';
import type { OrderWorkerOptions } from '../../src/trading/orders/order-worker.js';
import { FAKE_BOT_TOKEN } from './fake-bot-api.js';
import { testRedisUrl } from './redis.js';

/** Where the exchange is: a test simulator, or any stub serving the same endpoints. */
export interface TestEndpoints {
  restUrl: string;
  wsApiUrl?: string | undefined;
  streamUrl?: string | undefined;
  apiKey: string;
  signer: Signer;
}

/** A simulator's endpoints (its signer replaced when a test records signatures). */
export function endpointsOf(sim: TestEndpoints): ExchangeEndpoints {
  return { restUrl: sim.restUrl, wsApiUrl: sim.wsApiUrl, streamUrl: sim.streamUrl, apiKey: sim.apiKey, signer: sim.signer };
}

export interface TestStackOptions {
  exchange: TestEndpoints;
  logger: Logger;
  prefix: string;
  /** TELEGRAM_ALLOWED_USERS. Default none. */
  allowedUsers?: readonly number[];
  /** The fake Bot API the alerts and the bot talk to. */
  telegram?: { token: string; apiRoot: string } | undefined;
  /** Default the run's private server. */
  redisUrl?: string;
  /** Product settings as their variables (MAX_ORDER_VALUE, TELEGRAM_GROUPS, BINANCE_TIMEOUT_MS, …). */
  env?: Record<string, string | undefined>;
  /** Settings a test needs below the variables' bounds (a 1 s CONFIRM_TTL_S), set after parsing. */
  configure?(config: Config): void;
  /** REST client knobs no variable sets (clock refresh, read retries, the weight limit). */
  rest?: Partial<RestClientDeps>;
  queues?: Parameters<typeof createTradingStack>[0]['queues'];
  now?: () => number;
}

export interface TestStack extends ComponentContext {
  close(): Promise<void>;
}

/** Parses the product's configuration for a test from the variables an operator would set. */
export function testConfig(options: Pick<TestStackOptions, 'exchange' | 'allowedUsers' | 'telegram' | 'redisUrl' | 'env'>): Config {
  return loadConfig('all', {
    TRADING_MODE: 'paper',
    TELEGRAM_BOT_TOKEN: options.telegram?.token ?? FAKE_BOT_TOKEN,
    TELEGRAM_API_ROOT: options.telegram?.apiRoot,
    TELEGRAM_ALLOWED_USERS: (options.allowedUsers ?? []).join(','),
    BINANCE_BASE_URL: options.exchange.restUrl,
    BINANCE_WS_API_URL: options.exchange.wsApiUrl,
    BINANCE_STREAM_URL: options.exchange.streamUrl,
    BINANCE_API_KEY: options.exchange.apiKey,
    BINANCE_TIMEOUT_MS: '2000',
    BINANCE_RECV_WINDOW_MS: '1000',
    REDIS_URL: options.redisUrl ?? testRedisUrl(),
    ...options.env,
  });
}

export function startTestStack(options: TestStackOptions): TestStack {
  const config = testConfig(options);
  options.configure?.(config);
  const registry = new Registry();
  const { logger } = options;
  const exchange = exchangeConnectionOf({
    config,
    logger,
    registry,
    endpoints: endpointsOf(options.exchange),
    rest: { clockRefreshMs: 0, ...options.rest },
    now: options.now,
  });
  const stack: TradingStack = createTradingStack({
    config,
    redisUrl: config.redis.url!,
    exchange,
    logger,
    registry,
    prefix: options.prefix,
    queues: options.queues,
    now: options.now,
  });
  return {
    config,
    exchange,
    stack,
    logger,
    registry,
    async close() {
      await stack.close();
      await exchange.close();
    },
  };
}

/**
 * Worker timings for tests: locks short enough that a stalled job moves within a second, and
 * look-up backoffs short enough that an unknown outcome settles within a test's patience.
 */
export function testWorkerTimings(config: Config, lock: { lockDurationMs: number; stalledIntervalMs: number } = { lockDurationMs: 2_000, stalledIntervalMs: 500 }) {
  return {
    ...lock,
    reconcile: {
      recvWindowMs: config.binance.recvWindowMs,
      inFlightBoundMs: 2 * config.binance.timeoutMs,
      engineMarginMs: 300,
      firstDelayMs: 50,
      maxDelayMs: 200,
    },
  } satisfies Partial<OrderWorkerOptions>;
}
