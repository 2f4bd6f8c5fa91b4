/**
 * The Mini App on the `bot` role's HTTP server (DESIGN.md §12): the page (src/webapp, static
 * files, no build step), the vendored chart library and fonts (served from node_modules: no CDN),
 * and a JSON API under /app/api.
 *
 * - Every API call carries `Authorization: tma <initData>` (webapp-auth.ts): anything but a fresh,
 *   validly signed initData of an allowed user is 401 with an empty body. A custom header, not a
 *   cookie: another site cannot make a browser send it (no CORS is offered), and initData never
 *   sits in a URL, where proxies and access logs would keep it.
 * - Actions go through the trading service exactly as the chat's buttons do: a buy or sell is an
 *   intent priced for a card, then Confirm (at most one job per intent, whatever the entry point);
 *   a cancel is the trading service's single-order cancel; removing a stop is /stop SYMBOL off.
 * - Reads run in the trader's share of the request weight, like their chat commands.
 * - Bodies are JSON, bounded by fastify while they are read (BODY_LIMIT, chunked bodies included).
 * - /app/api/events is a Server-Sent Events stream of what changes (webapp-live.ts). It ends when
 *   the initData that opened it expires, so a page cannot outlive its sign-in.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AlertSettings } from '../alerts/alert-settings.js';
import { ALERT_KINDS, ALERT_MODES } from '../alerts/alert-settings.js';
import { KLINE_INTERVALS } from '../binance/kline-intervals.js';
import type { KlineInterval } from '../binance/types.js';
import { parseOrderRequest } from '../bot/features/orders.js';
import type { RequestBudget } from '../bot/request-budget.js';
import type { SymbolCatalog } from '../bot/symbol-arg.js';
import type { TradingMode } from '../config.js';
import { ERROR_CODES, isAppError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { StopDesk } from '../trading/stops/stop-types.js';
import type { Requester, TradingService } from '../trading/types.js';
import { createInitDataVerifier, type WebAppUser } from './webapp-auth.js';
import type { LiveEvent, LiveFeed } from './webapp-live.js';
import { chartView } from './webapp-chart-view.js';
import { activityView, equityView, ordersView, plainText, portfolioView, stopsView, type ViewDeps } from './webapp-views.js';

export interface WebAppDeps extends ViewDeps {
  botToken: string;
  allowedUsers: readonly number[];
  /** WEBAPP_AUTH_MAX_AGE_S. */
  authMaxAgeS: number;
  mode: TradingMode;
  trading: TradingService;
  /** The symbol catalogue (the exchange-info cache): what a buy or sell names is resolved in it. */
  exchangeInfo: SymbolCatalog;
  stops?: Pick<StopDesk, 'listStops' | 'removeStops'>;
  alertSettings: AlertSettings;
  requestBudget?: RequestBudget;
  live?: LiveFeed;
  logger: Logger;
  /** SSE heartbeat, ms. Default 15 000 (under the idle time-outs of common proxies). */
  heartbeatMs?: number;
}

/** Orders, cancels and settings are a few hundred bytes. */
export const BODY_LIMIT = 16 * 1024;

const here = dirname(fileURLToPath(import.meta.url));
/** src/webapp from src/http (tests) and from dist/http (the built product) alike. */
export const WEBAPP_DIR = join(here, '..', '..', 'src', 'webapp');
const require = createRequire(import.meta.url);
const CHARTS_DIR = join(dirname(require.resolve('lightweight-charts/package.json')), 'dist');
const FONTS_DIR = dirname(require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf'));

/**
 * The page may load only its own files and talk only to its own origin; Telegram's clients frame
 * it (web.telegram.org), nobody else may.
 */
const PAGE_HEADERS: Record<string, string> = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors https://web.telegram.org https://*.telegram.org",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

const CONFLICT_CODES = new Set(['CONFIRM_EXPIRED', 'CONFIRM_FOREIGN', 'CONFIRM_ALREADY_USED', 'CONFIRM_CANCELLED']);
const UNAVAILABLE_CODES = new Set(['REDIS_UNAVAILABLE', 'EXCHANGE_UNAVAILABLE', 'EXCHANGE_RATE_LIMITED', 'EXCHANGE_BUSY', 'EXCHANGE_IP_BANNED', 'BOT_SLOW_DOWN']);

const symbolSchema = z.string().trim().toUpperCase().regex(/^[A-Z0-9]{2,20}$/);
const cancelBody = z.object({ symbol: symbolSchema, orderId: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER) });
const stopBody = z.object({ symbol: symbolSchema });
const orderBody = z.object({
  side: z.enum(['BUY', 'SELL']),
  symbol: z.string().trim().min(1).max(24),
  amount: z.string().trim().min(1).max(32),
  price: z.string().trim().max(32).optional(),
});
const alertBody = z.object({ kind: z.enum(ALERT_KINDS), mode: z.enum(ALERT_MODES) });
const intentParams = z.object({ id: z.string().regex(/^[A-Za-z0-9_-]{1,40}$/) });
const chartQuery = z.object({ symbol: symbolSchema, interval: z.enum(KLINE_INTERVALS as unknown as [KlineInterval, ...KlineInterval[]]).default('1h') });
const equityQuery = z.object({ days: z.coerce.number().int().min(1).max(400).default(30) });

