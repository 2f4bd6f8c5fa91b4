/**
 * What the bot is built from (`createBot(deps)`): everything is passed in, nothing is a
 * singleton, so tests, the console and production build the same bot with different parts.
 */
import type { AutoRetryOptions } from '@grammyjs/auto-retry';
import type { UserFromGetMe } from 'grammy/types';
import type { Redis } from 'ioredis';
import type { KlineInterval } from '../binance/types.js';
import type { ExchangeClient } from '../binance/exchange-client.js';
import type { OrderCap, TradingMode } from '../config.js';
import type { Logger } from '../logger.js';
import type { TakeProfitDesk } from '../trading/brackets/take-profit-desk.js';
import type { EquityStore } from '../ledger/equity-store.js';
import type { LedgerReader } from '../ledger/ledger-types.js';
import type { ReportSchedule } from '../ledger/report-schedule.js';
import type { TickerCache } from '../market/ticker-cache.js';
import type { LedgerJobs } from '../ledger/ledger-jobs.js';
import type { StopDesk } from '../trading/stops/stop-types.js';
import type { BacktestsQueue } from '../strategies/backtests-queue.js';
import type { SignalDesk } from '../strategies/signal-desk.js';
import type { AlertSink, TradingService } from '../trading/types.js';
import type { RequestBudget } from './request-budget.js';
import type { SymbolCatalog } from './symbol-arg.js';
import type { ViewReads } from './view-cache.js';

/** State of the user data stream for /status (the user-stream service publishes it). */
export interface UserStreamStatus {
  state: 'connected' | 'connecting' | 'disconnected' | 'not-running';
  /** Epoch ms of the last event or (re)connect. */
  since?: number;
  /** Which worker holds the stream lease (host:pid:random), for operators' logs; not shown in chat. */
  holder?: string;
}

/** The last trailing-stop evaluation for /status (the stop manager records it). */
export interface StopEvaluationStatus {
  at: number;
  /** e.g. "3 stops checked, 1 moved". */
  summary: string;
}

/** The managed stop on a symbol, drawn on the /fractals chart. */
export interface ActiveStop {
  stopPrice: string;
  entryPrice: string;
}

/** Looks up the active managed stop of a symbol (the stop desk answers it). */
export interface ActiveStopLookup {
  activeStop(symbol: string): Promise<ActiveStop | undefined>;
}

export interface BotStatusProviders {
  userStream?(): UserStreamStatus | Promise<UserStreamStatus>;
  lastStopEvaluation?(): StopEvaluationStatus | undefined | Promise<StopEvaluationStatus | undefined>;
}

export interface BotSettings {
  /** Balances worth less than this (USDT) fold into one line in /balance. */
  balanceDustUsdt: string;
  /** Lifetime of a multi-order /cancel confirmation, seconds (CONFIRM_TTL_S). */
  confirmTtlS: number;
  /** MAX_ORDER_VALUE with its currency, shown in /help and /status when set. */
  orderCap?: OrderCap;
  /** TOP_MIN_QUOTE_VOLUME (in USDT): /top leaves out pairs with less 24h volume. Default "100000". */
  topMinQuoteVolume?: string;
  /** STOP_DEFAULT_INTERVAL: the interval of /fractals (and fractal stops) when none is given. Default "4h". */
  stopDefaultInterval?: KlineInterval;
  /** TELEGRAM_GROUPS=on: account commands and buttons also work in groups. Default off (private chats only). */
  telegramGroups?: boolean;
  /** ALERTS_PER_USER: price alerts (/alert) one user may hold. Default 50. */
  alertsPerUser?: number;
  /** PAPER_MARKET=replay…: candles carry the replay's dates, not today's; /status says which clock is which. */
  marketReplay?: boolean;
  /** VALUATION_ASSET: what /positions and /pnl value in. Default "USDT". */
  valuationAsset?: string;
  /** SIGNAL_DEFAULT_SIZE: what a /signal card buys when no SIZE is given. Default "100USDT". */
  signalDefaultSize?: string;
  /** WEBAPP_URL: the Mini App /app opens (DESIGN.md §12); unset: /app says how to enable it. */
  webAppUrl?: string;
}

/** What /equity, /daily, /weekly, /monthly and /report read and write (src/ledger, DESIGN.md §10). */
export interface PortfolioDeps {
  /** VALUATION_ASSET. */
  valuationAsset: string;
  /** EQUITY_SAMPLE_MIN. */
  sampleMinutes: number;
  equity: EquityStore;
  /** The fills ledger: trades marked on /equity, realized P&L in the period tables. Views say so when absent. */
  ledger?: LedgerReader;
  reports: ReportSchedule;
}

export interface BotDeps {
  token: string;
  /** TELEGRAM_API_ROOT; Telegram's when absent. */
  apiRoot?: string;
  /** Skips the getMe call at start (tests, console). */
  botInfo?: UserFromGetMe;
  /** TELEGRAM_ALLOWED_USERS: nobody else gets past the first middleware. */
  allowedUsers: readonly number[];
  mode: TradingMode;
  trading: TradingService;
  /** The alerts queue: edits the bot schedules for later (a confirmation that expires unanswered). */
  alerts?: AlertSink;
  /** Read-only queries (balance, orders, price, status). Orders go through `trading`. */
  exchange: ExchangeClient;
  /** Symbols, their filters and the rate limits (the exchange-info cache). */
  exchangeInfo: SymbolCatalog;
  /** Producer connection (fail fast) for the bot's own short-lived state: multi-order cancel confirmations. */
  redis: Redis;
  /**
   * Key prefix, e.g. `chatops`: the same as the trading service's and the workers', because the
   * bot's "queued" card edit claims its rank in the alerts worker's card revisions.
   */
  keyPrefix: string;
  logger: Logger;
  settings: BotSettings;
  status?: BotStatusProviders;
  /** Active managed stops, for the /fractals chart; without it the chart shows no stop. */
  stops?: ActiveStopLookup;
  /** /stop and /stops (src/trading/stops/stop-desk.ts; it is also an ActiveStopLookup for `stops`). */
  stopDesk?: StopDesk;
  /** /tp (src/trading/brackets/take-profit-desk.ts). */
  takeProfitDesk?: TakeProfitDesk;
  /** /backtest: the `backtests` queue the worker role runs (src/strategies). */
  backtests?: Pick<BacktestsQueue, 'enqueue' | 'waiting'>;
  /** /signal (src/strategies/signal-desk.ts). */
  signals?: SignalDesk;
  /** The P&L ledger (src/ledger): /positions, /pnl and /trades read it; without it they say it is not available. */
  ledger?: LedgerReader;
  /** Asks the workers to rebuild the ledger from the exchange (/pnl rebuild). */
  ledgerJobs?: Pick<LedgerJobs, 'requestRebuild'>;
  /** @grammyjs/auto-retry options for 429 and 5xx from Telegram; `false` to disable (tests of raw failures). */
  autoRetry?: Partial<AutoRetryOptions> | false;
  now?: () => number;
  /** The shared all-symbols 24h ticker for /top (src/market/ticker-cache.ts); createBot makes one when absent. */
  tickers?: TickerCache;
  /**
   * Each trader's share of the request weight (request-budget.ts): every update runs in its
   * sender's scope, and `exchange` (and the trading service's card reads) should be metered by it.
   */
  requestBudget?: RequestBudget;
  /** Account and open orders for /balance and /orders, reused for 2 s (view-cache.ts); `exchange` when absent. */
  viewCache?: ViewReads;
  /** Net value history and daily reports; the commands answer that they are unavailable without it. */
  portfolio?: PortfolioDeps;
}
