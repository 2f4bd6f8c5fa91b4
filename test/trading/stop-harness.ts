/**
 * Managed stops wired for tests as the worker and bot roles wire them: the simulator over real
 * HTTP (programmatic or replay feed) with its market streams, the REST client and exchangeInfo
 * cache, real Redis under a unique prefix, the trading service with the stop desk as its stop
 * arming, the order worker, and the stop manager (kline stream, BullMQ `stops` worker). With
 * `bot: true` also the real grammY bot on the fake Bot API and the alerts worker delivering to it.
 * Without the bot, alerts stay in the alerts queue for the test to read.
 */
import type { UserFromGetMe } from 'grammy/types';
import type { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import type { OrderCap } from '../../src/config.js';
import { createAlertsQueue, type AlertsQueue } from '../../src/alerts/alerts-queue.js';
import { createAlertsApi, createAlertsWorker, type AlertsWorker } from '../../src/alerts/alerts-worker.js';
import { createExchangeInfoCache, type ExchangeInfoCache } from '../../src/binance/exchange-info-cache.js';
import { createRestClient, type RestClient } from '../../src/binance/rest-client.js';
import type { BotDeps } from '../../src/bot/bot-deps.js';
import { createBot } from '../../src/bot/create-bot.js';
import { createLogger } from '../../src/logger.js';
import { createRedisConnection } from '../../src/redis.js';
import type { MarketFeed } from '../../src/sim/types.js';
import { createAuditLog } from '../../src/trading/audit-log.js';
import { createOrderRecords, type OrderRecords } from '../../src/trading/orders/order-records.js';
import { createOrderWorker, type OrderWorker } from '../../src/trading/orders/order-worker.js';
import { createOrdersQueue, type OrdersQueue } from '../../src/trading/orders/orders-queue.js';
import { createStopDesk } from '../../src/trading/stops/stop-desk.js';
import { createStopManager, type StopManager, type StopManagerDeps } from '../../src/trading/stops/stop-manager.js';
import type { StopInterval } from '../../src/trading/stops/stop-intervals.js';
import { createStopStore, type StopStore } from '../../src/trading/stops/stop-store.js';
import type { ManagedStop, StopArming, StopDesk } from '../../src/trading/stops/stop-types.js';
import { createTradingService, type TradingServiceHandle } from '../../src/trading/trading-service.js';
import type { AlertJob, Requester } from '../../src/trading/types.js';
import { callbackUpdate, FAKE_BOT_USER, messageUpdate, startFakeBotApi, type FakeBotApi, type StoredMessage, type UpdateUser } from '../support/fake-bot-api.js';
import { testRedisUrl, uniquePrefix } from '../support/redis.js';
import { startTestSimulator, type TestSimulator, type TestSimulatorOptions } from '../support/simulator.js';
import { eventually } from './eventually.js';
import { createBacktestsQueue, type BacktestsQueue } from '../../src/strategies/backtests-queue.js';
import { createBacktestWorker, type BacktestWorker } from '../../src/strategies/backtest-worker.js';
import { createSignalDesk } from '../../src/strategies/signal-desk.js';
import { createSignalEvaluator } from '../../src/strategies/signal-evaluator.js';
import { createSignalStore, type SignalStore } from '../../src/strategies/signal-store.js';

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
  const exchange = createRestClient({ baseUrl: sim.restUrl, apiKey: sim.apiKey, signer: sim.signer, logger, registry: new Registry(), timeoutMs: 2_000, recvWindowMs: 1_000, clockRefreshMs: 0 });
  const cache = createExchangeInfoCache({ load: () => exchange.exchangeInfo(), logger });
  const producer = createRedisConnection(testRedisUrl(), 'producer');
  const workerConnection = createRedisConnection(testRedisUrl(), 'worker');
  const prefix = uniquePrefix('stop');
  const ordersQueue = createOrdersQueue({ connection: producer, prefix, attempts: 3, backoffMs: 100 });
  const alertsQueue = createAlertsQueue({ connection: producer, prefix, backoffMs: 100 });
  const records = createOrderRecords({ redis: producer, prefix });
  const audit = createAuditLog({ redis: producer, prefix, logger });
  const store = createStopStore({ redis: producer, prefix });
  const settings = { limitOffsetPct: options.limitOffsetPct ?? '0.5', minMovePct: options.minMovePct ?? '0' };
  const reconcile = { recvWindowMs: 1_000, inFlightBoundMs: 4_000, engineMarginMs: 300, firstDelayMs: 50, maxDelayMs: 200 };

  // The desk tells the manager about new pairs; the manager is built after the desk.
  const late: { manager?: StopManager } = {};
  const desk = createStopDesk({
    redis: producer,
    prefix,
    mode: 'paper',
    exchange,
    symbols: cache,
    records,
    alerts: alertsQueue,
    logger,
    confirmTtlS: 60,
    settings: { limitOffsetPct: settings.limitOffsetPct, ...(options.orderCap ? { orderCap: options.orderCap } : {}) },
    ordersQueue,
    audit,
    store,
    onPairsChanged: () => void late.manager?.syncPairs().catch(() => undefined),
  });
  const service = createTradingService({ redis: producer, prefix, mode: 'paper', exchange, symbols: cache, logger, confirmTtlS: 60, alertsQueue, records, audit, ordersQueue, stops: desk });
  const orderWorker: OrderWorker = createOrderWorker({
    connection: workerConnection,
    redis: producer,
    prefix,
    exchange,
    symbols: cache,
    alerts: alertsQueue,
    intents: service.intents,
    records,
    audit,
    logger,
    mode: 'paper',
    ...(options.orderCap ? { orderCap: options.orderCap } : {}),
    reconcile,
    lockDurationMs: 2_000,
    stalledIntervalMs: 500,
  });
  const signals = options.strategies ? createSignalStore({ redis: producer, prefix }) : undefined;
  const manager = createStopManager({
    redis: producer,
    connection: workerConnection,
    prefix,
    exchange,
    symbols: cache,
    records,
    alerts: alertsQueue,
    audit,
    logger,
    ordersQueue,
    settings,
    streamUrl: sim.streamUrl,
    schedule: false,
    reconcile,
    store,
    syncEveryMs: 500,
    ...(signals
      ? { closeListener: createSignalEvaluator({ store: signals, symbols: cache, trading: service, exchange, records, alerts: alertsQueue, logger }) }
      : {}),
    ...options.manager,
  });
  late.manager = manager;
  if (options.startManager !== false) await manager.start();

  let telegram: FakeBotApi | undefined;
  let alertsWorker: AlertsWorker | undefined;
  let bot: ReturnType<typeof createBot> | undefined;
  let backtests: BacktestsQueue | undefined;
  let backtestWorker: BacktestWorker | undefined;
  if (options.bot) {
    telegram = await startFakeBotApi();
    const api = createAlertsApi({ token: telegram.token, apiRoot: telegram.apiRoot });
    alertsWorker = createAlertsWorker({
      connection: workerConnection,
      redis: producer,
      api,
      logger,
      prefix,
      lockDurationMs: 2_000,
      stalledIntervalMs: 500,
      ...(options.strategies ? { attachCard: (intentId: string, messageId: number) => service.attachCard(intentId, messageId) } : {}),
    });
    if (options.strategies) {
      backtests = createBacktestsQueue({ connection: producer, prefix });
      backtestWorker = createBacktestWorker({ connection: workerConnection, redis: producer, prefix, exchange: exchange.withPriority('view'), symbols: cache, api, logger, marketKey: `test-${prefix}` });
    }
    const deps: BotDeps = {
      token: telegram.token,
      apiRoot: telegram.apiRoot,
      botInfo: FAKE_BOT_USER as UserFromGetMe,
      allowedUsers: [TRADER_USER.id, PARTNER_USER.id],
      mode: 'paper',
      trading: service,
      exchange,
      exchangeInfo: cache,
      redis: producer,
      keyPrefix: prefix,
      logger,
      settings: { balanceDustUsdt: '1', confirmTtlS: 60, stopDefaultInterval: '4h', ...(options.orderCap ? { orderCap: options.orderCap } : {}) },
      status: { lastStopEvaluation: () => desk.lastStopEvaluation() },
      stops: desk,
      stopDesk: desk,
      ...(backtests ? { backtests } : {}),
      ...(signals ? { signals: createSignalDesk({ store: signals, onPairsChanged: () => void manager.syncPairs().catch(() => undefined) }) } : {}),
    };
    bot = createBot(deps);
  }

  const stopManager = manager;
  return {
    sim,
    exchange,
    cache,
    producer,
    prefix,
    ordersQueue,
    alertsQueue,
    records,
    store,
    desk,
    service,
    manager: stopManager,
    ...(telegram ? { telegram } : {}),
    ...(signals ? { signals } : {}),
    ...(backtests ? { backtests } : {}),
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
      await backtests?.close().catch(() => undefined);
      await service.close();
      await ordersQueue.close();
      await alertsQueue.close();
      cache.close();
      await exchange.close();
      await sim.close();
      await telegram?.close();
      producer.disconnect();
      workerConnection.disconnect();
    },
  };
}
