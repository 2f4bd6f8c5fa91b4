/**
 * The trading pieces every role shares, built once per process from the configuration: Redis
 * connections, the orders and alerts queues, order records, the audit trail and the trading
 * service. The bot role uses the service; the worker role adds the workers on top.
 */
import type { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { createRedisConnection, KEY_PREFIX } from '../redis.js';
import { createAlertsQueue, type AlertsQueue, type AlertsQueueOptions } from '../alerts/alerts-queue.js';
import { createAuditLog, type AuditLog } from '../trading/audit-log.js';
import { createOrderRecords, type OrderRecords } from '../trading/orders/order-records.js';
import { createOrdersQueue, type OrdersQueue, type OrdersQueueOptions } from '../trading/orders/orders-queue.js';
import { createTradingService, type TradingServiceHandle, type TradingServiceOptions } from '../trading/trading-service.js';
import { createStopDesk } from '../trading/stops/stop-desk.js';
import type { StopArming, StopDesk } from '../trading/stops/stop-types.js';
import type { ExchangeConnection } from './exchange-connection.js';


export interface TradingStack {
  prefix: string;
  /** Fail-fast connection for commands (src/redis.ts "producer"). */
  producer: Redis;
  /** Blocking connection for BullMQ workers (src/redis.ts "worker"). */
  workerConnection: Redis;
  ordersQueue: OrdersQueue;
  alertsQueue: AlertsQueue;
  records: OrderRecords;
  audit: AuditLog;
  service: TradingServiceHandle;
  /** What `service` was built from: a second service (a restarted bot's) is built from the same. */
  serviceOptions: TradingServiceOptions;
  /** Stop cards, arming, /stop off, /stops (the bot side of stops). */
  stops: StopDesk & StopArming;
  /** An in-process stop manager registers here to hear at once about armed or removed stops. */
  onStopPairsChanged(listener: () => void): void;
  close(): Promise<void>;
}

export function createTradingStack(deps: {
  config: Config;
  redisUrl: string;
  exchange: ExchangeConnection;
  logger: Logger;
  registry: Registry;
  prefix?: string;
  /** Retry policy of the queues (tests shorten the backoff); the queues' defaults otherwise. */
  queues?: { orders?: Pick<OrdersQueueOptions, 'attempts' | 'backoffMs'>; alerts?: Pick<AlertsQueueOptions, 'attempts' | 'backoffMs'> };
  /** The clock of the cards and intents (tests that move time). */
  now?: () => number;
}): TradingStack {
  const prefix = deps.prefix ?? KEY_PREFIX;
  const producer = createRedisConnection(deps.redisUrl, 'producer', deps.logger, 'chatops-producer');
  const workerConnection = createRedisConnection(deps.redisUrl, 'worker', deps.logger, 'chatops-worker');
  const ordersQueue = createOrdersQueue({ connection: producer, prefix, logger: deps.logger, ...deps.queues?.orders });
  const alertsQueue = createAlertsQueue({ connection: producer, prefix, logger: deps.logger, ...deps.queues?.alerts });
  const records = createOrderRecords({ redis: producer, prefix });
  const audit = createAuditLog({ redis: producer, prefix, logger: deps.logger });
  const pairListeners: Array<() => void> = [];
  const { orderCap } = deps.config.limits;
  // What order cards and stop cards are both priced and recorded with.
  const cards = {
    redis: producer,
    prefix,
    mode: deps.config.mode,
    exchange: deps.exchange.client,
    cardReads: deps.exchange.views,
    symbols: deps.exchange.exchangeInfo,
    logger: deps.logger,
    confirmTtlS: deps.config.confirmTtlS,
    records,
    audit,
    ordersQueue,
    now: deps.now,
  };
  const stops = createStopDesk({
    ...cards,
    alerts: alertsQueue,
    settings: { limitOffsetPct: deps.config.stops.limitOffsetPct, orderCap },
    onPairsChanged: () => pairListeners.forEach((listener) => listener()),
  });
  const serviceOptions: TradingServiceOptions = { ...cards, orderCap, alertsQueue, stops };
  const service = createTradingService(serviceOptions);
  return {
    prefix,
    producer,
    workerConnection,
    ordersQueue,
    alertsQueue,
    records,
    audit,
    service,
    serviceOptions,
    stops,
    onStopPairsChanged: (listener) => void pairListeners.push(listener),
    async close() {
      await service.close();
      await ordersQueue.close();
      await alertsQueue.close();
      producer.disconnect();
      workerConnection.disconnect();
    },
  };
}
