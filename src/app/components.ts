/**
 * The product's components built from the configuration, one function each, so the roles, the
 * benchmarks and the process tests wire them identically (a second hand-written wiring drifts).
 * The ledger's are ledger-components.ts.
 */
import type { Api } from 'grammy';
import type { Registry } from 'prom-client';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { createAlertsWorker, type AlertsWorker, type AlertsWorkerOptions } from '../alerts/alerts-worker.js';
import { createOrderWorker, type OrderWorker, type OrderWorkerOptions } from '../trading/orders/order-worker.js';
import type { BotDeps } from '../bot/bot-deps.js';
import type { LedgerService } from '../ledger/ledger-service.js';
import { createTickerCache } from '../market/ticker-cache.js';
import { createStopManager, type StopManager, type StopManagerDeps } from '../trading/stops/stop-manager.js';
import { createUserStreamService, readUserStreamStatus, type UserStreamService, type UserStreamServiceDeps } from '../alerts/user-stream-service.js';
import { createPriceAlertService, type PriceAlertService, type PriceAlertServiceDeps } from '../alerts/price-alert-service.js';
import { priceAlertFireButtons } from '../bot/features/alert.js';
import type { ExchangeConnection } from './exchange-connection.js';
import type { FastifyPluginAsync } from 'fastify';
import { createAlertSettings } from '../alerts/alert-settings.js';
import { createRedisConnection } from '../redis.js';
import { createLiveFeed } from '../http/webapp-live.js';
import { createWebAppPlugin, type WebAppDeps } from '../http/webapp-routes.js';
import type { TradingStack } from './trading-stack.js';
import { createBacktestWorker, type BacktestWorker } from '../strategies/backtest-worker.js';
import { createSignalEvaluator } from '../strategies/signal-evaluator.js';

export interface ComponentContext {
  config: Config;
  exchange: ExchangeConnection;
  stack: TradingStack;
  logger: Logger;
  registry: Registry;
  /** The P&L ledger (buildLedger): the user stream feeds it fills, the bot reads it. */
  ledger?: LedgerService;
}

/** A paper exchange replaying recorded candles, faster than the clock (PAPER_MARKET=replay…). */
const isReplayedMarket = (config: Config): boolean => config.mode === 'paper' && config.paper.market.startsWith('replay');

/** A component that needs an exchange URL the configuration may lack: without it, a warning naming what is lost, and none. */
function withUrl<T>(c: ComponentContext, url: string | undefined, missing: string, build: (url: string) => T): T | undefined {
  if (!url) {
    c.logger.warn(missing);
    return undefined;
  }
  return build(url);
}

export function buildOrderWorker(c: ComponentContext, overrides: Partial<OrderWorkerOptions> = {}): OrderWorker {
  return createOrderWorker({
    connection: c.stack.workerConnection,
    redis: c.stack.producer,
    queueConnection: c.stack.queueConnection,
    prefix: c.stack.prefix,
    exchange: c.stack.pricingClient(c.exchange.client),
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
    stopLimitOffsetPct: c.config.stops.limitOffsetPct,
    // The worker may only declare an order "not placed" after the REST client can no longer be
    // sending it: its time-out, then one clock resync and re-signed resend (order-lookup.ts).
    reconcile: { recvWindowMs: c.config.binance.recvWindowMs, inFlightBoundMs: 2 * c.config.binance.timeoutMs },
    ...overrides,
  });
}

export function buildAlertsWorker(c: ComponentContext, api: Api, overrides: Partial<AlertsWorkerOptions> = {}): AlertsWorker {
  return createAlertsWorker({
    connection: c.stack.workerConnection,
    redis: c.stack.producer,
    api,
    logger: c.logger,
    prefix: c.stack.prefix,
    registry: c.registry,
    // A /signal card is pushed by the worker: its message is tied to its intent once sent.
    attachCard: (intentId, messageId) => c.stack.service.attachCard(intentId, messageId),
    ...overrides,
  });
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
  return withUrl(c, c.exchange.wsApiUrl, 'no BINANCE_WS_API_URL: fills that happen later will not be alerted', (wsApiUrl) =>
    createUserStreamService({
      redis: c.stack.producer,
      prefix: c.stack.prefix,
      wsApiUrl,
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
      ...(c.ledger ? { onExecutionReport: c.ledger.onExecutionReport, onConnected: c.ledger.onStreamConnected } : {}),
      ...overrides,
    }),
  );
}

/**
 * Trailing and fixed stops: evaluation at candle closes, moves, reconciliation. Closes come from
 * BullMQ job schedulers on the wall clock, and from the kline stream when the market is replayed
 * (a replay's candles close PAPER_SPEED times faster than the clock).
 */
export function buildStopManager(c: ComponentContext, overrides: Partial<StopManagerDeps> = {}): StopManager {
  const replayed = isReplayedMarket(c.config);
  const manager = createStopManager({
    redis: c.stack.producer,
    connection: c.stack.workerConnection,
    queueConnection: c.stack.queueConnection,
    prefix: c.stack.prefix,
    exchange: c.stack.pricingClient(c.exchange.client),
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
    // /signal rides on the same closes and klines requests (DESIGN.md §11).
    closeListener: createSignalEvaluator({
      store: c.stack.signals,
      symbols: c.exchange.exchangeInfo,
      trading: c.stack.service,
      exchange: c.exchange.client,
      records: c.stack.records,
      alerts: c.stack.alertsQueue,
      logger: c.logger,
    }),
    ...overrides,
  });
  c.stack.onStopPairsChanged(() => {
    manager.syncPairs().catch((error: unknown) => c.logger.warn({ err: error }, 'stop pairs not synced; the periodic sync retries'));
  });
  return manager;
}

