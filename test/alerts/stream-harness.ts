/**
 * The user data stream as the worker role wires it (test-stack.ts and buildUserStreamService):
 * the simulator's real WebSocket API (behind a loopback TCP proxy, to take the network away),
 * the real REST client, real Redis under a unique prefix, order records, and the real BullMQ
 * alerts queue. No alerts worker runs: tests read the queue to see exactly which alerts were
 * enqueued.
 */
import type { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import { buildUserStreamService } from '../../src/app/components.js';
import type { AlertsQueue } from '../../src/alerts/alerts-queue.js';
import type { UserStreamService, UserStreamServiceDeps } from '../../src/alerts/user-stream-service.js';
import type { ExchangeInfoCache } from '../../src/binance/exchange-info-cache.js';
import type { RestClient } from '../../src/binance/rest-client.js';
import type { Order } from '../../src/binance/types.js';
import { createLogger } from '../../src/logger.js';
import type { OrderRecords } from '../../src/trading/orders/order-records.js';
import type { AlertJob } from '../../src/trading/types.js';
import { uniquePrefix } from '../support/redis.js';
import { simRequest, startTestSimulator, type TestSimulator } from '../support/simulator.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { startTestStack } from '../support/test-stack.js';
import { eventually } from '../support/wait.js';

export const TRADER_ID = 1001;

export interface StreamHarness {
  sim: TestSimulator;
  proxy: TcpProxy;
  exchange: RestClient;
  symbols: ExchangeInfoCache;
  redis: Redis;
  prefix: string;
  records: OrderRecords;
  alertsQueue: AlertsQueue;
  registry: Registry;
  startService(overrides?: Partial<UserStreamServiceDeps>): UserStreamService;
  /** A LIMIT order placed outside the bot, straight over REST. */
  limit(side: 'BUY' | 'SELL', price: string, quantity: string, clientOrderId?: string): Promise<Order>;
  stopLimitSell(stopPrice: string, price: string, quantity: string, clientOrderId?: string): Promise<Order>;
  /** Data of every job in the alerts queue, oldest first. */
  alerts(): Promise<AlertJob[]>;
  /** Waits until the queue holds `count` alerts matching `filter`, then returns them. */
  waitForAlerts(count: number, filter?: (job: AlertJob) => boolean): Promise<AlertJob[]>;
  subscribed(service: UserStreamService): Promise<void>;
  close(): Promise<void>;
}

export async function startStreamHarness(options: { allowedUsers?: number[] } = {}): Promise<StreamHarness> {
  const logger = createLogger({ level: 'silent' });
  const sim = await startTestSimulator({ balances: { USDT: '100000', BTC: '2' }, prices: { BTCUSDT: '65000', ETHUSDT: '3500' } });
  const proxy = await startTcpProxy(Number(new URL(sim.wsApiUrl).port));
  const allowedUsers = options.allowedUsers ?? [TRADER_ID];
  const components = startTestStack({ exchange: sim, logger, prefix: uniquePrefix('stream'), allowedUsers });
  const { stack, registry } = components;
  const { exchangeInfo: symbols } = components.exchange;
  const { producer: redis, prefix, records, alertsQueue } = stack;
  const services: UserStreamService[] = [];

  const place = async (params: Record<string, string>): Promise<Order> => {
    const res = await simRequest<Order>(sim, 'POST', '/api/v3/order', { newOrderRespType: 'FULL', ...params });
    if (res.status !== 200) throw new Error(`order refused: ${JSON.stringify(res.body)}`);
    return res.body;
  };

  const alerts = async (): Promise<AlertJob[]> => {
    const jobs = await alertsQueue.queue.getJobs(['waiting', 'delayed', 'active', 'completed', 'failed', 'prioritized']);
    return jobs.sort((a, b) => a.timestamp - b.timestamp).map((j) => j.data);
  };

  return {
    sim,
    proxy,
    exchange: components.exchange.client,
    symbols,
    redis,
    prefix,
    records,
    alertsQueue,
    registry,
    startService(overrides = {}) {
      const service = buildUserStreamService(components, allowedUsers, {
        wsApiUrl: proxy.via(sim.wsApiUrl),
        lease: { ttlMs: 1_500, pollMs: 100 },
        stream: { backoff: { initialMs: 50, maxMs: 200, stableAfterMs: 1_000 }, requestTimeoutMs: 2_000 },
        heartbeatMs: 200,
        reconcileRetryMs: 100,
        ...overrides,
      })!;
      services.push(service);
      service.start();
      return service;
    },
    limit: (side, price, quantity, clientOrderId) =>
      place({ symbol: 'BTCUSDT', side, type: 'LIMIT', timeInForce: 'GTC', price, quantity, ...(clientOrderId ? { newClientOrderId: clientOrderId } : {}) }),
    stopLimitSell: (stopPrice, price, quantity, clientOrderId) =>
      place({
        symbol: 'BTCUSDT',
        side: 'SELL',
        type: 'STOP_LOSS_LIMIT',
        timeInForce: 'GTC',
        stopPrice,
        price,
        quantity,
        ...(clientOrderId ? { newClientOrderId: clientOrderId } : {}),
      }),
    alerts,
    async waitForAlerts(count, filter = () => true) {
      return eventually(async () => {
        const found = (await alerts()).filter(filter);
        return found.length >= count ? found : undefined;
      }, `${count} alerts`);
    },
    async subscribed(service) {
      await eventually(() => service.status().caughtUp && service.status().stream?.state === 'subscribed', 'the stream to be subscribed and caught up');
    },
    async close() {
      await Promise.all(services.map((s) => s.close()));
      await components.close();
      await proxy.close();
      await sim.close();
    },
  };
}
