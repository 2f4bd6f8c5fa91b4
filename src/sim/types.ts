/**
 * Contracts inside the paper exchange: the market feed (where prices come from), the user data
 * events the matching engine emits, and the WebSocket side that serves them. The engine and the
 * HTTP server are on one side of these interfaces, feeds and the WebSocket servers on the other.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { KlineInterval, KlineRow, Ticker24h } from '../binance/types.js';

export interface PriceTick {
  symbol: string;
  /** Decimal string. */
  price: string;
  /** Feed time, epoch ms (replay: the recorded candle's time; live/programmatic: wall clock). */
  time: number;
}

export interface CandleClose {
  symbol: string;
  interval: KlineInterval;
  /** The candle that just closed, as a raw Binance kline row. */
  kline: KlineRow;
}

/**
 * Where the simulator's prices come from. A replay walks each recorded candle through
 * open → (high, low or low, high) → close so stops trigger as they would have; a live feed
 * polls Binance's public market data; a programmatic feed is driven by tests.
 */
export interface MarketFeed {
  readonly kind: 'replay' | 'live' | 'programmatic';
  /** Symbols this feed can price. The simulator's exchangeInfo is filtered to these. */
  symbols(): string[];
  /** Current price, or undefined before the first tick. */
  price(symbol: string): string | undefined;
  /** Like GET /api/v3/klines: oldest first, the last row may be the still-forming candle. */
  klines(symbol: string, interval: KlineInterval, options: { limit: number; startTime?: number; endTime?: number }): KlineRow[];
  /** Like GET /api/v3/ticker/24hr for one symbol (rolling 24 h of the feed's time). */
  ticker24h(symbol: string): Ticker24h | undefined;
  /** Every price change; the matching engine triggers resting orders from here. */
  onTick(listener: (tick: PriceTick) => void): () => void;
  /** Every candle close, per interval the feed can build (the kline stream and stop evaluation use it). */
  onCandleClose(listener: (close: CandleClose) => void): () => void;
  /** The feed's notion of now (replay time advances PAPER_SPEED times faster than the wall clock). */
  now(): number;
  start(): Promise<void>;
  close(): Promise<void>;
}

/** A feed tests drive by hand. */
export interface ProgrammaticFeed extends MarketFeed {
  readonly kind: 'programmatic';
  /** Sets the price (emits a tick; the forming candle's high/low/close follow it). */
  setPrice(symbol: string, price: string): void;
  /** Closes the forming candle of every interval ending now and opens the next at the last price. */
  closeCandle(symbol: string, interval?: KlineInterval): void;
  /** Replaces the history (raw kline rows, oldest first) of a symbol at an interval. */
  loadKlines(symbol: string, interval: KlineInterval, rows: KlineRow[]): void;
}

/** A replay can be stepped by tests instead of by the clock. */
export interface ReplayFeed extends MarketFeed {
  readonly kind: 'replay';
  /** Advances one recorded candle (walking its open/high/low/close ticks); false at the end. */
  step(): boolean;
  /** Index of the next candle to be replayed (0-based) per symbol. */
  position(symbol: string): number;
}

/** executionReport as the user data stream sends it (BINANCE.md "User data stream"). */
export interface ExecutionReportEvent {
  e: 'executionReport';
  E: number;
  s: string;
  c: string;
  S: 'BUY' | 'SELL';
  o: string;
  f: string;
  q: string;
  p: string;
  P: string;
  F: string;
  g: number;
  C: string;
  x: 'NEW' | 'CANCELED' | 'REPLACED' | 'REJECTED' | 'TRADE' | 'EXPIRED' | 'TRADE_PREVENTION';
  X: string;
  r: string;
  i: number;
  l: string;
  z: string;
  L: string;
  n: string;
  N: string | null;
  T: number;
  t: number;
  v?: number;
  I: number;
  w: boolean;
  m: boolean;
  M: boolean;
  O: number;
  Z: string;
  Y: string;
  Q: string;
  W?: number;
  V: string;
  eR?: string;
}

export interface AccountPositionEvent {
  e: 'outboundAccountPosition';
  E: number;
  u: number;
  B: Array<{ a: string; f: string; l: string }>;
}

export interface BalanceUpdateEvent {
  e: 'balanceUpdate';
  E: number;
  a: string;
  d: string;
  T: number;
}

/** listStatus: sent with the executionReports of an order list's legs (user-data-stream.md "Order Update"). */
export interface ListStatusEvent {
  e: 'listStatus';
  E: number;
  s: string;
  g: number;
  c: 'OCO' | 'OTO';
  l: 'RESPONSE' | 'EXEC_STARTED' | 'UPDATED' | 'ALL_DONE';
  L: 'EXECUTING' | 'ALL_DONE' | 'REJECT';
  r: string;
  C: string;
  T: number;
  O: Array<{ s: string; i: number; c: string }>;
}

export type UserDataEvent = ExecutionReportEvent | AccountPositionEvent | BalanceUpdateEvent | ListStatusEvent;

/** What the WebSocket servers need from the engine. */
export interface UserEventSource {
  onUserEvent(listener: (event: UserDataEvent) => void): () => void;
}

/** Verifies a WebSocket API request's credentials (same keys as REST, the sorted-params form). */
export interface WsApiAuthenticator {
  /** Throws a SimError (-1022 bad signature, -2015 unknown key, -1021 timestamp) or returns the account's api key. */
  verifyWsSignature(params: Record<string, string | number | boolean>): string;
  /** Ed25519 session.logon support: whether the key is Ed25519. */
  isEd25519(apiKey: string): boolean;
}

/**
 * Runs a REST route's handler without HTTP: the WebSocket API's trading and account methods use
 * it, so they share the REST checks and the matching engine. Throws SimError for a refused request.
 */
export interface RestDispatcher {
  call(method: 'GET' | 'POST' | 'DELETE', path: string, params: Record<string, string>): { status: number; body: unknown; weight: number };
}

/** A WebSocket endpoint mounted on the simulator's HTTP server by path. */
export interface WsEndpoint {
  /** True when this endpoint serves the request path (e.g. /ws-api/v3, /ws/..., /stream). */
  matches(pathname: string): boolean;
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Drops every connection abruptly (fault injection: a dropped stream). */
  dropAll(): void;
  /** Sends serverShutdown to every connection, then closes them. */
  announceShutdown(): void;
  close(): Promise<void>;
}
