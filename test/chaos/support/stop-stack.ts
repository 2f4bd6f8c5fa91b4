/**
 * The test-process side of the stop-kill suite: the paper exchange on a programmatic BTCUSDT feed
 * (real hourly candles as history), real Redis, the bot's side of stops (the stop desk as the
 * trading service's arming, arming through Confirm and the orders queue with an order worker
 * here), the user data stream service (order records kept current, as a surviving worker keeps
 * them) and the alerts worker delivering to the fake Bot API. The stop manager itself runs only
 * in the child processes (process-fleet.ts). Closes are also announced from here with the product's
 * own scheduler queue (as its job schedulers announce them), so no close depends on which child
 * process happens to be subscribed to the kline stream at that moment.
 */
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { alertsIdle } from './alerts-idle.js';
import { createAlertsQueue, type AlertsQueue } from '../../../src/alerts/alerts-queue.js';
import { createAlertsApi, createAlertsWorker, type AlertsWorker } from '../../../src/alerts/alerts-worker.js';
import { createUserStreamService, type UserStreamService } from '../../../src/alerts/user-stream-service.js';
import { createExchangeInfoCache, type ExchangeInfoCache } from '../../../src/binance/exchange-info-cache.js';
import { createRestClient, type RestClient } from '../../../src/binance/rest-client.js';
import type { Order } from '../../../src/binance/types.js';
import { createRedisConnection } from '../../../src/redis.js';
import type { ProgrammaticFeed } from '../../../src/sim/types.js';
import { createAuditLog } from '../../../src/trading/audit-log.js';
import { createOrderRecords, type OrderRecords } from '../../../src/trading/orders/order-records.js';
import { createOrderWorker, type OrderWorker } from '../../../src/trading/orders/order-worker.js';
import { createOrdersQueue, type OrdersQueue } from '../../../src/trading/orders/orders-queue.js';
import { createStopDesk } from '../../../src/trading/stops/stop-desk.js';
import { closeJobId, createStopScheduler, STOPS_QUEUE, type StopScheduler } from '../../../src/trading/stops/stop-scheduler.js';
import { createStopStore, type StopStore } from '../../../src/trading/stops/stop-store.js';
import type { ManagedStop, StopArming, StopDesk } from '../../../src/trading/stops/stop-types.js';
import { createTradingService, type TradingServiceHandle } from '../../../src/trading/trading-service.js';
import type { AlertJob, Requester } from '../../../src/trading/types.js';
import { createLogCapture, findSecrets, recordSignatures, telegramTexts, type LogCapture, type SecretHit, type SigningRecorder } from '../../security/secret-scan.js';
import { startFakeBotApi, type FakeBotApi } from '../../support/fake-bot-api.js';
import { testRedisUrl, uniquePrefix } from '../../support/redis.js';
import { startTestSimulator, type TestSimulator } from '../../support/simulator.js';
import { eventually } from '../../trading/eventually.js';

export const STOP_TRADER: Requester = { userId: 9101, chatId: 9101, displayName: 'stopper' };
const OPEN = new Set(['NEW', 'PARTIALLY_FILLED', 'PENDING_NEW']);
const SETTLED = new Set(['completed', 'failed']);

export interface StopStack {
  sim: TestSimulator<ProgrammaticFeed>;
  telegram: FakeBotApi;
  exchange: RestClient;
  producer: Redis;
  prefix: string;
  records: OrderRecords;
  store: StopStore;
  desk: StopDesk & StopArming;
  alertsQueue: AlertsQueue;
  capture: LogCapture;
  /** Arms a fractal stop on BTCUSDT 1h through its card's Confirm; resolves once its first order rests. */
  arm(quantity: string): Promise<ManagedStop>;
  /** Announces a close as the job schedulers would, and waits until its `close` job has finished. */
  closeEvaluated(closeTime: number, timeoutMs: number): Promise<string>;
  /** Every exchange order a stop ever had (its first order `bco-<id>`, its moves `bst-<id>-<n>`), oldest first. */
  ordersOf(stopId: string): Order[];
  openOrdersOf(stopId: string): Order[];
  /** Stop alerts queued (any state), oldest first. */
  stopAlerts(): Promise<AlertJob[]>;
  /** True when no alert is waiting, delayed or being delivered. */
  alertsDrained(): Promise<boolean>;
  secretHits(extra: Array<{ where: string; texts: readonly string[] }>): SecretHit[];
  close(): Promise<void>;
}