/** This process's start: part of a replayed market's history cache key. */
const PROCESS_STARTED_AT = Date.now();

/**
 * /backtest jobs: history through the `view` priority client (a backtest never spends the
 * reserve kept for orders and stops), the answer through the worker's Api. The history cache is
 * keyed by the exchange: the REST URL, and for a replayed paper market also its start, since a
 * replay is re-stamped at every start (kline-history.ts).
 */
export function buildBacktestWorker(c: ComponentContext, api: Api): BacktestWorker {
  const replayed = isReplayedMarket(c.config);
  return createBacktestWorker({
    connection: c.stack.workerConnection,
    redis: c.stack.producer,
    prefix: c.stack.prefix,
    exchange: c.exchange.client.withPriority('view'),
    symbols: c.exchange.exchangeInfo,
    api,
    logger: c.logger,
    marketKey: `${new URL(c.exchange.restUrl).host}${replayed ? `-replay-${PROCESS_STARTED_AT}` : ''}`,
  });
}

/**
 * Price and indicator alerts (/alert) evaluated from the market streams. Every worker builds one;
 * a lease per symbol lets exactly one of them watch it. Undefined when no stream URL is known.
 */
export function buildPriceAlertService(c: ComponentContext, overrides: Partial<PriceAlertServiceDeps> = {}): PriceAlertService | undefined {
  return withUrl(c, c.exchange.streamUrl, 'no BINANCE_STREAM_URL: price alerts (/alert) will not be evaluated', (streamUrl) =>
    createPriceAlertService({
      redis: c.stack.producer,
      prefix: c.stack.prefix,
      streamUrl,
      exchange: c.exchange.client,
      alerts: c.stack.alertsQueue,
      symbols: c.exchange.exchangeInfo,
      buttons: priceAlertFireButtons,
      logger: c.logger,
      registry: c.registry,
      ...overrides,
    }),
  );
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
      marketReplay: isReplayedMarket(config),
      ...(config.webApp.url ? { webAppUrl: config.webApp.url } : {}),
      signalDefaultSize: config.signalDefaultSize,
      valuationAsset: config.limits.valuationAsset,
      alertsPerUser: config.alertsPerUser,
      ...(config.limits.orderCap ? { orderCap: config.limits.orderCap } : {}),
    },
    tickers: createTickerCache({ exchange: c.exchange.views, logger: c.logger, registry: c.registry, now }),
    stopDesk: c.stack.stops,
    takeProfitDesk: c.stack.takeProfits,
    stops: c.stack.stops,
    portfolio: {
      valuationAsset: config.limits.valuationAsset,
      sampleMinutes: config.equitySampleMin,
      equity: c.stack.equity,
      ...(c.ledger ? { ledger: c.ledger.reader } : {}),
      reports: c.stack.reports,
    },
    backtests: c.stack.backtests,
    signals: c.stack.signalDesk,
    ...(c.ledger ? { ledger: c.ledger.reader, ledgerJobs: c.ledger.jobs } : {}),
    status: {
      userStream: () => readUserStreamStatus(c.stack.producer, c.stack.prefix),
      lastStopEvaluation: () => c.stack.stops.lastStopEvaluation(),
    },
    now,
  };
}

/**
 * The Mini App's server side (DESIGN.md §12) for the `bot` role's HTTP server: its plugin, and the
 * live feed's own blocking Redis connection to close at shutdown. The ledger and the net value
 * history are optional: without them the page shows values without P&L, and no equity chart.
 */
export function buildWebApp(c: ComponentContext, redisUrl: string, overrides: Partial<WebAppDeps> = {}): { plugin: FastifyPluginAsync; close(): Promise<void> } {
  const live = createLiveFeed({ redis: createRedisConnection(redisUrl, 'worker', c.logger, 'chatops-webapp-live'), prefix: c.stack.prefix, logger: c.logger });
  const plugin = createWebAppPlugin({
    botToken: c.config.telegram.token!,
    allowedUsers: c.config.telegram.allowedUsers,
    authMaxAgeS: c.config.webApp.authMaxAgeS,
    mode: c.config.mode,
    valuationAsset: c.config.limits.valuationAsset,
    trading: c.stack.service,
    exchange: c.exchange.views,
    exchangeInfo: c.exchange.exchangeInfo,
    symbols: c.exchange.exchangeInfo,
    audit: c.stack.audit,
    stops: c.stack.stops,
    alertSettings: createAlertSettings({ redis: c.stack.producer, prefix: c.stack.prefix }),
    requestBudget: c.exchange.budget,
    live,
    logger: c.logger,
    equity: c.stack.equity,
    ...(c.ledger ? { ledger: c.ledger.reader } : {}),
    ...overrides,
  });
  return { plugin, close: () => live.close() };
}