declare module 'fastify' {
  interface FastifyRequest {
    webAppUser?: WebAppUser;
    webAppAuthDate?: number;
  }
}

export function createWebAppPlugin(deps: WebAppDeps): FastifyPluginAsync {
  const verifier = createInitDataVerifier({ botToken: deps.botToken, maxAgeS: deps.authMaxAgeS, allowedUsers: deps.allowedUsers, ...(deps.now ? { now: deps.now } : {}) });
  const log = deps.logger.child({ module: 'webapp' });
  const now = deps.now ?? Date.now;

  const requesterOf = (request: FastifyRequest): Requester => {
    const user = request.webAppUser!;
    const displayName = user.username ? `@${user.username}` : user.firstName;
    // The Mini App is opened from the private chat with the bot: its cards' later news go there.
    return { userId: user.id, chatId: user.id, ...(displayName ? { displayName } : {}) };
  };
  /** Runs a handler's reads in the trader's share of the request weight. */
  const asTrader = <T>(request: FastifyRequest, work: () => Promise<T>): Promise<T> =>
    deps.requestBudget ? deps.requestBudget.run(request.webAppUser!.id, work) : work();

  async function authenticate(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const header = request.headers.authorization;
    const initData = typeof header === 'string' && header.startsWith('tma ') ? header.slice(4) : undefined;
    const result = verifier.check(initData);
    if (!result.ok) {
      log.info({ reason: result.reason, ip: request.ip, path: request.routeOptions.url }, 'mini app request refused');
      await reply.code(401).header('cache-control', 'no-store').send();
      return;
    }
    request.webAppUser = result.user;
    request.webAppAuthDate = result.authDate;
    void reply.header('cache-control', 'no-store');
  }

  function sendError(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
    const code = (error as { code?: unknown }).code;
    if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') return reply.code(413).header('connection', 'close').send({ error: 'HTTP_BODY_TOO_LARGE', message: ERROR_CODES.HTTP_BODY_TOO_LARGE });
    if (error instanceof z.ZodError || (typeof code === 'string' && code.startsWith('FST_ERR_CTP'))) {
      return reply.code(400).send({ error: 'BAD_REQUEST', message: 'The request is not valid.' });
    }
    if (isAppError(error)) {
      const status = CONFLICT_CODES.has(error.code) ? 409 : UNAVAILABLE_CODES.has(error.code) ? 503 : error.code === 'INTERNAL' ? 500 : 400;
      if (status >= 500) log.error({ err: error, path: request.routeOptions.url }, 'mini app request failed');
      return reply.code(status).send({ error: error.code, message: error.userMessage });
    }
    log.error({ err: error, path: request.routeOptions.url }, 'mini app request failed');
    return reply.code(500).send({ error: 'INTERNAL', message: 'Something went wrong. Try again in a minute.' });
  }

  function api(app: FastifyInstance): void {
    app.addHook('onRequest', authenticate);
    app.setErrorHandler((error, request, reply) => sendError(error, request, reply));

    app.get('/app/api/me', async (request) => ({
      user: request.webAppUser,
      mode: deps.mode,
      valuationAsset: deps.valuationAsset,
      features: { pnl: deps.ledger !== undefined, equity: deps.equity !== undefined, stops: deps.stops !== undefined },
    }));
    app.get('/app/api/portfolio', (request) => asTrader(request, () => portfolioView(deps)));
    app.get('/app/api/orders', (request) => asTrader(request, async () => ({ orders: await ordersView(deps), stops: await stopsView(deps) })));
    app.get('/app/api/chart', (request) => {
      const query = chartQuery.parse(request.query);
      return asTrader(request, () => chartView(deps, query.symbol, query.interval));
    });
    app.get('/app/api/equity', (request) => equityView(deps, equityQuery.parse(request.query).days));
    app.get('/app/api/activity', async () => ({ entries: await activityView(deps) }));
    app.get('/app/api/alerts', async (request) => ({ settings: await deps.alertSettings.get(request.webAppUser!.id), priceAlerts: [] }));

    app.post('/app/api/alerts', { bodyLimit: BODY_LIMIT }, async (request) => {
      const body = alertBody.parse(request.body);
      return { settings: await deps.alertSettings.set(request.webAppUser!.id, body.kind, body.mode) };
    });
    app.post('/app/api/orders/cancel', { bodyLimit: BODY_LIMIT }, async (request) => {
      const body = cancelBody.parse(request.body);
      return { text: plainText(await deps.trading.cancelOrder({ symbol: body.symbol, orderId: body.orderId }, requesterOf(request))) };
    });
    app.post('/app/api/stops/remove', { bodyLimit: BODY_LIMIT }, async (request) => {
      const body = stopBody.parse(request.body);
      if (!deps.stops) return { text: 'Managed stops are not available here.' };
      return { text: plainText(await deps.stops.removeStops(body.symbol, requesterOf(request))) };
    });
    app.post('/app/api/intents', { bodyLimit: BODY_LIMIT }, async (request) => {
      const body = orderBody.parse(request.body);
      return asTrader(request, async () => {
        const parsed = await parseOrderRequest(deps.exchangeInfo, body.side, [body.symbol, body.amount, body.price ?? ''].join(' ').trim());
        const card = await deps.trading.prepareOrder(parsed, requesterOf(request));
        return { intentId: card.intentId, text: plainText(card.text), expiresAt: card.expiresAt };
      });
    });
    app.post('/app/api/intents/:id/confirm', { bodyLimit: BODY_LIMIT }, async (request) => {
      const { id } = intentParams.parse(request.params);
      const outcome = await deps.trading.confirm(id, request.webAppUser!.id);
      return { status: outcome.status, text: plainText(outcome.text), answer: outcome.answer };
    });
    app.post('/app/api/intents/:id/dismiss', { bodyLimit: BODY_LIMIT }, async (request) => {
      const { id } = intentParams.parse(request.params);
      return { text: plainText(await deps.trading.dismiss(id, request.webAppUser!.id)) };
    });

    app.get('/app/api/events', (request, reply) => {
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'x-accel-buffering': 'no', connection: 'keep-alive' });
      res.write('retry: 5000\n\n');
      const send = (event: LiveEvent) => void res.write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
      const unsubscribe = deps.live?.subscribe(send) ?? (() => undefined);
      const heartbeat = setInterval(() => void res.write(': keep-alive\n\n'), deps.heartbeatMs ?? 15_000);
      // The stream ends with its sign-in; the page reconnects and learns whether it may go on.
      const expiresInMs = Math.max(0, (request.webAppAuthDate! + deps.authMaxAgeS) * 1000 - now());
      const expiry = setTimeout(() => res.end(), expiresInMs);
      const stop = () => {
        unsubscribe();
        clearInterval(heartbeat);
        clearTimeout(expiry);
      };
      res.once('close', stop);
      request.raw.once('close', stop);
    });

    app.all('/app/api/*', async (_request, reply) => reply.code(404).send({ error: 'NOT_FOUND', message: 'No such API.' }));
  }

  return async (app) => {
    await app.register(async (scope) => api(scope));

    await app.register(async (page) => {
      await page.register(fastifyStatic, {
        root: WEBAPP_DIR,
        prefix: '/app/',
        wildcard: false,
        index: ['index.html'],
        cacheControl: false,
        setHeaders: (reply) => {
          for (const [name, value] of Object.entries(PAGE_HEADERS)) void reply.header(name, value);
          void reply.header('cache-control', 'no-cache');
        },
      });
      page.get('/app', async (_request, reply) => reply.redirect('/app/', 301));
      const vendored = (path: string, dir: string, file: string) =>
        page.get(path, (_request, reply) => reply.header('cache-control', 'public, max-age=86400').header('x-content-type-options', 'nosniff').sendFile(file, dir));
      vendored('/app/vendor/lightweight-charts.js', CHARTS_DIR, 'lightweight-charts.standalone.production.js');
      vendored('/app/fonts/dejavu-sans.ttf', FONTS_DIR, 'DejaVuSans.ttf');
      vendored('/app/fonts/dejavu-sans-bold.ttf', FONTS_DIR, 'DejaVuSans-Bold.ttf');
    });
  };
}
