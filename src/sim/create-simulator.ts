/**
 * The paper exchange, wired: feed → matching engine → REST routes and WebSocket endpoints on one
 * HTTP server, with persistence, rate limits and fault injection. Nothing listens until `start()`.
 *
 * The simulator owns the feed it is given: `start()` starts it, `close()` closes it.
 */
import type { Logger } from 'pino';
import type { ExchangeInfo, Order, RateLimit } from '../binance/types.js';
import { createAccounts, type AssetBalance } from './engine/accounts.js';
import { createFaultPlan, type FaultControl } from './faults.js';
import { createHttpServer, type RequestLogEntry } from './http/http-server.js';
import { createMatchingEngine, type EngineOptions } from './engine/matching-engine.js';
import { createOrderBook, isOpen } from './engine/order-book.js';
import { createOrderLists } from './engine/order-lists.js';
import { createTradeHistory } from './engine/trade-history.js';
import { precisionOf, renderQueriedOrder } from './engine/order-format.js';
import { createRateLimiter, type RateLimitOptions } from './http/rate-limits.js';
import { createRequestAuth, type ApiCredential } from './http/request-auth.js';
import { createRoutes } from './http/rest-routes.js';
import { createStateStore, type PaperState, type StateStore } from './state-store.js';
import { bundledExchangeInfo, createSymbolCatalog } from './engine/symbol-catalog.js';
import { marketBook } from './engine/book-model.js';
import { checkAllRead } from './http/route-params.js';
import type { MarketFeed, RestDispatcher, UserEventSource, WsApiAuthenticator, WsEndpoint } from './types.js';
import { SimError } from './sim-error.js';

export interface SimulatorOptions extends EngineOptions, RateLimitOptions {
  /** Closed orders kept in the state file. Default 1000. */
  persistedClosedOrders?: number;
  /** Finished REST requests kept for `control.requests()`, oldest dropped first. Default 10 000 (Infinity: all). */
  keptRequests?: number;
}

/** What a WebSocket endpoint factory gets (the user data stream and market streams). */
export interface WebSocketContext {
  userEvents: UserEventSource;
  /** The REST handlers, for the WebSocket API's trading and account methods. */
  rest: RestDispatcher;
  auth: WsApiAuthenticator;
  feed: MarketFeed;
  logger: Logger;
  /** Server time (with any injected clock skew), epoch ms. */
  clock: () => number;
}

export interface SimulatorDeps {
  feed: MarketFeed;
  logger: Logger;
  /** The API keys the exchange accepts (all trade the one paper account). */
  credentials: readonly ApiCredential[];
  /** Starting balances when no saved state exists. Default USDT=10000. */
  balances?: Record<string, string>;
  /** Where state is saved; in memory only when absent. */
  dataDir?: string;
  /** Symbol rules; default the bundled real capture (symbol-catalog.ts). */
  exchangeInfo?: ExchangeInfo;
  options?: SimulatorOptions;
  webSockets?: (ctx: WebSocketContext) => WsEndpoint[];
}

export interface SimulatorUrls {
  /** REST root, like https://api.binance.com (the client appends /api/v3/...). */
  restUrl: string;
  /** WebSocket API, like wss://ws-api.binance.com:443/ws-api/v3. */
  wsApiUrl: string;
  /** Market streams root, like wss://stream.binance.com:9443 (append /ws/<stream> or /stream?streams=). */
  streamUrl: string;
  port: number;
}

export interface SimulatorControl {
  faults: FaultControl;
  /** Every order kept (open and closed), as GET /api/v3/order shows them, oldest first. */
  orders(symbol?: string): Order[];
  /** Balances as canonical decimal strings. */
  balances(): Record<string, AssetBalance>;
  /**
   * The finished REST requests, oldest first: at least the last `keptRequests` (a paper exchange
   * that runs for days must not keep one entry per request it ever answered).
   */
  requests(): RequestLogEntry[];
  /** Moves the server clock (ms); a client must resync its offset from GET /api/v3/time. */
  setClockOffset(ms: number): void;
  /** Sets an asset's free balance (its locked part unchanged). */
  setBalance(asset: string, free: string): void;
  /** Back to the starting balances, no orders, no faults, fresh limits and request log. */
  reset(): void;
}

