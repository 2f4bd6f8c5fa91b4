/**
 * The order pipeline as the worker role wires it (test/support/test-stack.ts: the production
 * trading stack and buildOrderWorker): the simulator over real HTTP, real Redis under a unique
 * prefix, the trading service, and real BullMQ order workers. No alerts worker runs: tests read
 * the alerts queue to see what the card would show.
 */
import type { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { buildOrderWorker } from '../../src/app/components.js';
import type { OrderCap } from '../../src/config.js';
import type { AlertsQueue } from '../../src/alerts/alerts-queue.js';
import type { ExchangeInfoCache } from '../../src/binance/exchange-info-cache.js';
import type { RestClient } from '../../src/binance/rest-client.js';
import { createLogger } from '../../src/logger.js';
import type { AuditLog } from '../../src/trading/audit-log.js';
import type { OrderRecords } from '../../src/trading/orders/order-records.js';
import type { OrderWorker, OrderWorkerOptions } from '../../src/trading/orders/order-worker.js';
import type { OrdersQueue } from '../../src/trading/orders/orders-queue.js';
import { createTradingService, type TradingServiceHandle, type TradingServiceOptions } from '../../src/trading/trading-service.js';
import type { AlertJob, Requester } from '../../src/trading/types.js';
import { startTestSimulator, type TestSimulator, type TestSimulatorOptions } from '../support/simulator.js';
import { uniquePrefix } from '../support/redis.js';
import { startTestStack, testWorkerTimings } from '../support/test-stack.js';
import { eventually } from '../support/wait.js';

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
  const components = startTestStack({
    exchange: sim,
    logger,
    prefix: uniquePrefix('pipe'),
    env: {
      BINANCE_TIMEOUT_MS: String(options.timeoutMs ?? 2_000),
      BINANCE_RECV_WINDOW_MS: String(options.recvWindowMs ?? 1_000),
      MAX_ORDER_VALUE: options.maxOrderValue,
    },
    configure: (config) => {
      if (options.confirmTtlS !== undefined) config.confirmTtlS = options.confirmTtlS;
    },
    queues: { orders: { attempts: options.attempts ?? 4, backoffMs: 100 } },
  });
  const { stack, exchange } = components;
  const services: TradingServiceHandle[] = [];
  const workers: OrderWorker[] = [];

  const newService = (overrides: Partial<TradingServiceOptions> = {}) => {
    const service = createTradingService({ ...stack.serviceOptions, ...overrides });
    services.push(service);
    return service;
  };
  const startWorker = (overrides: Partial<OrderWorkerOptions> = {}) => {
    // Each worker its own registry: a second one's metrics would clash with the first one's names.
    const worker = buildOrderWorker(components, { ...testWorkerTimings(components.config), registry: new Registry(), ...overrides });
    workers.push(worker);
    return worker;
  };
  const { ordersQueue, alertsQueue, service } = stack;

  return {
    sim,
    exchange: exchange.client,
    cache: exchange.exchangeInfo,
    producer: stack.producer,
    workerConnection: stack.workerConnection,
    prefix: stack.prefix,
    ordersQueue,
    alertsQueue,
    records: stack.records,
    audit: stack.audit,
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
      await components.close();
      await sim.close();
    },
  };
}
