/**
 * The Mini App served as the `bot` role serves it: the stop harness's product (the simulator over
 * HTTP with a programmatic market, real Redis, the trading service with the stop desk, the order
 * worker and the stop manager) behind the HTTP server with the Mini App plugin, its live feed on
 * its own blocking connection, and an in-memory net value history.
 *
 *   const w = await startWebApp();
 *   const res = await w.get('/app/api/portfolio', w.initDataFor(TRADER_USER));
 */
import { Registry } from 'prom-client';
import { createAlertSettings } from '../../src/alerts/alert-settings.js';
import { startHealthServer, type HealthServer } from '../../src/http/health-server.js';
import { signInitData } from '../../src/http/webapp-auth.js';
import { createLiveFeed, type LiveFeed } from '../../src/http/webapp-live.js';
import { createWebAppPlugin, type WebAppDeps } from '../../src/http/webapp-routes.js';
import type { EquityReader } from '../../src/ledger/ledger-types.js';
import { createLogger } from '../../src/logger.js';
import { createRedisConnection } from '../../src/redis.js';
import type { ProgrammaticFeed } from '../../src/sim/types.js';
import { startStopHarness, TRADER_USER, type StopHarness, type StopHarnessOptions } from '../trading/stop-harness.js';
import type { UpdateUser } from './fake-bot-api.js';
import { testRedisUrl } from './redis.js';

/** The bot token the Mini App's initData is signed with (the fake Bot API's shape). */
export const WEBAPP_BOT_TOKEN = '123456:webapp-test-token_0123456789abcdef';

export interface WebAppHarness {
  stops: StopHarness<ProgrammaticFeed>;
  http: HealthServer;
  live: LiveFeed;
  /** http://127.0.0.1:<port> */
  base: string;
  /** initData as Telegram signs it for `user`, `ageS` seconds old (default 0). */
  initDataFor(user: UpdateUser, options?: { ageS?: number; token?: string }): string;
  get(path: string, initData?: string): Promise<Response>;
  post(path: string, body: unknown, initData?: string): Promise<Response>;
  close(): Promise<void>;
}

export interface WebAppHarnessOptions {
  stops?: StopHarnessOptions<ProgrammaticFeed | undefined>;
  equity?: EquityReader;
  allowedUsers?: number[];
  authMaxAgeS?: number;
  overrides?: Partial<WebAppDeps>;
}

export async function startWebApp(options: WebAppHarnessOptions = {}): Promise<WebAppHarness> {
  const logger = createLogger({ level: 'silent' });
  const stops = await startStopHarness<ProgrammaticFeed>({ sim: { balances: { BTC: '1', USDT: '10000' } }, ...options.stops });
  const live = createLiveFeed({ redis: createRedisConnection(testRedisUrl(), 'worker'), prefix: stops.prefix, logger, blockMs: 1_000 });
  const plugin = createWebAppPlugin({
    botToken: WEBAPP_BOT_TOKEN,
    allowedUsers: options.allowedUsers ?? [TRADER_USER.id, 1002],
    authMaxAgeS: options.authMaxAgeS ?? 3600,
    mode: 'paper',
    valuationAsset: 'USDT',
    trading: stops.service,
    exchange: stops.exchange,
    exchangeInfo: stops.cache,
    symbols: stops.cache,
    audit: stops.service.audit,
    stops: stops.desk,
    alertSettings: createAlertSettings({ redis: stops.producer, prefix: stops.prefix }),
    live,
    logger,
    heartbeatMs: 1_000,
    ...(options.equity ? { equity: options.equity } : {}),
    ...options.overrides,
  });
  const http = await startHealthServer({ port: 0, host: '127.0.0.1', registry: new Registry(), checks: [], logger, plugins: [plugin] });
  const base = `http://127.0.0.1:${http.port}`;
  const auth = (initData?: string): Record<string, string> => (initData === undefined ? {} : { authorization: `tma ${initData}` });
  return {
    stops,
    http,
    live,
    base,
    initDataFor(user, o = {}) {
      return signInitData(o.token ?? WEBAPP_BOT_TOKEN, {
        query_id: 'AAHdF6IQAAAAAN0XohDhrOrc',
        user: { id: user.id, first_name: user.first_name, ...(user.username ? { username: user.username } : {}), language_code: 'en' },
        auth_date: Math.floor(Date.now() / 1000) - (o.ageS ?? 0),
      });
    },
    get: (path, initData) => fetch(`${base}${path}`, { headers: auth(initData) }),
    post: (path, body, initData) => fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...auth(initData) }, body: JSON.stringify(body) }),
    async close() {
      await http.close();
      await live.close();
      await stops.close();
    },
  };
}
