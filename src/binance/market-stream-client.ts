/**
 * One market-stream connection for any set of streams (web-socket-streams.md): `<BINANCE_STREAM_URL>/ws`,
 * streams added and removed with live SUBSCRIBE / UNSUBSCRIBE, events handed over with the stream
 * they belong to. The price alerts follow `<symbol>@miniTicker` and `<symbol>@kline_<interval>`
 * of every symbol a worker watches over this one connection.
 *
 * Binance's limits (web-socket-streams.md "WebSocket Limits"):
 * - 5 incoming messages per second per connection, pings, pongs and JSON requests alike; past
 *   that the connection is dropped, and an IP dropped repeatedly is banned. Requests are spaced
 *   evenly at `maxRequestsPerSecond` (default 3, leaving room for ping and pong frames),
 *   each carrying up to `maxParamsPerRequest` streams; what does not fit waits for the budget.
 * - 1024 streams per connection: streams past that are not subscribed, and `state()` says how
 *   many were left out (the caller logs it).
 * - A connection lives at most 24 h: it is renewed before that (reconnecting-socket.ts). Any drop
 *   reconnects with jittered backoff, subscribes again, and tells the caller (`onConnected`), who
 *   catches up on what happened meanwhile: events missed while disconnected are not replayed by
 *   Binance.
 */
import type { Logger } from '../logger.js';
import { createReconnectingSocket } from './reconnecting-socket.js';

/** Binance's limit of streams per connection. */
export const MAX_STREAMS_PER_CONNECTION = 1024;

export interface MarketStreamEvent {
  /** `btcusdt@miniTicker`, `btcusdt@kline_1h`. */
  stream: string;
  data: Record<string, unknown>;
}

export interface MarketStreamClientOptions {
  /** Market streams root (BINANCE_STREAM_URL); `/ws` is appended. */
  url: string;
  logger: Logger;
  onEvent(event: MarketStreamEvent): void;
  /** The connection is open and the streams are requested: catch up on the gap. */
  onConnected?(): void;
  /**
   * The server confirmed these streams: events from now on arrive. A caller that reads history
   * up to "now" does it after this, or a trade between its read and the subscription is lost.
   */
  onSubscribed?(streams: readonly string[]): void;
  onDisconnected?(): void;
  /** Reconnect delays: first and cap. Defaults 500 ms and 30 s. */
  backoff?: { firstMs?: number; maxMs?: number };
  /** Ping period; no answer by the next one drops the connection. Default 30 s. */
  pingMs?: number;
  /** Renewed before Binance's 24 h limit. Default 23 h. */
  maxConnectionAgeMs?: number;
  /** SUBSCRIBE/UNSUBSCRIBE requests per second. Default 3 (Binance counts 5 messages/s with pings and pongs). */
  maxRequestsPerSecond?: number;
  /** Streams per request. Default 200. */
  maxParamsPerRequest?: number;
  /** Default 1024. */
  maxStreams?: number;
}

export interface MarketStreamState {
  connected: boolean;
  /** Streams subscribed (or asked for) on the open connection. */
  streams: number;
  /** Requests unsent or unacknowledged: 0 when the connection follows exactly what is wanted. */
  pending: number;
  /** Streams wanted but left out by the per-connection limit. */
  overLimit: number;
  reconnects: number;
  /** Requests sent on the current connection, in total. */
  requests: number;
  lastEventAt?: number;
}

export interface MarketStreamClient {
  /** Follows exactly these streams from now on (lower-case names); connects on the first. */
  follow(streams: Iterable<string>): void;
  /** The server confirmed this stream on the open connection. */
  isSubscribed(stream: string): boolean;
  state(): MarketStreamState;
  close(): Promise<void>;
}

/** The stream an event belongs to, from its own fields (a raw `/ws` connection sends no stream name). */
export function streamOfEvent(data: Record<string, unknown>): string | undefined {
  const symbol = typeof data.s === 'string' ? data.s.toLowerCase() : undefined;
  if (!symbol) return undefined;
  if (data.e === '24hrMiniTicker') return `${symbol}@miniTicker`;
  if (data.e === 'kline' && typeof data.k === 'object' && data.k !== null) {
    const interval = (data.k as { i?: unknown }).i;
    return typeof interval === 'string' ? `${symbol}@kline_${interval}` : undefined;
  }
  return undefined;
}

