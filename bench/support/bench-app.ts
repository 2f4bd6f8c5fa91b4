/**
 * The product wired in this process exactly as `node dist/main.js all` wires it (src/app/roles.ts):
 * configuration parsed by loadConfig, the exchange connection and trading stack of the
 * production code, the order and alerts workers and the account's user data stream built by the
 * same functions roles.ts calls (src/app/components.ts), and the real grammY bot with botDepsOf — against an external paper exchange (sim-child.ts), a throwaway redis-server and
 * the fake Telegram Bot API. Logs go at `info` (the production default) to /dev/null, so their
 * cost is paid as in production.
 *
 * What differs from roles.ts, and why: updates are handed to `bot.handleUpdate` (the runner is
 * the Telegram transport; the memory scenario drives the real process through getUpdates), and
 * the order worker's concurrency can be set per scenario; no stop manager runs.
 */
import pino from 'pino';
import { Registry } from 'prom-client';
import type { Bot, Context } from 'grammy';
import type { UserFromGetMe } from 'grammy/types';
import { createAlertsApi, type AlertsWorker } from '../../src/alerts/alerts-worker.js';
import { botDepsOf, buildAlertsWorker, buildOrderWorker, buildUserStreamService, type ComponentContext } from '../../src/app/components.js';
import { connectExchange, type ExchangeConnection } from '../../src/app/exchange-connection.js';
import { createTradingStack, type TradingStack } from '../../src/app/trading-stack.js';
import { createBot } from '../../src/bot/create-bot.js';
import { loadConfig, type Config } from '../../src/config.js';
import { createLogger, type Logger } from '../../src/logger.js';
import { startRedisServer, type RedisServerHandle } from '../../src/redis-server.js';
import type { OrderWorker, OrderWorkerOptions } from '../../src/trading/orders/order-worker.js';
import { callbackUpdate, FAKE_BOT_USER, messageUpdate, type UpdateUser } from '../../test/support/fake-bot-api.js';
import type { SimChild } from './sim-child.js';
import { startTelegramChild, type TelegramChild } from './telegram-child.js';

export interface BenchAppOptions {
  sim: SimChild;
  /** Telegram users on the allow-list. */
  users: UpdateUser[];
  /** Order worker slots. Default: the production default (order-worker.ts). */
  workerConcurrency?: number;
  /** BullMQ limiter of the order worker. Default: the production default. */
  workerLimiter?: OrderWorkerOptions['limiter'];
  /** Start the alerts worker (card edits). Default true. */
  alerts?: boolean;
  /** Start the order worker. Default true. */
  orderWorker?: boolean;
  /** More configuration (environment variable names), e.g. a shorter CONFIRM_TTL_S. */
  env?: Record<string, string>;
}

export interface BenchCard {
  messageId: number;
  text: string;
  replyMarkup: unknown;
  confirmData: string;
  intentId: string;
}

export interface BenchApp {
  config: Config;
  redis: RedisServerHandle;
  telegram: TelegramChild;
  exchange: ExchangeConnection;
  stack: TradingStack;
  bot: Bot<Context>;
  orderWorker: OrderWorker | undefined;
  /** Another order worker on the same queue (production wiring, options overridden). */
  startOrderWorker(overrides?: Partial<OrderWorkerOptions>): OrderWorker;
  logger: Logger;
  /** Sends `/buy …` from a user through the bot; returns the card as Telegram shows it. */
  card(user: UpdateUser, text: string): Promise<BenchCard>;
  /** The Confirm press on a card, as Telegram delivers it (with the message as shown). */
  confirmUpdate(user: UpdateUser, card: BenchCard): Record<string, unknown>;
  /** Resolves when the card shows the fill. */
  filled(user: UpdateUser, card: BenchCard): Promise<void>;
  /** CPU time the redis-server has used so far (INFO cpu), ms. */
  redisCpuMs(): Promise<number>;
  close(): Promise<void>;
}

/** A bench user: ids far from real ones, one private chat each. */
export function benchUsers(count: number): UpdateUser[] {
  return Array.from({ length: count }, (_, i) => ({ id: 7_000_001 + i, first_name: `Trader${i + 1}`, username: `trader${i + 1}` }));
}

