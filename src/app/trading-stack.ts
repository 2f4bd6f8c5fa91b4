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
import { createStopStore } from '../trading/stops/stop-store.js';
import { createTakeProfitDesk, type TakeProfitDesk } from '../trading/brackets/take-profit-desk.js';
import type { StopArming, StopDesk } from '../trading/stops/stop-types.js';
import { createEquityStore, type EquityStore } from '../ledger/equity-store.js';
import { createReportSchedule, type ReportSchedule } from '../ledger/report-schedule.js';
import type { ExchangeConnection } from './exchange-connection.js';
import type { ExchangeClient } from '../binance/exchange-client.js';
import { sharingMarketReads } from '../binance/shared-reads.js';
import { createAccountCache, readingAccountFrom, type AccountCache } from '../trading/account-cache.js';
import { createBacktestsQueue, type BacktestsQueue } from '../strategies/backtests-queue.js';
import { createSignalDesk, type SignalDesk } from '../strategies/signal-desk.js';
import { createSignalStore, type SignalStore } from '../strategies/signal-store.js';


export interface TradingStack {
  prefix: string;
  /** Fail-fast connection for commands (src/redis.ts "producer"). */
  producer: Redis;
  /** Blocking connection for BullMQ workers (src/redis.ts "worker"). */
  workerConnection: Redis;
  /**
   * The queues' own fail-fast connection. BullMQ defines its ~50 Lua commands on the connection it
   * is given, and ioredis copies every defined command into each MULTI/pipeline built on that
   * connection: kept apart, our own transactions on `producer` stay cheap.
   */
  queueConnection: Redis;
  /** Balances as the user data stream keeps them, for pricing (trading/account-cache.ts). */
  accountCache: AccountCache;
  /**
   * What pricing reads through: the account from the cache while it is fresh, and the market reads
   * of one symbol single flight (binance/shared-reads.ts). Orders are sent by the same client.
   */
  pricingClient<T extends ExchangeClient>(client: T): T;
  ordersQueue: OrdersQueue;
  alertsQueue: AlertsQueue;
  records: OrderRecords;
  audit: AuditLog;
  service: TradingServiceHandle;
  /** What `service` was built from: a second service (a restarted bot's) is built from the same. */
  serviceOptions: TradingServiceOptions;
  /** Stop cards, arming, /stop off, /stops (the bot side of stops). */
  stops: StopDesk & StopArming;
  /** /tp cards (src/trading/brackets/take-profit-desk.ts). */
  takeProfits: TakeProfitDesk;
  /** The net value history (DESIGN.md §10): the worker's sampler writes it, the views read it. */
  equity: EquityStore;
  /** `/report` times and their delayed jobs: the bot sets them, the worker sends them. */
  reports: ReportSchedule;
  /** An in-process stop manager registers here to hear at once about armed or removed stops. */
  /** /backtest jobs for the worker role (src/strategies). */
  backtests: BacktestsQueue;
  /** /signal: the signals (read by the worker's evaluator) and the bot's desk over them. */
  signals: SignalStore;
  signalDesk: SignalDesk;
  /** An in-process stop manager registers here to hear at once about armed or removed stops (and signals: their closes ride on it). */
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
  const queueConnection = createRedisConnection(deps.redisUrl, 'producer', deps.logger, 'chatops-queues');
  const ordersQueue = createOrdersQueue({ connection: queueConnection, prefix, logger: deps.logger, ...deps.queues?.orders });
  const alertsQueue = createAlertsQueue({ connection: queueConnection, prefix, logger: deps.logger, ...deps.queues?.alerts });
  const accountCache = createAccountCache({ redis: producer, prefix });
  const pricingClient = <T extends ExchangeClient>(client: T): T => sharingMarketReads(readingAccountFrom(client, accountCache));
  const trading = pricingClient(deps.exchange.client);
  const cardReads = pricingClient(deps.exchange.views);
  const records = createOrderRecords({ redis: producer, prefix });
  const audit = createAuditLog({ redis: producer, prefix, logger: deps.logger });
  const equity = createEquityStore({ redis: producer, prefix });
  const reports = createReportSchedule({ redis: producer, prefix, logger: deps.logger, ...(deps.now ? { now: deps.now } : {}) });
  const pairListeners: Array<() => void> = [];
  const { orderCap } = deps.config.limits;
  // What order cards and stop cards are both priced and recorded with.
  const cards = {
    redis: producer,
    prefix,
    mode: deps.config.mode,
    exchange: trading,
    cardReads,
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
  const serviceOptions: TradingServiceOptions = {
    ...cards,
    orderCap,
    valuationAsset: deps.config.limits.valuationAsset,
    limitOffsetPct: deps.config.stops.limitOffsetPct,
    alertsQueue,
    stops,
  };
  const service = createTradingService(serviceOptions);
  const takeProfits = createTakeProfitDesk({ ...cards, intents: service.intents, stops: createStopStore({ redis: producer, prefix }), ...(orderCap ? { orderCap } : {}) });
  const backtests = createBacktestsQueue({ connection: producer, prefix, logger: deps.logger });
  const signals = createSignalStore({ redis: producer, prefix });
  const signalDesk = createSignalDesk({ store: signals, onPairsChanged: () => pairListeners.forEach((listener) => listener()) });
  return {
    prefix,
    producer,
    workerConnection,
    queueConnection,
    accountCache,
    pricingClient,
    ordersQueue,
    alertsQueue,
    records,
    audit,
    service,
    serviceOptions,
    stops,
    takeProfits,
    equity,
    reports,
    backtests,
    signals,
    signalDesk,
    onStopPairsChanged: (listener) => void pairListeners.push(listener),
    async close() {
      await service.close();
      await backtests.close();
      await ordersQueue.close();
      await alertsQueue.close();
      await reports.close();
      producer.disconnect();
      workerConnection.disconnect();
      queueConnection.disconnect();
    },
  };
}