export async function startStopStack(options: { balances: Record<string, string>; price: string }): Promise<StopStack> {
  const capture = createLogCapture('info');
  const logger = capture.logger;
  const sim = await startTestSimulator({ balances: options.balances, prices: { BTCUSDT: options.price, ETHUSDT: '3500' } });
  const telegram = await startFakeBotApi();
  const signing: SigningRecorder = recordSignatures(sim.signer);
  const exchange = createRestClient({ baseUrl: sim.restUrl, apiKey: sim.apiKey, signer: signing.signer, logger: logger.child({ module: 'rest-client' }), registry: new Registry(), timeoutMs: 2_000, recvWindowMs: 1_000, clockRefreshMs: 0 });
  const cache: ExchangeInfoCache = createExchangeInfoCache({ load: () => exchange.exchangeInfo(), logger });
  const producer = createRedisConnection(testRedisUrl(), 'producer', logger, 'stop-chaos-producer');
  const workerConnection = createRedisConnection(testRedisUrl(), 'worker', logger, 'stop-chaos-worker');
  const prefix = uniquePrefix('stopkill');
  const ordersQueue: OrdersQueue = createOrdersQueue({ connection: producer, prefix, attempts: 5, backoffMs: 200, logger });
  const alertsQueue = createAlertsQueue({ connection: producer, prefix, backoffMs: 200, logger });
  const records = createOrderRecords({ redis: producer, prefix });
  const audit = createAuditLog({ redis: producer, prefix, logger });
  const store = createStopStore({ redis: producer, prefix });
  const desk = createStopDesk({ redis: producer, prefix, mode: 'paper', exchange, symbols: cache, records, alerts: alertsQueue, logger, confirmTtlS: 300, settings: { limitOffsetPct: '0.5' }, ordersQueue, audit, store });
  const service: TradingServiceHandle = createTradingService({ redis: producer, prefix, mode: 'paper', exchange, symbols: cache, logger, confirmTtlS: 300, alertsQueue, records, audit, ordersQueue, stops: desk });
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
    reconcile: { recvWindowMs: 1_000, inFlightBoundMs: 4_000, engineMarginMs: 300, firstDelayMs: 50, maxDelayMs: 250 },
    lockDurationMs: 3_000,
    stalledIntervalMs: 1_000,
  });
  const userStream: UserStreamService = createUserStreamService({
    redis: producer,
    prefix,
    wsApiUrl: sim.wsApiUrl,
    apiKey: sim.apiKey,
    signer: signing.signer,
    exchange,
    records,
    intents: service.intents,
    alerts: alertsQueue,
    allowedUsers: [STOP_TRADER.userId],
    symbols: cache,
    logger,
    lease: { ttlMs: 3_000, renewEveryMs: 1_000, pollMs: 500 },
  });
  userStream.start();
  const alertsWorker: AlertsWorker = createAlertsWorker({
    connection: workerConnection,
    redis: producer,
    api: createAlertsApi({ token: telegram.token, apiRoot: telegram.apiRoot }),
    logger,
    prefix,
    lockDurationMs: 3_000,
    stalledIntervalMs: 1_000,
  });
  // Announces closes only (work: false): the child processes evaluate them.
  const announcer: StopScheduler = createStopScheduler({ connection: workerConnection, redis: producer, prefix, logger, evaluate: () => Promise.reject(new Error('not here')), serverNow: Date.now, work: false });
  const stopsQueue = new Queue(STOPS_QUEUE, { connection: producer, prefix });

  const stopOrder = (stopId: string) => (o: Order) => o.clientOrderId === `bco-${stopId}` || o.clientOrderId.startsWith(`bst-${stopId}-`);
  const ordersOf = (stopId: string) => sim.control.orders('BTCUSDT').filter(stopOrder(stopId)).sort((a, b) => a.orderId - b.orderId);

  return {
    sim: sim as TestSimulator<ProgrammaticFeed>,
    telegram,
    exchange,
    producer,
    prefix,
    records,
    store,
    desk,
    alertsQueue,
    capture,
    async arm(quantity) {
      const card = await desk.prepareStop({ kind: 'fractal', symbol: 'BTCUSDT', interval: '1h', amount: { kind: 'base', quantity } }, STOP_TRADER);
      await service.confirm(card.intentId, STOP_TRADER.userId);
      return eventually(async () => {
        const stop = await store.get(card.intentId);
        return stop?.status === 'active' && stop.orderId !== undefined ? stop : undefined;
      }, 'the stop to be armed and its first order to rest');
    },
    async closeEvaluated(closeTime, timeoutMs) {
      const pair = { symbol: 'BTCUSDT', interval: '1h' as const };
      await announcer.enqueueClose(pair, closeTime);
      return eventually(async () => {
        const state = await (await stopsQueue.getJob(closeJobId(pair, closeTime)))?.getState();
        return state !== undefined && SETTLED.has(state) ? state : undefined;
      }, `the close at ${closeTime} to be evaluated`, timeoutMs);
    },
    ordersOf,
    openOrdersOf: (stopId) => ordersOf(stopId).filter((o) => OPEN.has(o.status)),
    async stopAlerts() {
      const jobs = await alertsQueue.queue.getJobs(['waiting', 'delayed', 'completed', 'failed', 'active', 'prioritized']);
      return jobs
        .filter((j) => j.data.category === 'stop')
        .sort((a, b) => a.timestamp - b.timestamp)
        .map((j) => j.data);
    },
    alertsDrained: () => alertsIdle(alertsQueue.queue),
    secretHits(extra) {
      return findSecrets(
        [{ where: 'logs', texts: capture.lines() }, { where: 'telegram', texts: telegramTexts(telegram) }, ...extra],
        { apiKey: sim.apiKey, ...(sim.apiSecret !== undefined ? { apiSecret: sim.apiSecret } : {}), botToken: telegram.token, signatures: signing.signatures() },
      );
    },
    async close() {
      await userStream.close().catch(() => undefined);
      await orderWorker.close().catch(() => undefined);
      await alertsWorker.close().catch(() => undefined);
      await announcer.close().catch(() => undefined);
      await stopsQueue.close().catch(() => undefined);
      await service.close();
      await ordersQueue.close().catch(() => undefined);
      await alertsQueue.close().catch(() => undefined);
      cache.close();
      await exchange.close();
      await sim.close();
      await telegram.close();
      producer.disconnect();
      workerConnection.disconnect();
    },
  };
}