export async function startBenchApp(options: BenchAppOptions): Promise<BenchApp> {
  const redis = await startRedisServer();
  const telegram = await startTelegramChild();
  const config = loadConfig('all', {
    TELEGRAM_BOT_TOKEN: telegram.token,
    TELEGRAM_API_ROOT: telegram.apiRoot,
    TELEGRAM_ALLOWED_USERS: options.users.map((u) => u.id).join(','),
    TRADING_MODE: 'paper',
    BINANCE_BASE_URL: options.sim.restUrl,
    BINANCE_WS_API_URL: `${options.sim.restUrl.replace(/^http/, 'ws')}/ws-api/v3`,
    BINANCE_API_KEY: options.sim.apiKey,
    BINANCE_API_SECRET: options.sim.apiSecret,
    REDIS_URL: redis.url,
    LOG_LEVEL: 'info',
    ...options.env,
  });
  const logger = createLogger({ level: config.logLevel, destination: pino.destination({ dest: '/dev/null', sync: true }) });
  const registry = new Registry();
  const exchange = await connectExchange('all', config, logger, registry);
  const stack = createTradingStack({ config, redisUrl: redis.url, exchange, logger, registry });

  const components: ComponentContext = { config, exchange, stack, logger, registry };

  const workers: OrderWorker[] = [];
  // As roles.ts startWorkers.
  const startOrderWorker = (overrides: Partial<OrderWorkerOptions> = {}): OrderWorker => {
    const worker = buildOrderWorker(components, {
      // A second worker's metrics would clash with the first one's names in one registry.
      registry: workers.length === 0 ? registry : new Registry(),
      ...(options.workerConcurrency !== undefined ? { concurrency: options.workerConcurrency } : {}),
      ...(options.workerLimiter !== undefined ? { limiter: options.workerLimiter } : {}),
      ...overrides,
    });
    workers.push(worker);
    return worker;
  };
  const orderWorker = options.orderWorker !== false ? startOrderWorker() : undefined;
  let alertsWorker: AlertsWorker | undefined;
  if (options.alerts !== false) {
    alertsWorker = buildAlertsWorker(components, createAlertsApi({ token: config.telegram.token!, apiRoot: config.telegram.apiRoot }));
  }
  // The account's user data stream keeps the balances pricing reads (trading/account-cache.ts).
  const userStream = buildUserStreamService(components, config.telegram.allowedUsers);
  userStream?.start();
  if (userStream) await waitUntilAccountCached(stack);

  // As roles.ts startTelegramBot, with the bot's identity given (no getMe round trip).
  const bot = createBot({
    ...botDepsOf(components),
    token: config.telegram.token!,
    apiRoot: config.telegram.apiRoot,
    botInfo: FAKE_BOT_USER as UserFromGetMe,
    allowedUsers: config.telegram.allowedUsers,
  });
  await bot.init();

  return {
    config,
    redis,
    telegram,
    exchange,
    stack,
    bot,
    orderWorker,
    startOrderWorker,
    logger,
    async card(user, text) {
      const sent = telegram.nextCard(user.id);
      await bot.handleUpdate(messageUpdate({ from: user, text }) as never);
      const card = await sent;
      const keyboard = card.replyMarkup as { inline_keyboard?: Array<Array<{ callback_data?: string }>> } | undefined;
      const confirmData = keyboard?.inline_keyboard?.[0]?.[0]?.callback_data;
      if (!confirmData?.startsWith('oc:')) throw new Error(`no confirmation card for "${text}": ${card.text}`);
      return { messageId: card.messageId, text: card.text, replyMarkup: card.replyMarkup, confirmData, intentId: confirmData.slice(3) };
    },
    confirmUpdate(user, card) {
      return callbackUpdate({ from: user, messageId: card.messageId, data: card.confirmData, messageText: card.text, replyMarkup: card.replyMarkup });
    },
    filled: (user, card) => telegram.filled(user.id, card.messageId),
    async redisCpuMs() {
      const info = await stack.producer.info('cpu');
      const seconds = (field: string) => Number(new RegExp(`${field}:([0-9.]+)`).exec(info)?.[1] ?? 0);
      return (seconds('used_cpu_sys') + seconds('used_cpu_user')) * 1000;
    },
    async close() {
      for (const worker of workers) await worker.close().catch(() => undefined);
      await alertsWorker?.close().catch(() => undefined);
      await userStream?.close().catch(() => undefined);
      await stack.close();
      await exchange.close();
      await telegram.close();
      await redis.stop();
    },
  };
}

/** The stream's first snapshot is in: from here a card's pricing reads no account over REST. */
async function waitUntilAccountCached(stack: TradingStack): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!(await stack.accountCache.read())) {
    if (Date.now() > deadline) throw new Error('the user data stream never cached the account');
    await new Promise((r) => setTimeout(r, 50));
  }
}
