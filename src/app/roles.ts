/**
 * Role wiring (DESIGN.md §1): which pieces each role starts, in which order. No logic lives here.
 *
 * Closers run in reverse order of registration, so everything is registered in start order:
 * Redis → exchange → queues → workers → bot. On SIGTERM the bot stops taking updates first, then
 * the workers finish their running jobs, then sockets close, then Redis.
 */
import { Api } from 'grammy';
import type { Registry } from 'prom-client';
import type { Config, Role } from '../config.js';
import type { Logger } from '../logger.js';
import type { Lifecycle } from './lifecycle.js';
import { startHealthServer, type HealthCheck } from '../http/health-server.js';
import { resolveRedis } from '../redis.js';
import { runSimRole } from '../sim/sim-role.js';
import { createAlertsApi } from '../alerts/alerts-worker.js';
import { createBot } from '../bot/create-bot.js';
import { syncCommands } from '../bot/command-table.js';
import { startPolling } from '../bot/run-bot.js';
import { createWebhookRoute, registerWebhook, webhookPathOf, type Route } from '../http/webhook.js';
import { createConsoleSession } from '../bot/console-session.js';
import { connectExchange, type ExchangeConnection } from './exchange-connection.js';
import { createTradingStack, type TradingStack } from './trading-stack.js';
import { botDepsOf, buildAlertsWorker, buildBacktestWorker, buildOrderWorker, buildPriceAlertService, buildStopManager, buildUserStreamService, buildWebApp } from './components.js';
import { buildEquitySampler, buildLedger, buildReportWorker } from './ledger-components.js';
import { setWebAppMenuButton } from '../bot/features/app.js';
import type { FastifyPluginAsync } from 'fastify';
import type { LedgerService } from '../ledger/ledger-service.js';

export interface RoleContext {
  config: Config;
  logger: Logger;
  lifecycle: Lifecycle;
  registry: Registry;
  /** Ends the process cleanly (the console role calls it on EOF or /quit). */
  stop: () => void;
}

/** The Telegram user id the console chat types as (it is always allowed). */
export const CONSOLE_USER_ID = 100_000_001;

export async function startRole(role: Role, ctx: RoleContext): Promise<void> {
  const { config, logger, lifecycle, registry } = ctx;
  const checks: HealthCheck[] = [];
  const routes: Route[] = [];
  const plugins: FastifyPluginAsync[] = [];

  if (role === 'sim') {
    const sim = await runSimRole(config, logger);
    lifecycle.onClose('sim', () => sim.close());
  } else {
    const redis = await resolveRedis(config, logger);
    lifecycle.onClose('redis-server', () => redis.close());
    const exchange = await connectExchange(role, config, logger, registry);
    lifecycle.onClose('exchange', () => exchange.close());
    const stack = createTradingStack({ config, redisUrl: redis.url, exchange, logger, registry });
    lifecycle.onClose('trading', () => stack.close(), 15_000);
    checks.push({ name: 'redis', check: async () => (await stack.producer.ping()) === 'PONG' });
    const ledger = buildLedger({ config, exchange, stack, logger, registry }, role !== 'bot');
    lifecycle.onClose('ledger', () => ledger.close(), 15_000);

    if (role === 'console') {
      await startConsole(ctx, exchange, stack, ledger);
      return; // no HTTP server: the console is a single-user local tool
    }
    if (role === 'worker' || role === 'all') {
      startWorkers(ctx, exchange, stack, createAlertsApi({ token: config.telegram.token!, apiRoot: config.telegram.apiRoot }), config.telegram.allowedUsers, ledger);
    }
    if (role === 'bot' || role === 'all') {
      const route = await startTelegramBot(ctx, exchange, stack, ledger);
      if (route) routes.push(route);
      const webApp = buildWebApp({ config, exchange, stack, logger, registry, ledger }, redis.url);
      lifecycle.onClose('webapp', () => webApp.close());
      plugins.push(webApp.plugin);
    }
  }

  const http = await startHealthServer({ port: config.port, host: config.host, registry, checks, routes, plugins, logger });
  lifecycle.onClose('http', () => http.close());
  logger.info({ role, mode: config.mode, host: http.host, port: http.port }, 'started');
}

