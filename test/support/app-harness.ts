/**
 * The whole product for bot tests, wired as `node dist/main.js all` wires it (test-stack.ts: the
 * production trading stack, the components' build functions and botDepsOf): the simulator over
 * real HTTP, real Redis under a unique prefix, the order and alerts workers (BullMQ), and the
 * real grammY bot talking to the fake Telegram Bot API over HTTP — or, for console tests, to a
 * console session's transformer.
 *
 *   const app = await startApp();
 *   await app.send('/buy BTCUSDT 0.0012345');
 *   await app.press(card.message_id, confirmData);
 *   await app.close();
 */
import { Api } from 'grammy';
import type { UserFromGetMe } from 'grammy/types';
import type { Redis } from 'ioredis';
import { botDepsOf, buildAlertsWorker, buildOrderWorker, buildUserStreamService } from '../../src/app/components.js';
import { buildLedger } from '../../src/app/ledger-components.js';
import type { AlertsQueue } from '../../src/alerts/alerts-queue.js';
import { createAlertsApi, type AlertsWorker } from '../../src/alerts/alerts-worker.js';
import type { UserStreamService } from '../../src/alerts/user-stream-service.js';
import type { ExchangeInfoCache } from '../../src/binance/exchange-info-cache.js';
import type { RestClient } from '../../src/binance/rest-client.js';
import type { BotDeps } from '../../src/bot/bot-deps.js';
import type { RequestBudget } from '../../src/bot/request-budget.js';
import type { ConsoleSession } from '../../src/bot/console-session.js';
import { createBot } from '../../src/bot/create-bot.js';
import { createLogger, type Logger } from '../../src/logger.js';
import type { OrderWorker } from '../../src/trading/orders/order-worker.js';
import type { TradingServiceHandle } from '../../src/trading/trading-service.js';
import { callbackUpdate, FAKE_BOT_TOKEN, FAKE_BOT_USER, messageUpdate, startFakeBotApi, type FakeBotApi, type StoredMessage, type UpdateUser } from './fake-bot-api.js';
import { uniquePrefix } from './redis.js';
import { startTestSimulator, type TestSimulator, type TestSimulatorOptions } from './simulator.js';
import { startTestStack, testWorkerTimings } from './test-stack.js';
import type { EquityStore } from '../../src/ledger/equity-store.js';
import type { LedgerReader } from '../../src/ledger/ledger-types.js';
import type { ReportSchedule } from '../../src/ledger/report-schedule.js';
import type { LedgerService, LedgerServiceDeps } from '../../src/ledger/ledger-service.js';
import { eventually } from './wait.js';

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
  /**
   * Between tests sharing one app: waits for the order and alert jobs an earlier test left
   * running (a card's last edit), then clears the fake Bot API, so no late edit lands in the next
   * test aimed at a message the clearing took away.
   */
  fresh(): Promise<void>;
  close(): Promise<void>;
}

/** Kept for imports written before wait.ts; new tests import it from there. */
export { eventually } from './wait.js';

