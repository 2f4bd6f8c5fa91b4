/**
 * The whole product for bot tests, wired as `node dist/main.js all` wires it: the simulator over
 * real HTTP, the real REST client and exchange-info cache, real Redis under a unique prefix, the
 * trading service, the order and alerts workers (BullMQ), and the real grammY bot talking to the
 * fake Telegram Bot API over HTTP — or, for console tests, to a console session's transformer.
 *
 *   const app = await startApp();
 *   await app.send('/buy BTCUSDT 0.0012345');
 *   await app.press(card.message_id, confirmData);
 *   await app.close();
 */
import { Api } from 'grammy';
import type { UserFromGetMe } from 'grammy/types';
import type { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import type { OrderCap } from '../../src/config.js';
import { createAlertsQueue, type AlertsQueue } from '../../src/alerts/alerts-queue.js';
import { createAlertsApi, createAlertsWorker, type AlertsWorker } from '../../src/alerts/alerts-worker.js';
import { createUserStreamService, type UserStreamService } from '../../src/alerts/user-stream-service.js';
import { createExchangeInfoCache, type ExchangeInfoCache } from '../../src/binance/exchange-info-cache.js';
import { createRestClient, type RestClient } from '../../src/binance/rest-client.js';
import type { BotDeps } from '../../src/bot/bot-deps.js';
import { createRequestBudget, meteredExchange, weightLimitOf, type RequestBudget } from '../../src/bot/request-budget.js';
import { createViewCache } from '../../src/bot/view-cache.js';
import type { ConsoleSession } from '../../src/bot/console-session.js';
import { createBot } from '../../src/bot/create-bot.js';
import { createLogger, type Logger } from '../../src/logger.js';
import { createRedisConnection } from '../../src/redis.js';
import { createEquityStore, type EquityStore } from '../../src/ledger/equity-store.js';
import type { LedgerReader } from '../../src/ledger/ledger-types.js';
import { createReportSchedule, type ReportSchedule } from '../../src/ledger/report-schedule.js';
import { createAuditLog } from '../../src/trading/audit-log.js';
import { createOrderRecords } from '../../src/trading/orders/order-records.js';
import { createOrderWorker, type OrderWorker } from '../../src/trading/orders/order-worker.js';
import { createOrdersQueue } from '../../src/trading/orders/orders-queue.js';
import { createTradingService, type TradingServiceHandle } from '../../src/trading/trading-service.js';
import { callbackUpdate, FAKE_BOT_TOKEN, FAKE_BOT_USER, messageUpdate, startFakeBotApi, type FakeBotApi, type StoredMessage, type UpdateUser } from './fake-bot-api.js';
import { testRedisUrl, uniquePrefix } from './redis.js';
import { startTestSimulator, type TestSimulator, type TestSimulatorOptions } from './simulator.js';
import { createLedgerService, type LedgerService, type LedgerServiceDeps } from '../../src/ledger/ledger-service.js';

/** Two traders of one desk on the allow-list, and someone who is not. */
export const TRADER: UpdateUser = { id: 1001, first_name: 'Alice', username: 'alice' };
export const PARTNER: UpdateUser = { id: 1002, first_name: 'Bob', username: 'bob' };
export const STRANGER: UpdateUser = { id: 6666, first_name: 'Eve', username: 'eve' };
/** A supergroup the desk shares with the bot. */
export const DESK_CHAT_ID = -1001234567890;

export interface AppHarnessOptions {
  /** Default balances USDT=10000, BTC=0.5; prices BTCUSDT=65000, ETHUSDT=3500. */
  sim?: Omit<TestSimulatorOptions, 'feed'>;
  /** Default [TRADER, PARTNER]. */
  allowedUsers?: number[];
  confirmTtlS?: number;
  /** MAX_ORDER_VALUE in VALUATION_ASSET (default USDT). */
  maxOrderValue?: string;
  valuationAsset?: string;
  /** QUEUED_ORDER_MAX_AGE_S in ms (the worker's default when absent). */
  queuedOrderMaxAgeMs?: number;
  balanceDustUsdt?: string;
  /** ALERTS_PER_USER (the bot's default when absent). */
  alertsPerUser?: number;
  /** TELEGRAM_GROUPS=on: account commands also answer in groups. Default off, as in production. */
  telegramGroups?: boolean;
  /** Run the order and alerts workers. Default true. */
  workers?: boolean;
  /** Run the user data stream service (fills after placement become alerts), started and caught up. Default false. */
  userStream?: boolean;
  /**
   * Run the P&L ledger as the worker role does (its queue worker, the schedule off unless given),
   * fed by the user stream when that runs too; the bot reads it.
   */
  ledger?: boolean | Pick<LedgerServiceDeps, 'jobs' | 'sync'>;
  /** Drive Telegram through this console session instead of the fake Bot API. */
  console?: ConsoleSession;
  now?: () => number;
  logger?: Logger;
  /** Net value history and reports for /equity, /daily, /weekly, /monthly, /report (as components.ts botDepsOf wires them). */
  portfolio?: { ledger?: LedgerReader; sampleMinutes?: number; valuationAsset?: string };
}

export interface AppHarness {
  sim: TestSimulator;
  /** Undefined when a console session stands in for Telegram. */
  telegram: FakeBotApi | undefined;
  bot: ReturnType<typeof createBot>;
  deps: BotDeps;
  exchange: RestClient;
  exchangeInfo: ExchangeInfoCache;
  /** The traders' shares of the request weight, as production wires them (src/app/exchange-connection.ts). */
  budget: RequestBudget;
  trading: TradingServiceHandle;
  alertsQueue: AlertsQueue;
  /** Present with `userStream: true`. */
  userStream: UserStreamService | undefined;
  /** Present with `ledger`. */
  ledger: LedgerService | undefined;
  redis: Redis;
  prefix: string;
  /** Present with `portfolio`. */
  equity: EquityStore | undefined;
  reports: ReportSchedule | undefined;
  /** Feeds one update through the bot, as the runner would. */
  deliver(update: Record<string, unknown>): Promise<void>;
  /** A text message from TRADER (by default) in their private chat; returns the update. */
  send(text: string, options?: { from?: UpdateUser; chatId?: number; chatType?: 'private' | 'group' | 'supergroup' }): Promise<Record<string, unknown>>;
  /** A button press on one of the bot's messages; returns the update (deliver it again to replay). */
  press(messageId: number, data: string, options?: { from?: UpdateUser; chatId?: number }): Promise<Record<string, unknown>>;
  /** The fake Bot API's messages of a chat (TRADER's private chat by default). */
  messages(chatId?: number): StoredMessage[];
  lastMessage(chatId?: number): StoredMessage;
  /** Waits until a message's text matches (the card moving queued → placed → filled). */
  waitForText(messageId: number, pattern: RegExp, chatId?: number): Promise<StoredMessage>;
  /** POST /api/v3/order requests the simulator received. */
  orderPosts(): Array<{ status: number }>;
  close(): Promise<void>;
}

export async function eventually<T>(probe: () => Promise<T | undefined> | T | undefined, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last instanceof Error ? ` (${last.message})` : ''}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export async function startApp(options: AppHarnessOptions = {}): Promise<AppHarness> {
  const logger = options.logger ?? createLogger({ level: 'silent' });
  const sim = await startTestSimulator({
    balances: { USDT: '10000', BTC: '0.5' },
    prices: { BTCUSDT: '65000', ETHUSDT: '3500' },
    ...options.sim,
  });
  const telegram = options.console ? undefined : await startFakeBotApi();
  const weightLimit = options.sim?.options?.weightPerMinute ?? 6_000;
  const exchange = createRestClient({
    baseUrl: sim.restUrl,
    apiKey: sim.apiKey,
    signer: sim.signer,
    logger,
    registry: new Registry(),
    timeoutMs: 2_000,
    recvWindowMs: 1_000,
    clockRefreshMs: 0,
    weightLimitPerMinute: weightLimit,
  });
  const exchangeInfo = createExchangeInfoCache({ load: () => exchange.exchangeInfo(), logger });
  const allowedUsers = options.allowedUsers ?? [TRADER.id, PARTNER.id];
  const budget = createRequestBudget({ weightLimit: () => weightLimitOf(exchangeInfo.rateLimits(), weightLimit), traders: allowedUsers.length, ...(options.now ? { now: options.now } : {}) });
  const views = meteredExchange(exchange.withPriority('view'), budget);
  const redis = createRedisConnection(testRedisUrl(), 'producer');
  const workerConnection = createRedisConnection(testRedisUrl(), 'worker');
  const prefix = uniquePrefix('app');
  const confirmTtlS = options.confirmTtlS ?? 60;
  const orderCap: OrderCap | undefined =
    options.maxOrderValue !== undefined ? { asset: options.valuationAsset ?? 'USDT', max: options.maxOrderValue, variable: 'MAX_ORDER_VALUE' } : undefined;

  const ordersQueue = createOrdersQueue({ connection: redis, prefix, attempts: 4, backoffMs: 100 });
  const alertsQueue = createAlertsQueue({ connection: redis, prefix, backoffMs: 100 });
  const records = createOrderRecords({ redis, prefix });
  const audit = createAuditLog({ redis, prefix, logger });
  const trading = createTradingService({
    redis,
    prefix,
    mode: 'paper',
    exchange,
    cardReads: views,
    symbols: exchangeInfo,
    logger,
    confirmTtlS,
    ...(orderCap ? { orderCap } : {}),
    alertsQueue,
    records,
    audit,
    ordersQueue,
    ...(options.now ? { now: options.now } : {}),
  });

  let orderWorker: OrderWorker | undefined;
  let alertsWorker: AlertsWorker | undefined;
  if (options.workers !== false) {
    orderWorker = createOrderWorker({
      connection: workerConnection,
      redis,
      prefix,
      exchange,
      symbols: exchangeInfo,
      alerts: alertsQueue,
      intents: trading.intents,
      records,
      audit,
      logger,
      mode: 'paper',
      ...(orderCap ? { orderCap } : {}),
      ...(options.queuedOrderMaxAgeMs !== undefined ? { queuedOrderMaxAgeMs: options.queuedOrderMaxAgeMs } : {}),
      reconcile: { recvWindowMs: 1_000, inFlightBoundMs: 4_000, engineMarginMs: 300, firstDelayMs: 50, maxDelayMs: 200 },
      lockDurationMs: 2_000,
      stalledIntervalMs: 500,
    });
    let alertsApi: Api;
    if (options.console) {
      alertsApi = new Api(FAKE_BOT_TOKEN);
      alertsApi.config.use(options.console.transformer);
    } else {
      alertsApi = createAlertsApi({ token: telegram!.token, apiRoot: telegram!.apiRoot });
    }
    alertsWorker = createAlertsWorker({ connection: workerConnection, redis, api: alertsApi, logger, prefix, lockDurationMs: 2_000, stalledIntervalMs: 500 });
  }

  const equity = options.portfolio ? createEquityStore({ redis, prefix }) : undefined;
  const reports = options.portfolio ? createReportSchedule({ redis, prefix, logger, ...(options.now ? { now: options.now } : {}) }) : undefined;
  let ledger: LedgerService | undefined;
  if (options.ledger) {
    const tuning = options.ledger === true ? {} : options.ledger;
    ledger = createLedgerService({
      redis,
      prefix,
      exchange: exchange.withPriority('view'),
      symbols: exchangeInfo,
      valuationAsset: options.valuationAsset ?? 'USDT',
      logger,
      worker: { connection: workerConnection },
      extraSymbols: async () => (await records.recent(200)).map((r) => r.symbol),
      ...tuning,
      jobs: { syncEveryMs: 0, backoffMs: 200, lockDurationMs: 2_000, stalledIntervalMs: 500, ...tuning.jobs },
    });
    await ledger.start();
  }

  const deps: BotDeps = {
    token: telegram?.token ?? FAKE_BOT_TOKEN,
    ...(telegram ? { apiRoot: telegram.apiRoot } : {}),
    botInfo: (options.console?.botInfo ?? FAKE_BOT_USER) as UserFromGetMe,
    allowedUsers,
    mode: 'paper',
    trading,
    alerts: alertsQueue,
    exchange: views,
    requestBudget: budget,
    viewCache: createViewCache({ exchange: views, forgetOn: (listener) => exchange.events.on('write', listener), ...(options.now ? { now: options.now } : {}) }),
    exchangeInfo,
    redis,
    keyPrefix: prefix,
    logger,
    settings: {
      balanceDustUsdt: options.balanceDustUsdt ?? '1',
      confirmTtlS,
      ...(orderCap ? { orderCap } : {}),
      ...(options.telegramGroups !== undefined ? { telegramGroups: options.telegramGroups } : {}),
      ...(options.valuationAsset ? { valuationAsset: options.valuationAsset } : {}),
      ...(options.alertsPerUser !== undefined ? { alertsPerUser: options.alertsPerUser } : {}),
    },
    ...(ledger ? { ledger: ledger.reader, ledgerJobs: ledger.jobs } : {}),
    ...(options.now ? { now: options.now } : {}),
    ...(options.portfolio && equity && reports
      ? {
          portfolio: {
            valuationAsset: options.portfolio.valuationAsset ?? 'USDT',
            sampleMinutes: options.portfolio.sampleMinutes ?? 15,
            equity,
            ...(options.portfolio.ledger ? { ledger: options.portfolio.ledger } : {}),
            reports,
          },
        }
      : {}),
  };
  const bot = createBot(deps);
  options.console?.attach(bot);

  let userStream: UserStreamService | undefined;
  if (options.userStream) {
    userStream = createUserStreamService({
      redis,
      prefix,
      wsApiUrl: sim.wsApiUrl,
      apiKey: sim.apiKey,
      signer: sim.signer,
      exchange,
      records,
      intents: trading.intents,
      alerts: alertsQueue,
      allowedUsers: deps.allowedUsers,
      symbols: exchangeInfo,
      logger,
      lease: { ttlMs: 1_500, pollMs: 100 },
      heartbeatMs: 200,
      ...(ledger ? { onExecutionReport: ledger.onExecutionReport, onConnected: ledger.onStreamConnected } : {}),
    });
    userStream.start();
    const started = userStream;
    await eventually(() => (started.status().caughtUp ? true : undefined), 'the user stream to catch up');
  }

  const chatOf = (chatId?: number) => chatId ?? TRADER.id;
  const messages = (chatId?: number) => telegram?.messages(chatOf(chatId)) ?? [];

  return {
    sim,
    telegram,
    bot,
    deps,
    exchange,
    exchangeInfo,
    budget,
    trading,
    alertsQueue,
    userStream,
    ledger,
    redis,
    prefix,
    equity,
    reports,
    deliver: (update) => bot.handleUpdate(update as never),
    async send(text, o = {}) {
      const update = messageUpdate({ from: o.from ?? TRADER, text, ...(o.chatId !== undefined ? { chatId: o.chatId } : {}), ...(o.chatType ? { chatType: o.chatType } : {}) });
      await bot.handleUpdate(update as never);
      return update;
    },
    async press(messageId, data, o = {}) {
      // Like Telegram, the press carries the message as it is now: its text and its keyboard.
      const shown = telegram?.message(chatOf(o.chatId), messageId);
      const update = callbackUpdate({
        from: o.from ?? TRADER,
        messageId,
        data,
        ...(o.chatId !== undefined ? { chatId: o.chatId } : {}),
        ...(shown?.text !== undefined ? { messageText: shown.text } : {}),
        ...(shown?.photo ? { photoCaption: shown.caption ?? '' } : {}),
        ...(shown?.reply_markup ? { replyMarkup: shown.reply_markup } : {}),
      });
      await bot.handleUpdate(update as never);
      return update;
    },
    messages,
    lastMessage(chatId) {
      const all = messages(chatId);
      const last = all[all.length - 1];
      if (!last) throw new Error(`no message in chat ${chatOf(chatId)}`);
      return last;
    },
    waitForText(messageId, pattern, chatId) {
      return eventually(() => {
        const m = telegram?.message(chatOf(chatId), messageId);
        return m && pattern.test(m.text ?? '') ? m : undefined;
      }, `message ${messageId} to match ${pattern}`);
    },
    orderPosts: () => sim.control.requests().filter((r) => r.method === 'POST' && r.path === '/api/v3/order'),
    async close() {
      options.console?.close();
      await userStream?.close().catch(() => undefined);
      await ledger?.close().catch(() => undefined);
      await orderWorker?.close().catch(() => undefined);
      await alertsWorker?.close().catch(() => undefined);
      await trading.close();
      await ordersQueue.close();
      await alertsQueue.close();
      await reports?.close();
      exchangeInfo.close();
      await exchange.close();
      await sim.close();
      await telegram?.close();
      redis.disconnect();
      workerConnection.disconnect();
    },
  };
}
