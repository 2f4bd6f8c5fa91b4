/**
 * Managed stops as the worker and bot roles wire them (test/support/test-stack.ts: the production
 * trading stack, buildOrderWorker, buildStopManager, botDepsOf): the simulator over real HTTP
 * (programmatic or replay feed) with its market streams, real Redis under a unique prefix, the
 * trading service with the stop desk as its stop arming, the order worker, and the stop manager
 * (kline stream, BullMQ `stops` worker; its close schedulers off unless a test turns them on). With
 * `bot: true` also the real grammY bot on the fake Bot API and the alerts worker delivering to it.
 * Without the bot, alerts stay in the alerts queue for the test to read.
 */
import type { UserFromGetMe } from 'grammy/types';
import type { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { botDepsOf, buildAlertsWorker, buildBacktestWorker, buildOrderWorker, buildStopManager } from '../../src/app/components.js';
import type { OrderCap } from '../../src/config.js';
import type { AlertsQueue } from '../../src/alerts/alerts-queue.js';
import { createAlertsApi, type AlertsWorker } from '../../src/alerts/alerts-worker.js';
import type { ExchangeInfoCache } from '../../src/binance/exchange-info-cache.js';
import type { RestClient } from '../../src/binance/rest-client.js';
import { createBot } from '../../src/bot/create-bot.js';
import { createLogger } from '../../src/logger.js';
import type { MarketFeed } from '../../src/sim/types.js';
import type { OrderRecords } from '../../src/trading/orders/order-records.js';
import type { OrderWorker } from '../../src/trading/orders/order-worker.js';
import type { OrdersQueue } from '../../src/trading/orders/orders-queue.js';
import type { StopManager, StopManagerDeps } from '../../src/trading/stops/stop-manager.js';
import type { StopInterval } from '../../src/trading/stops/stop-intervals.js';
import { createStopStore, type StopStore } from '../../src/trading/stops/stop-store.js';
import type { ManagedStop, StopArming, StopDesk } from '../../src/trading/stops/stop-types.js';
import type { TradingServiceHandle } from '../../src/trading/trading-service.js';
import type { AlertJob, Requester } from '../../src/trading/types.js';
import { callbackUpdate, FAKE_BOT_USER, messageUpdate, startFakeBotApi, type FakeBotApi, type StoredMessage, type UpdateUser } from '../support/fake-bot-api.js';
import { uniquePrefix } from '../support/redis.js';
import { startTestSimulator, type TestSimulator, type TestSimulatorOptions } from '../support/simulator.js';
import { startTestStack, testWorkerTimings } from '../support/test-stack.js';
import { eventually } from '../support/wait.js';
import type { BacktestsQueue } from '../../src/strategies/backtests-queue.js';
import type { BacktestWorker } from '../../src/strategies/backtest-worker.js';
import type { SignalStore } from '../../src/strategies/signal-store.js';

export const TRADER: Requester = { userId: 1001, chatId: 1001, displayName: 'alice' };
export const TRADER_USER: UpdateUser = { id: 1001, first_name: 'Alice', username: 'alice' };
export const PARTNER_USER: UpdateUser = { id: 1002, first_name: 'Bob', username: 'bob' };

export interface StopHarnessOptions<F extends MarketFeed | undefined> {
  sim?: Omit<TestSimulatorOptions, 'feed'>;
  feed?: F;
  /** Stop manager overrides (schedule, concurrency, …). Default: kline stream on, schedulers off. */
  manager?: Partial<StopManagerDeps>;
  /** Start the stop manager (reconcile + follow pairs). Default true. */
  startManager?: boolean;
  /** The real bot on the fake Bot API, with the alerts worker. Default false. */
  bot?: boolean;
  minMovePct?: string;
  limitOffsetPct?: string;
  /** MAX_ORDER_VALUE for the stop cards, the order worker and the bot. */
  orderCap?: OrderCap;
  /** /backtest and /signal wired as the worker role wires them (needs `bot` for the backtest worker). Default false. */
  strategies?: boolean;
}

export interface StopHarness<F extends MarketFeed> {
  sim: TestSimulator<F>;
  exchange: RestClient;
  cache: ExchangeInfoCache;
  producer: Redis;
  prefix: string;
  ordersQueue: OrdersQueue;
  alertsQueue: AlertsQueue;
  records: OrderRecords;
  store: StopStore;
  desk: StopDesk & StopArming;
  service: TradingServiceHandle;
  manager: StopManager;
  telegram?: FakeBotApi;
  /** With `strategies: true`. */
  signals?: SignalStore;
  backtests?: BacktestsQueue;
  /** Confirms a /stop card as the trader would, and waits until its first order rests (or its stop waits). */
  arm(request: Parameters<StopDesk['prepareStop']>[0]): Promise<ManagedStop>;
  /** Stop alerts queued so far, oldest first. */
  stopAlerts(): Promise<AlertJob[]>;
  /** Requests the simulator received on a path. */
  requests(method: string, path: string): number;
  /** Waits until the kline stream follows `streams` streams, acknowledged. */
  streamReady(streams?: number): Promise<void>;
  /** Closes the stop manager (as a worker that died) and, after `meanwhile`, starts a new one on the same Redis and exchange: `manager` is then the new one. */
  restartManager(meanwhile?: () => Promise<void> | void): Promise<void>;
  /** Waits until the `close` job of a pair's close has finished. */
  closeEvaluated(symbol: string, interval: StopInterval, closeTime: number): Promise<void>;
  send(text: string, from?: UpdateUser): Promise<void>;
  press(messageId: number, data: string, from?: UpdateUser): Promise<void>;
  messages(chatId?: number): StoredMessage[];
  close(): Promise<void>;
}

const logger = createLogger({ level: (process.env.STOP_TEST_LOG as 'debug' | undefined) ?? 'silent' });

export async function startStopHarness<F extends MarketFeed = never>(options: StopHarnessOptions<F | undefined> = {}): Promise<StopHarness<F>> {
  const sim = (options.feed
    ? await startTestSimulator({ ...options.sim, feed: options.feed })
    : await startTestSimulator({ balances: { USDT: '10000', BTC: '1' }, prices: { BTCUSDT: '65000', ETHUSDT: '3500' }, ...options.sim })) as unknown as TestSimulator<F>;
  const telegram = options.bot ? await startFakeBotApi() : undefined;
  const components = startTestStack({
    exchange: sim,
    logger,
    prefix: uniquePrefix('stop'),
    allowedUsers: [TRADER_USER.id, PARTNER_USER.id],
    telegram,
    env: {
      STOP_LIMIT_OFFSET_PCT: options.limitOffsetPct ?? '0.5',
      STOP_MIN_MOVE_PCT: options.minMovePct ?? '0',
      MAX_ORDER_VALUE: options.orderCap?.max,
      VALUATION_ASSET: options.orderCap?.asset,
    },
    queues: { orders: { attempts: 3, backoffMs: 100 }, alerts: { backoffMs: 100 } },
  });
  const { stack, config } = components;
  const { producer, prefix, ordersQueue, alertsQueue, records, service } = stack;
  const desk = stack.stops;
  const store = createStopStore({ redis: producer, prefix });
  const timings = testWorkerTimings(config);
  const orderWorker: OrderWorker = buildOrderWorker(components, timings);
  const buildManager = (registry?: Registry) => buildStopManager(components, { schedule: false, reconcile: timings.reconcile, syncEveryMs: 500, ...options.manager, ...(registry ? { registry } : {}) });
  const manager = buildManager();
  if (options.startManager !== false) await manager.start();

  let alertsWorker: AlertsWorker | undefined;
  let backtestWorker: BacktestWorker | undefined;
  let bot: ReturnType<typeof createBot> | undefined;
  if (telegram) {
    const api = createAlertsApi({ token: telegram.token, apiRoot: telegram.apiRoot });
    alertsWorker = buildAlertsWorker(components, api, { lockDurationMs: 2_000, stalledIntervalMs: 500 });
    if (options.strategies) backtestWorker = buildBacktestWorker(components, api);
    bot = createBot({ ...botDepsOf(components), token: telegram.token, apiRoot: telegram.apiRoot, botInfo: FAKE_BOT_USER as UserFromGetMe, allowedUsers: config.telegram.allowedUsers });
  }

  let stopManager = manager;
  return {
    sim,
    exchange: components.exchange.client,
    cache: components.exchange.exchangeInfo,
    producer,
    prefix,
    ordersQueue,
    alertsQueue,
    records,
    store,
    desk,
    service,
    get manager() {
      return stopManager;
    },
    ...(telegram ? { telegram } : {}),
    ...(options.strategies ? { signals: stack.signals, backtests: stack.backtests } : {}),
    async arm(request) {
      const card = await desk.prepareStop(request, TRADER);
      await service.confirm(card.intentId, TRADER.userId);
      return eventually(async () => {
        const listed = (await desk.listStops()).find((s) => s.id === card.intentId);
        return listed && (listed.status === 'waiting' || listed.status === 'active') ? listed : undefined;
      }, 'the stop to be armed and placed');
    },
    async stopAlerts() {
      const jobs = await alertsQueue.queue.getJobs(['waiting', 'delayed', 'completed', 'failed', 'active', 'prioritized']);
      return jobs
        .filter((j) => j.data.category === 'stop')
        .sort((a, b) => a.timestamp - b.timestamp)
        .map((j) => j.data);
    },
    requests: (method, path) => sim.control.requests().filter((r) => r.method === method && r.path === path).length,
    async streamReady(streams = 1) {
      await eventually(() => {
        const s = stopManager.status().stream;
        return s && s.connected && s.streams >= streams && s.pending === 0 ? true : undefined;
      }, `the kline stream to follow ${streams} stream(s)`);
    },
    async restartManager(meanwhile) {
      await stopManager.close();
      await meanwhile?.();
      // A new process has its own metrics registry.
      stopManager = buildManager(new Registry());
      await stopManager.start();
    },
    async closeEvaluated(symbol, interval, closeTime) {
      await eventually(async () => {
        const job = await stopManager.scheduler.queue.getJob(`close-${symbol}-${interval}-${closeTime}`);
        const state = job ? await job.getState() : undefined;
        return state === 'completed' || state === 'failed' ? true : undefined;
      }, `the ${symbol} ${interval} close at ${closeTime} to be evaluated`);
    },
    async send(text, from = TRADER_USER) {
      await bot!.handleUpdate(messageUpdate({ from, text }) as never);
    },
    async press(messageId, data, from = TRADER_USER) {
      const shown = telegram!.message(from.id, messageId);
      await bot!.handleUpdate(
        callbackUpdate({ from, messageId, data, ...(shown?.text !== undefined ? { messageText: shown.text } : {}), ...(shown?.reply_markup ? { replyMarkup: shown.reply_markup } : {}) }) as never,
      );
    },
    messages: (chatId = TRADER_USER.id) => telegram?.messages(chatId) ?? [],
    async close() {
      await stopManager.close().catch(() => undefined);
      await orderWorker.close().catch(() => undefined);
      await alertsWorker?.close().catch(() => undefined);
      await backtestWorker?.close().catch(() => undefined);
      await components.close();
      await sim.close();
      await telegram?.close();
    },
  };
}
