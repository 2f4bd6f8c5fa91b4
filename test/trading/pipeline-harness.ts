/**
 * The order pipeline wired for tests exactly as the worker role wires it: the simulator over real
 * HTTP, the real REST client and exchangeInfo cache, real Redis (a unique prefix per harness),
 * the trading service, and real BullMQ order workers. No alerts worker runs: tests read the
 * alerts queue to see what the card would show.
 */
import type { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import type { OrderCap } from '../../src/config.js';
import { createAlertsQueue, type AlertsQueue } from '../../src/alerts/alerts-queue.js';
import { createExchangeInfoCache, type ExchangeInfoCache } from '../../src/binance/exchange-info-cache.js';
import { createRestClient, type RestClient } from '../../src/binance/rest-client.js';
import { createLogger } from '../../src/logger.js';
import { createRedisConnection } from '../../src/redis.js';
import { createAuditLog, type AuditLog } from '../../src/trading/audit-log.js';
import { createOrderRecords, type OrderRecords } from '../../src/trading/orders/order-records.js';
import { createOrderWorker, type OrderWorker, type OrderWorkerOptions } from '../../src/trading/orders/order-worker.js';
import { createOrdersQueue, type OrdersQueue } from '../../src/trading/orders/orders-queue.js';
import { createTradingService, type TradingServiceHandle, type TradingServiceOptions } from '../../src/trading/trading-service.js';
import type { AlertJob, Requester } from '../../src/trading/types.js';
import { startTestSimulator, type TestSimulator, type TestSimulatorOptions } from '../support/simulator.js';
import { testRedisUrl, uniquePrefix } from '../support/redis.js';
import { eventually } from './eventually.js';

export const TRADER: Requester = { userId: 1001, chatId: 1001, displayName: 'alice' };
export const OTHER_TRADER: Requester = { userId: 2002, chatId: 2002, displayName: 'bob' };

/** A MAX_ORDER_VALUE cap in USDT. */
export const usdtCap = (max: string): OrderCap => ({ asset: 'USDT', max, variable: 'MAX_ORDER_VALUE' });

export interface HarnessOptions {
  sim?: Omit<TestSimulatorOptions, 'feed'>;
  /** REST client time-out (short for the time-out-after-send case). */
  timeoutMs?: number;
  recvWindowMs?: number;
  confirmTtlS?: number;
  /** MAX_ORDER_VALUE in USDT. */
  maxOrderValue?: string;
  attempts?: number;
}

export interface Harness {
  sim: TestSimulator;
  exchange: RestClient;
  cache: ExchangeInfoCache;
  producer: Redis;
  workerConnection: Redis;
  prefix: string;
  ordersQueue: OrdersQueue;
  alertsQueue: AlertsQueue;
  records: OrderRecords;
  audit: AuditLog;
  service: TradingServiceHandle;
  workers: OrderWorker[];
  /** A service as a restarted bot would build it (same Redis, same prefix). */
  newService(overrides?: Partial<TradingServiceOptions>): TradingServiceHandle;
  startWorker(overrides?: Partial<OrderWorkerOptions>): OrderWorker;
  /** POST /api/v3/order requests the simulator received. */
  orderPosts(): Array<{ status: number; receivedAt: number }>;
  /** Waits until the intent's job is completed or failed. */
  settled(intentId: string): Promise<{ state: 'completed' | 'failed'; returnvalue: unknown; failedReason: string }>;
  /** Card alerts the worker queued for an intent, oldest first. */
  cardAlerts(intentId: string): Promise<AlertJob[]>;
  close(): Promise<void>;
}

const logger = createLogger({ level: 'silent' });

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const sim = await startTestSimulator({
    balances: { USDT: '10000', BTC: '0.5' },
    prices: { BTCUSDT: '65000', ETHUSDT: '3500' },
    ...options.sim,
  });
  const recvWindowMs = options.recvWindowMs ?? 1_000;
  const timeoutMs = options.timeoutMs ?? 2_000;
  const exchange = createRestClient({
    baseUrl: sim.restUrl,
    apiKey: sim.apiKey,
    signer: sim.signer,
    logger,
    registry: new Registry(),
    timeoutMs,
    recvWindowMs,
    clockRefreshMs: 0,
  });
  const cache = createExchangeInfoCache({ load: () => exchange.exchangeInfo(), logger });
  const producer = createRedisConnection(testRedisUrl(), 'producer');
  const workerConnection = createRedisConnection(testRedisUrl(), 'worker');
  const prefix = uniquePrefix('pipe');
  const ordersQueue = createOrdersQueue({ connection: producer, prefix, attempts: options.attempts ?? 4, backoffMs: 100 });
  const alertsQueue = createAlertsQueue({ connection: producer, prefix });
  const records = createOrderRecords({ redis: producer, prefix });
  const audit = createAuditLog({ redis: producer, prefix, logger });
  const services: TradingServiceHandle[] = [];
  const workers: OrderWorker[] = [];

  const newService = (overrides: Partial<TradingServiceOptions> = {}) => {
    const service = createTradingService({
      redis: producer,
      prefix,
      mode: 'paper',
      exchange,
      symbols: cache,
      logger,
      confirmTtlS: options.confirmTtlS ?? 60,
      ...(options.maxOrderValue !== undefined ? { orderCap: usdtCap(options.maxOrderValue) } : {}),
      alertsQueue,
      records,
      audit,
      ordersQueue,
      ...overrides,
    });
    services.push(service);
    return service;
  };
  const service = newService();

  const startWorker = (overrides: Partial<OrderWorkerOptions> = {}) => {
    const worker = createOrderWorker({
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
      ...(options.maxOrderValue !== undefined ? { orderCap: usdtCap(options.maxOrderValue) } : {}),
      reconcile: { recvWindowMs, inFlightBoundMs: 2 * timeoutMs, engineMarginMs: 300, firstDelayMs: 50, maxDelayMs: 200 },
      lockDurationMs: 2_000,
      stalledIntervalMs: 500,
      ...overrides,
    });
    workers.push(worker);
    return worker;
  };

  return {
    sim,
    exchange,
    cache,
    producer,
    workerConnection,
    prefix,
    ordersQueue,
    alertsQueue,
    records,
    audit,
    service,
    workers,
    newService,
    startWorker,
    orderPosts: () => sim.control.requests().filter((r) => r.method === 'POST' && r.path === '/api/v3/order'),
    async settled(intentId) {
      return eventually(async () => {
        const job = await ordersQueue.queue.getJob(intentId);
        if (!job) return undefined;
        const state = await job.getState();
        if (state !== 'completed' && state !== 'failed') return undefined;
        // Read again: the job fetched above may predate its completion (returnvalue still null).
        const done = (await ordersQueue.queue.getJob(intentId)) ?? job;
        return { state, returnvalue: done.returnvalue, failedReason: done.failedReason };
      }, `order job ${intentId} to settle`, 20_000);
    },
    async cardAlerts(intentId) {
      const jobs = await alertsQueue.queue.getJobs(['waiting', 'delayed', 'completed', 'failed', 'active', 'prioritized']);
      return jobs
        .filter((j) => j.data.key.startsWith(`card-${intentId}-`))
        .sort((a, b) => a.timestamp - b.timestamp)
        .map((j) => j.data);
    },
    async close() {
      for (const w of workers) await w.close().catch(() => undefined);
      for (const s of services) await s.close();
      await ordersQueue.close();
      await alertsQueue.close();
      cache.close();
      await exchange.close();
      await sim.close();
      producer.disconnect();
      workerConnection.disconnect();
    },
  };
}