export interface Simulator {
  readonly control: SimulatorControl;
  readonly userEvents: UserEventSource;
  readonly auth: WsApiAuthenticator;
  start(options?: { port?: number; host?: string }): Promise<SimulatorUrls>;
  /** Flushes state, closes sockets and the feed. */
  close(): Promise<void>;
}

export function createSimulator(deps: SimulatorDeps): Simulator {
  const logger = deps.logger.child({ module: 'paper-exchange' });
  const options = deps.options ?? {};
  const feed = deps.feed;
  const initialBalances = deps.balances ?? { USDT: '10000' };
  let skewMs = 0;
  const clock = () => Date.now() + skewMs;

  const info = withRateLimits(deps.exchangeInfo ?? bundledExchangeInfo(), options);
  const catalog = createSymbolCatalog(info, () => feed.symbols());
  const accounts = createAccounts(initialBalances);
  const book = createOrderBook();
  const limiter = createRateLimiter(options);
  const store: StateStore | undefined = deps.dataDir === undefined ? undefined : createStateStore({ dir: deps.dataDir, logger });

  const snapshot = (): PaperState => {
    const keep = options.persistedClosedOrders ?? 1000;
    const all = book.all();
    const closed = all.filter((o) => !isOpen(o));
    const keptClosed = new Set(closed.slice(-keep));
    return {
      version: 1,
      savedAt: Date.now(),
      balances: accounts.snapshot(),
      orders: all.filter((o) => isOpen(o) || keptClosed.has(o)),
      counters: engine.counters(),
      orderLists: lists.snapshot(),
      trades: trades.snapshot(),
    };
  };
  const persist = () => store?.schedule(snapshot);

  // Order lists react to every engine change (a leg filled, triggered or cancelled) before it is saved.
  const lists = createOrderLists({ engine: () => engine, book, clock, price: (s) => feed.price(s) });
  const engine = createMatchingEngine({
    symbol: (s) => catalog.get(s),
    accounts,
    book,
    price: (s) => feed.price(s),
    liquidity: (s, center) => marketBook(feed, catalog.get(s), center),
    clock,
    options,
    onChange: () => {
      lists.sync();
      persist();
    },
    beforeExecution: (order, kind, now) => lists.beforeExecution(order, kind, now),
  });
  const trades = createTradeHistory(engine, { onChange: persist });
  /** The user data stream: the engine's executionReports and balances, and the lists' listStatus, in the order they happen. */
  const userEvents: UserEventSource = {
    onUserEvent(listener) {
      const offEngine = engine.onUserEvent(listener);
      const offLists = lists.onUserEvent(listener);
      return () => {
        offEngine();
        offLists();
      };
    },
  };

  const saved = store?.load();
  if (saved !== undefined) {
    accounts.replace(saved.balances);
    for (const order of saved.orders) book.add(order);
    engine.restoreCounters(saved.counters);
    if (saved.orderLists !== undefined) lists.restore(saved.orderLists);
    if (saved.trades !== undefined) trades.restore(saved.trades);
    logger.info({ openOrders: book.allOpen().length, path: store!.path }, 'paper exchange state restored');
  }

  const auth = createRequestAuth(deps.credentials, clock);
  let endpoints: WsEndpoint[] = [];
  const faults = createFaultPlan({ setClockSkew: (ms) => (skewMs = ms), endpoints: () => endpoints });
  let requestLog: RequestLogEntry[] = [];
  const keptRequests = options.keptRequests ?? 10_000;
  const routes = createRoutes({ catalog, feed, engine, accounts, book, limiter, clock, commissionRate: options.commissionRate ?? '0.001', lists, trades });
  const routeTable = new Map(routes.map((r) => [`${r.method} ${r.path}`, r]));
  const rest: RestDispatcher = {
    call(method, path, params) {
      const route = routeTable.get(`${method} ${path}`);
      if (route === undefined) throw new SimError(400, -1020, 'This operation is not supported.');
      const weight = route.weight(params);
      // The same checks as over REST (http-server.ts): unread parameters, then the ORDERS limits,
      // counting only what the handler accepted.
      if (route.params !== undefined) checkAllRead(params, route.params, route.security === 'SIGNED');
      if (route.placesOrder) limiter.checkOrderLimit(clock());
      const result = route.handle({ params, now: clock() });
      if (route.placesOrder) limiter.countOrders(result.ordersCounted ?? 1, clock());
      const status = result.status ?? 200;
      // Successful order and cancel calls cost no weight over either API (CHANGELOG 2026-04-02).
      return { status, body: result.body, weight: route.freeOnSuccess && status === 200 ? 0 : weight };
    },
  };
  const http = createHttpServer({
    routes,
    auth,
    limiter,
    faults,
    endpoints: () => endpoints,
    clock,
    logger,
    onRequest: (entry) => {
      requestLog.push(entry);
      // Trimmed a tenth of the bound at a time, not one shift per request.
      if (requestLog.length > keptRequests * 1.1) requestLog.splice(0, requestLog.length - keptRequests);
    },
  });
  endpoints = deps.webSockets?.({ userEvents, rest, auth, feed, logger, clock }) ?? [];

  let unsubscribe: (() => void) | undefined;
  let started = false;

  const control: SimulatorControl = {
    faults,
    orders: (symbol) => book.all(symbol).map((o) => renderQueriedOrder(o, precisionOf(catalog.get(o.symbol)))),
    balances: () => accounts.snapshot(),
    requests: () => [...requestLog],
    setClockOffset: (ms) => (skewMs = ms),
    setBalance(asset, free) {
      const locked = accounts.get(asset).locked;
      accounts.replace({ ...accounts.snapshot(), [asset]: { free, locked } });
      persist();
    },
    reset() {
      book.clear();
      lists.clear();
      trades.clear();
      accounts.replace(Object.fromEntries(Object.entries(initialBalances).map(([a, free]) => [a, { free, locked: '0' }])));
      faults.clear();
      limiter.reset();
      requestLog = [];
      skewMs = 0;
      persist();
    },
  };

  return {
    control,
    userEvents,
    auth,
    async start(opts = {}) {
      if (started) throw new Error('the simulator is already started');
      started = true;
      unsubscribe = feed.onTick((tick) => {
        try {
          engine.onTick(tick);
        } catch (err) {
          // One bad tick must not stop the feed; the order stays as it was and the next tick retries.
          logger.error({ err, symbol: tick.symbol }, 'matching a tick failed');
        }
      });
      await feed.start();
      const host = opts.host ?? '127.0.0.1';
      const port = await http.listen(opts.port ?? 0, host);
      const shownHost = host.includes(':') ? `[${host}]` : host;
      const urls = {
        restUrl: `http://${shownHost}:${port}`,
        wsApiUrl: `ws://${shownHost}:${port}/ws-api/v3`,
        streamUrl: `ws://${shownHost}:${port}`,
        port,
      };
      logger.debug({ restUrl: urls.restUrl }, 'paper exchange listening');
      return urls;
    },
    async close() {
      unsubscribe?.();
      await Promise.allSettled(endpoints.map((e) => e.close()));
      await http.close();
      await feed.close();
      await store?.flush();
    },
  };
}

/** The served rateLimits follow the configured limits, so clients read what they will get. */
function withRateLimits(info: ExchangeInfo, options: RateLimitOptions): ExchangeInfo {
  const rateLimits = info.rateLimits.map((l): RateLimit => {
    if (l.rateLimitType === 'REQUEST_WEIGHT' && l.interval === 'MINUTE' && options.weightPerMinute !== undefined) {
      return { ...l, limit: options.weightPerMinute };
    }
    if (l.rateLimitType === 'ORDERS' && l.interval === 'SECOND' && options.ordersPer10s !== undefined) {
      return { ...l, limit: options.ordersPer10s };
    }
    if (l.rateLimitType === 'ORDERS' && l.interval === 'DAY' && options.ordersPerDay !== undefined) {
      return { ...l, limit: options.ordersPerDay };
    }
    return l;
  });
  return { ...info, rateLimits };
}