export function createMarketStreamClient(options: MarketStreamClientOptions): MarketStreamClient {
  const log = options.logger.child({ module: 'market-stream' });
  const perSecond = options.maxRequestsPerSecond ?? 3;
  const perRequest = options.maxParamsPerRequest ?? 200;
  const maxStreams = options.maxStreams ?? MAX_STREAMS_PER_CONNECTION;

  const wanted = new Set<string>();
  const subscribed = new Set<string>();
  const confirmed = new Set<string>();
  const outstanding = new Map<number, { method: 'SUBSCRIBE' | 'UNSUBSCRIBE'; params: string[] }>();
  const sentAt: number[] = [];
  let closed = false;
  let requests = 0;
  let overLimit = 0;
  let requestId = 0;
  let lastEventAt: number | undefined;
  let flushTimer: NodeJS.Timeout | undefined;

  const socket = createReconnectingSocket({
    ...options,
    log,
    wanted: () => wanted.size,
    onOpen() {
      subscribed.clear();
      confirmed.clear();
      outstanding.clear();
      flush();
      options.onConnected?.();
    },
    onMessage,
    onDrop(wasOpen) {
      confirmed.clear();
      if (wasOpen) options.onDisconnected?.();
    },
  });

  /**
   * Ms until a request may leave (0: now). Requests are spaced evenly rather than sent in bursts:
   * two bursts a second apart can land within one second on the server after network jitter.
   */
  function budgetWait(): number {
    const last = sentAt[sentAt.length - 1];
    if (last === undefined) return 0;
    return Math.max(0, last + Math.ceil(1_000 / perSecond) - Date.now());
  }

  function send(method: 'SUBSCRIBE' | 'UNSUBSCRIBE', params: string[]): void {
    const id = ++requestId;
    outstanding.set(id, { method, params });
    if (method === 'UNSUBSCRIBE') params.forEach((s) => confirmed.delete(s));
    sentAt.splice(0, sentAt.length, Date.now());
    requests += 1;
    socket.send({ method, params, id });
  }

  function flush(): void {
    flushTimer = undefined;
    if (!socket.isOpen()) return;
    for (;;) {
      const drop = [...subscribed].filter((s) => !wanted.has(s));
      const room = maxStreams - (subscribed.size - drop.length);
      const missing = [...wanted].filter((s) => !subscribed.has(s));
      const add = missing.slice(0, Math.max(0, room));
      overLimit = missing.length - add.length;
      if (drop.length === 0 && add.length === 0) break;
      const wait = budgetWait();
      if (wait > 0) {
        schedule(wait);
        break;
      }
      // Unsubscribing first frees room for what is added.
      if (drop.length > 0) {
        const batch = drop.slice(0, perRequest);
        send('UNSUBSCRIBE', batch);
        batch.forEach((s) => subscribed.delete(s));
      } else {
        const batch = add.slice(0, perRequest);
        send('SUBSCRIBE', batch);
        batch.forEach((s) => subscribed.add(s));
      }
    }
    if (overLimit > 0) log.error({ overLimit, maxStreams }, `more than ${maxStreams} market streams wanted on one connection: the rest are not followed`);
  }

  function schedule(ms: number): void {
    if (flushTimer || closed) return;
    flushTimer = setTimeout(flush, ms);
    flushTimer.unref();
  }

  function onMessage(text: string): void {
    let message: Record<string, unknown>;
    try {
      message = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return;
    }
    const request = typeof message.id === 'number' ? outstanding.get(message.id) : undefined;
    if (typeof message.id === 'number') outstanding.delete(message.id);
    if (typeof message.code === 'number') {
      log.warn({ code: message.code, msg: message.msg }, 'market stream refused a request');
      return;
    }
    if ('result' in message && 'id' in message) {
      if (request?.method !== 'SUBSCRIBE') return;
      const live = request.params.filter((s) => subscribed.has(s));
      live.forEach((s) => confirmed.add(s));
      try {
        options.onSubscribed?.(live);
      } catch (error) {
        log.error({ err: error }, 'market stream subscribe handler failed');
      }
      return;
    }
    const data = (typeof message.stream === 'string' && typeof message.data === 'object' && message.data !== null ? message.data : message) as Record<string, unknown>;
    const stream = streamOfEvent(data);
    if (!stream || !subscribed.has(stream)) return;
    lastEventAt = Date.now();
    try {
      options.onEvent({ stream, data });
    } catch (error) {
      log.error({ err: error, stream }, 'market stream event handler failed');
    }
  }

  return {
    follow(streams) {
      wanted.clear();
      for (const s of streams) wanted.add(s);
      if (!socket.ensure()) schedule(0);
    },
    isSubscribed: (stream) => confirmed.has(stream),
    state: () => {
      const connected = socket.isOpen();
      const toAdd = [...wanted].filter((s) => !subscribed.has(s)).length - overLimit;
      const toDrop = [...subscribed].filter((s) => !wanted.has(s)).length;
      return {
        connected,
        streams: subscribed.size,
        pending: outstanding.size + (flushTimer ? 1 : 0) + (connected ? toAdd + toDrop : 0),
        overLimit,
        reconnects: socket.reconnects(),
        requests,
        lastEventAt,
      };
    },
    async close() {
      closed = true;
      if (flushTimer) clearTimeout(flushTimer);
      await socket.close();
    },
  };
}
