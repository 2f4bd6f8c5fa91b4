/**
 * The real grammY bot for the market views, built as production builds it (test-stack.ts and
 * botDepsOf: the metered views, the view and ticker caches), wired to real HTTP on both sides:
 * the fake Telegram Bot API and the Binance stub serving real captured payloads (the 2024-03-10
 * all-symbols ticker, the 2023-10 mainnet exchangeInfo, BTCUSDT klines). The trading service is
 * never reached by /top, /ta or /price: it is replaced by one whose every call fails the test.
 */
import type { UserFromGetMe } from 'grammy/types';
import { botDepsOf } from '../../src/app/components.js';
import type { RestClient } from '../../src/binance/rest-client.js';
import { createSigner } from '../../src/binance/signing.js';
import type { KlineRow, Ticker24h } from '../../src/binance/types.js';
import type { ActiveStopLookup } from '../../src/bot/bot-deps.js';
import { createBot } from '../../src/bot/create-bot.js';
import { createLogger } from '../../src/logger.js';
import type { TradingService } from '../../src/trading/types.js';
import { startBinanceStub, type BinanceStub } from '../support/binance-stub-server.js';
import { FAKE_BOT_USER, startFakeBotApi, type FakeBotApi } from '../support/fake-bot-api.js';
import { EXCHANGE_INFO_FIXTURES, fixture, KLINE_FIXTURES, TICKER_FIXTURE } from '../support/fixtures.js';
import { uniquePrefix } from '../support/redis.js';
import { startTestStack } from '../support/test-stack.js';

export const TICKER_ROUTE = 'GET /api/v3/ticker/24hr';
export const KLINES_ROUTE = 'GET /api/v3/klines';
export const tickers = fixture<Ticker24h[]>(TICKER_FIXTURE);

/** Raw 12-field BTCUSDT rows by interval, as GET /api/v3/klines sends them. */
export const KLINE_ROWS: Record<string, KlineRow[]> = {
  '15m': fixture<KlineRow[]>(KLINE_FIXTURES.raw15m),
  '1d': fixture<KlineRow[]>(KLINE_FIXTURES.raw1d),
  '5m': fixture<KlineRow[]>(KLINE_FIXTURES.raw5m),
};

export interface MarketBot {
  api: FakeBotApi;
  stub: BinanceStub;
  client: RestClient;
  bot: ReturnType<typeof createBot>;
  /** The clock the bot reads (Date.now unless a test sets it). */
  clock: { now: number | undefined };
  handle(update: Record<string, unknown>): Promise<void>;
  close(): Promise<void>;
}

const unusedTrading = new Proxy({} as TradingService, {
  get: (_target, method) => () => Promise.reject(new Error(`trading.${String(method)} must not be called by a market view`)),
});

export async function startMarketBot(options: { allowedUsers: number[]; tickerDelayMs?: number; stops?: ActiveStopLookup }): Promise<MarketBot> {
  const logger = createLogger({ level: 'silent' });
  const api = await startFakeBotApi();
  const stub = await startBinanceStub({ apiKey: 'public-endpoints-only', apiSecret: 'public-endpoints-only' });
  stub.route(TICKER_ROUTE, (request) => {
    const symbol = request.params.get('symbol');
    if (symbol === null) return { body: tickers, delayMs: options.tickerDelayMs ?? 0 };
    const one = tickers.find((t) => t.symbol === symbol);
    return one ? { body: one } : { status: 400, body: { code: -1121, msg: 'Invalid symbol.' } };
  });
  stub.route('GET /api/v3/exchangeInfo', { body: fixture(EXCHANGE_INFO_FIXTURES.mainnet2023SymbolsOnly) });
  // No avgPrice capture exists: this is the response example of rest-api.md "Current average price".
  stub.route('GET /api/v3/avgPrice', { body: { mins: 5, price: '9.35751834', closeTime: 1694061154503 } });
  stub.route(KLINES_ROUTE, (request) => {
    const rows = request.params.get('symbol') === 'BTCUSDT' ? KLINE_ROWS[request.params.get('interval') ?? ''] : undefined;
    if (!rows) return { status: 400, body: { code: -1121, msg: 'Invalid symbol.' } };
    const limit = Number(request.params.get('limit') ?? 500);
    return { body: rows.slice(-limit) };
  });

  const clock: MarketBot['clock'] = { now: undefined };
  const now = () => clock.now ?? Date.now();
  const components = startTestStack({
    exchange: { restUrl: stub.url, apiKey: 'public-endpoints-only', signer: createSigner({ apiSecret: 'public-endpoints-only' }) },
    logger,
    prefix: uniquePrefix('market'),
    allowedUsers: options.allowedUsers,
    telegram: api,
    env: { TOP_MIN_QUOTE_VOLUME: '100000' },
    rest: { readRetries: 0 },
    now,
  });
  const bot = createBot({
    ...botDepsOf(components, { now }),
    token: api.token,
    apiRoot: api.apiRoot,
    botInfo: FAKE_BOT_USER as UserFromGetMe,
    allowedUsers: options.allowedUsers,
    trading: unusedTrading,
    autoRetry: false,
    ...(options.stops ? { stops: options.stops } : {}),
  });

  return {
    api,
    stub,
    client: components.exchange.client,
    bot,
    clock,
    // As polling and the runner do: a failed update goes to bot.catch's handler (the reply to the user).
    async handle(update) {
      try {
        await bot.handleUpdate(update as never);
      } catch (error) {
        await bot.errorHandler(error as never);
      }
    },
    async close() {
      await components.close();
      await Promise.all([api.close(), stub.close()]);
    },
  };
}
