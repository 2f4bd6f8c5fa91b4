/**
 * The product's components built from the configuration, one function each, so the roles, the
 * benchmarks and the process tests wire them identically (a second hand-written wiring drifts).
 */
import type { Api } from 'grammy';
import type { Registry } from 'prom-client';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { createAlertsWorker, type AlertsWorker, type AlertsWorkerOptions } from '../alerts/alerts-worker.js';
import { createOrderWorker, type OrderWorker, type OrderWorkerOptions } from '../trading/orders/order-worker.js';
import type { BotDeps } from '../bot/bot-deps.js';
import { createTickerCache } from '../market/ticker-cache.js';
import { createStopManager, type StopManager, type StopManagerDeps } from '../trading/stops/stop-manager.js';
import { createUserStreamService, readUserStreamStatus, type UserStreamService, type UserStreamServiceDeps } from '../alerts/user-stream-service.js';
import type { ExchangeConnection } from './exchange-connection.js';
import type { TradingStack } from './trading-stack.js';

export interface ComponentContext {
  config: Config;
  exchange: ExchangeConnection;
  stack: TradingStack;
  logger: Logger;
  registry: Registry;
}

export function buildOrderWorker(c: ComponentContext, overrides: Partial<OrderWorkerOptions> = {}): OrderWorker {
  return createOrderWorker({
    connection: c.stack.workerConnection,
    redis: c.stack.producer,
    prefix: c.stack.prefix,
    exchange: c.exchange.client,
    symbols: c.exchange.exchangeInfo,
    alerts: c.stack.alertsQueue,
    intents: c.stack.service.intents,
    records: c.stack.records,
    audit: c.stack.audit,
    logger: c.logger,
    registry: c.registry,
    mode: c.config.mode,
    orderCap: c.config.limits.orderCap,
    queuedOrderMaxAgeMs: c.config.limits.queuedOrderMaxAgeMs,
    // The worker may only declare an order "not placed" after the REST client can no longer be
    // sending it: its time-out, then one clock resync and re-signed resend (order-lookup.ts).
    reconcile: { recvWindowMs: c.config.binance.recvWindowMs, inFlightBoundMs: 2 * c.config.binance.timeoutMs },
    ...overrides,
  });
}

export function buildAlertsWorker(c: ComponentContext, api: Api, overrides: Partial<AlertsWorkerOptions> = {}): AlertsWorker {
  return createAlertsWorker({ connection: c.stack.workerConnection, redis: c.stack.producer, api, logger: c.logger, prefix: c.stack.prefix, registry: c.registry, ...overrides });
}

/**
 * The account's user data stream → fill, cancel and expiry alerts. Every worker builds one; a
 * lease in Redis lets exactly one of them listen. Undefined when no WebSocket API URL is known.
 */
export function buildUserStreamService(
  c: ComponentContext,
  allowedUsers: readonly number[],
  overrides: Partial<UserStreamServiceDeps> = {},
): UserStreamService | undefined {
  if (!c.exchange.wsApiUrl) {
    c.logger.warn('no BINANCE_WS_API_URL: fills that happen later will not be alerted');
    return undefined;
  }
  return createUserStreamService({
    redis: c.stack.producer,
    prefix: c.stack.prefix,
    wsApiUrl: c.exchange.wsApiUrl,
    apiKey: c.exchange.apiKey,
    signer: c.exchange.signer,
    exchange: c.exchange.client,
    records: c.stack.records,
    intents: c.stack.service.intents,
    alerts: c.stack.alertsQueue,
    allowedUsers,
    symbols: c.exchange.exchangeInfo,
    logger: c.logger,
    registry: c.registry,
    ...overrides,
  });
}

/**
 * Trailing and fixed stops: evaluation at candle closes, moves, reconciliation. Closes come from
 * BullMQ job schedulers on the wall clock, and from the kline stream when the market is replayed
 * (a replay's candles close PAPER_SPEED times faster than the clock).
 */
export function buildStopManager(c: ComponentContext, overrides: Partial<StopManagerDeps> = {}): StopManager {
  const replayed = c.config.mode === 'paper' && c.config.paper.market.startsWith('replay');
  const manager = createStopManager({
    redis: c.stack.producer,
    connection: c.stack.workerConnection,
    prefix: c.stack.prefix,
    exchange: c.exchange.client,
    symbols: c.exchange.exchangeInfo,
    records: c.stack.records,
    alerts: c.stack.alertsQueue,
    audit: c.stack.audit,
    logger: c.logger,
    registry: c.registry,
    ordersQueue: c.stack.ordersQueue,
    settings: { limitOffsetPct: c.config.stops.limitOffsetPct, minMovePct: c.config.stops.minMovePct },
    streamUrl: c.exchange.streamUrl,
    schedule: !replayed,
    reconcile: { recvWindowMs: c.config.binance.recvWindowMs, inFlightBoundMs: 2 * c.config.binance.timeoutMs },
    ...overrides,
  });
  c.stack.onStopPairsChanged(() => {
    manager.syncPairs().catch((error: unknown) => c.logger.warn({ err: error }, 'stop pairs not synced; the periodic sync retries'));
  });
  return manager;
}

/** Everything createBot needs but the Telegram identity (token, apiRoot, botInfo, allow-list). */
export function botDepsOf(c: ComponentContext, overrides: { now?: () => number } = {}): Omit<BotDeps, 'token' | 'allowedUsers'> {
  const { config } = c;
  const { now } = overrides;
  return {
    mode: config.mode,
    trading: c.stack.service,
    alerts: c.stack.alertsQueue,
    exchange: c.exchange.views,
    requestBudget: c.exchange.budget,
    viewCache: c.exchange.viewCache,
    exchangeInfo: c.exchange.exchangeInfo,
    redis: c.stack.producer,
    keyPrefix: c.stack.prefix,
    logger: c.logger,
    settings: {
      balanceDustUsdt: config.balanceDustUsdt,
      confirmTtlS: config.confirmTtlS,
      topMinQuoteVolume: config.topMinQuoteVolume,
      stopDefaultInterval: config.stops.defaultInterval,
      telegramGroups: config.telegram.groups,
      marketReplay: config.mode === 'paper' && config.paper.market.startsWith('replay'),
      orderCap: config.limits.orderCap,
    },
    tickers: createTickerCache({ exchange: c.exchange.views, logger: c.logger, registry: c.registry, now }),
    stopDesk: c.stack.stops,
    stops: c.stack.stops,
    status: {
      userStream: () => readUserStreamStatus(c.stack.producer, c.stack.prefix),
      lastStopEvaluation: () => c.stack.stops.lastStopEvaluation(),
    },
    now,
  };
}