function startWorkers(ctx: RoleContext, exchange: ExchangeConnection, stack: TradingStack, api: Api, allowedUsers: readonly number[], ledger: LedgerService): void {
  const components = { config: ctx.config, exchange, stack, logger: ctx.logger, registry: ctx.registry, ledger };
  void ledger.start().catch((error: unknown) => ctx.logger.error({ err: error }, 'the P&L ledger failed to start'));
  const orderWorker = buildOrderWorker(components);
  ctx.lifecycle.onClose('order-worker', () => orderWorker.close(), 30_000);
  const alertsWorker = buildAlertsWorker(components, api);
  ctx.lifecycle.onClose('alerts-worker', () => alertsWorker.close(), 15_000);
  const stopManager = buildStopManager(components);
  void Promise.resolve(stopManager.start()).catch((error: unknown) => ctx.logger.error({ err: error }, 'stop manager failed to start'));
  ctx.lifecycle.onClose('stop-manager', () => stopManager.close(), 15_000);
  const backtestWorker = buildBacktestWorker(components, api);
  ctx.lifecycle.onClose('backtest-worker', () => backtestWorker.close(), 15_000);
  const priceAlerts = buildPriceAlertService(components);
  if (priceAlerts) {
    void priceAlerts.start().catch((error: unknown) => ctx.logger.error({ err: error }, 'price alerts failed to start'));
    ctx.lifecycle.onClose('price-alerts', () => priceAlerts.close());
  }
  const userStream = buildUserStreamService(components, allowedUsers);
  if (userStream) {
    userStream.start();
    ctx.lifecycle.onClose('user-stream', () => userStream.close());
  }
  const equitySampler = buildEquitySampler(components);
  void equitySampler.start().catch((error: unknown) => ctx.logger.error({ err: error }, 'net value sampler failed to start'));
  ctx.lifecycle.onClose('equity-sampler', () => equitySampler.close(), 15_000);
  const reportWorker = buildReportWorker(components);
  void reportWorker.start().catch((error: unknown) => ctx.logger.error({ err: error }, 'daily reports failed to start'));
  ctx.lifecycle.onClose('report-worker', () => reportWorker.close(), 15_000);
}

async function startTelegramBot(ctx: RoleContext, exchange: ExchangeConnection, stack: TradingStack, ledger: LedgerService): Promise<Route | undefined> {
  const { config, logger, lifecycle } = ctx;
  const bot = createBot({
    ...botDepsOf({ config, exchange, stack, logger, registry: ctx.registry, ledger }),
    token: config.telegram.token!,
    apiRoot: config.telegram.apiRoot,
    allowedUsers: config.telegram.allowedUsers,
  });
  if (config.telegram.allowedUsers.length === 0) logger.warn('TELEGRAM_ALLOWED_USERS is empty: the bot will refuse everyone');
  await bot.init();
  await syncCommands(bot).catch((error: unknown) => logger.warn({ err: error }, 'setMyCommands failed; the command menu may be stale'));
  if (config.webApp.url) {
    await setWebAppMenuButton(bot.api, config.webApp.url).catch((error: unknown) => logger.warn({ err: error }, 'setChatMenuButton failed; the menu button does not open the Mini App'));
  }

  if (config.telegram.webhookUrl) {
    const route = createWebhookRoute(bot, { path: webhookPathOf(config.telegram.webhookUrl), secretToken: config.telegram.webhookSecret!, logger });
    await registerWebhook(bot, { url: config.telegram.webhookUrl, secretToken: config.telegram.webhookSecret! });
    logger.info({ path: webhookPathOf(config.telegram.webhookUrl) }, 'webhook registered');
    return route;
  }
  const polling = await startPolling(bot, { logger });
  lifecycle.onClose('bot-polling', () => polling.stop(), 20_000);
  return undefined;
}

async function startConsole(ctx: RoleContext, exchange: ExchangeConnection, stack: TradingStack, ledger: LedgerService): Promise<void> {
  const { config, logger, lifecycle } = ctx;
  // Message numbers go on from the last run (the private Redis keeps its data), so a card's
  // expiry queued then cannot edit a message of this run.
  const lastIdKey = `${stack.prefix}:console:last-message-id`;
  const lastId = Number(await stack.producer.get(lastIdKey)) || 0;
  const messageIds = {
    first: lastId + 1,
    taken: (id: number) => void stack.producer.set(lastIdKey, String(id)).catch((error: unknown) => logger.warn({ err: error }, 'could not record the console message number')),
  };
  const session = createConsoleSession({ input: process.stdin, output: process.stdout, userId: CONSOLE_USER_ID, messageIds });
  const api = new Api('console');
  api.config.use(session.transformer);
  startWorkers(ctx, exchange, stack, api, [CONSOLE_USER_ID], ledger);
  const bot = createBot({
    ...botDepsOf({ config, exchange, stack, logger, registry: ctx.registry, ledger }),
    token: 'console',
    botInfo: session.botInfo,
    allowedUsers: [CONSOLE_USER_ID],
    autoRetry: false,
  });
  session.attach(bot);
  lifecycle.onClose('console', () => session.close());
  process.stdout.write(
    `binance-chatops console — ${config.mode.toUpperCase()} mode${exchange.paper ? `, market: ${config.paper.market}` : ''}. ` +
      'Type /help; 2.1 presses button 1 of message 2; /quit or Ctrl-D ends.\n',
  );
  void session.start().then(ctx.stop, ctx.stop);
}