export async function startApp(options: AppHarnessOptions = {}): Promise<AppHarness> {
  const logger = options.logger ?? createLogger({ level: 'silent' });
  const sim = await startTestSimulator({
    balances: { USDT: '10000', BTC: '0.5' },
    prices: { BTCUSDT: '65000', ETHUSDT: '3500' },
    ...options.sim,
  });
  const telegram = options.console ? undefined : await startFakeBotApi();
  const allowedUsers = options.allowedUsers ?? [TRADER.id, PARTNER.id];
  const components = startTestStack({
    exchange: sim,
    logger,
    prefix: uniquePrefix('app'),
    allowedUsers,
    telegram,
    env: {
      MAX_ORDER_VALUE: options.maxOrderValue,
      VALUATION_ASSET: options.valuationAsset ?? options.portfolio?.valuationAsset,
      BALANCE_DUST_USDT: options.balanceDustUsdt,
      TELEGRAM_GROUPS: options.telegramGroups ? 'on' : undefined,
      ALERTS_PER_USER: options.alertsPerUser?.toString(),
      EQUITY_SAMPLE_MIN: options.portfolio?.sampleMinutes?.toString(),
    },
    configure: (config) => {
      config.confirmTtlS = options.confirmTtlS ?? 60;
      if (options.queuedOrderMaxAgeMs !== undefined) config.limits.queuedOrderMaxAgeMs = options.queuedOrderMaxAgeMs;
    },
    rest: { weightLimitPerMinute: options.sim?.options?.weightPerMinute ?? 6_000 },
    queues: { orders: { attempts: 4, backoffMs: 100 }, alerts: { backoffMs: 100 } },
    now: options.now,
  });
  const { stack, exchange, config } = components;

  let orderWorker: OrderWorker | undefined;
  let alertsWorker: AlertsWorker | undefined;
  if (options.workers !== false) {
    orderWorker = buildOrderWorker(components, testWorkerTimings(config));
    let alertsApi: Api;
    if (options.console) {
      alertsApi = new Api(FAKE_BOT_TOKEN);
      alertsApi.config.use(options.console.transformer);
    } else {
      alertsApi = createAlertsApi({ token: telegram!.token, apiRoot: telegram!.apiRoot });
    }
    alertsWorker = buildAlertsWorker(components, alertsApi, { lockDurationMs: 2_000, stalledIntervalMs: 500 });
  }

  let ledger: LedgerService | undefined;
  if (options.ledger) {
    // The worker role's ledger, its schedule off unless a test gives one.
    const tuning = options.ledger === true ? {} : options.ledger;
    ledger = buildLedger(components, true, {
      extraSymbols: async () => (await stack.records.recent(200)).map((r) => r.symbol),
      ...tuning,
      jobs: { syncEveryMs: 0, backoffMs: 200, lockDurationMs: 2_000, stalledIntervalMs: 500, ...tuning.jobs },
    });
    components.ledger = ledger;
    await ledger.start();
  }

  const base = botDepsOf(components, { now: options.now });
  const deps: BotDeps = {
    ...base,
    // The net value views' tests bring a ledger of their own making.
    ...(options.portfolio?.ledger && base.portfolio ? { portfolio: { ...base.portfolio, ledger: options.portfolio.ledger } } : {}),
    token: config.telegram.token!,
    apiRoot: telegram?.apiRoot,
    botInfo: (options.console?.botInfo ?? FAKE_BOT_USER) as UserFromGetMe,
    allowedUsers: config.telegram.allowedUsers,
  };
  const bot = createBot(deps);
  options.console?.attach(bot);

  let userStream: UserStreamService | undefined;
  if (options.userStream) {
    const started = buildUserStreamService(components, deps.allowedUsers, { lease: { ttlMs: 1_500, pollMs: 100 }, heartbeatMs: 200 });
    if (!started) throw new Error('the simulator has no WebSocket API URL');
    userStream = started;
    started.start();
    await eventually(() => started.status().caughtUp, 'the user stream to catch up');
  }

  const chatOf = (chatId?: number) => chatId ?? TRADER.id;
  const messages = (chatId?: number) => telegram?.messages(chatOf(chatId)) ?? [];

  return {
    sim,
    telegram,
    bot,
    deps,
    exchange: exchange.client,
    exchangeInfo: exchange.exchangeInfo,
    budget: exchange.budget,
    trading: stack.service,
    alertsQueue: stack.alertsQueue,
    userStream,
    ledger,
    redis: stack.producer,
    prefix: stack.prefix,
    equity: stack.equity,
    reports: stack.reports,
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
    async fresh() {
      if (orderWorker || alertsWorker) {
        await eventually(async () => {
          const counts = await Promise.all([stack.ordersQueue.queue, stack.alertsQueue.queue].map((q) => q.getJobCounts('waiting', 'active', 'prioritized')));
          return counts.every((c) => Object.values(c).every((n) => n === 0)) || undefined;
        }, "the previous test's jobs to finish");
      }
      telegram?.reset();
    },
    async close() {
      options.console?.close();
      await userStream?.close().catch(() => undefined);
      await ledger?.close().catch(() => undefined);
      await orderWorker?.close().catch(() => undefined);
      await alertsWorker?.close().catch(() => undefined);
      await components.close();
      await sim.close();
      await telegram?.close();
    },
  };
}
