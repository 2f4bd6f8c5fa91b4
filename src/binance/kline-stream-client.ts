/**
 * Candle closes from Binance's market streams (web-socket-streams.md "Kline/Candlestick
 * Streams"): one connection to `<BINANCE_STREAM_URL>/ws`, streams added and removed with live
 * SUBSCRIBE / UNSUBSCRIBE requests, and a close announced for every `<symbol>@kline_<interval>`
 * followed.
 *
 * - A candle has closed when an event carries `k.x = true` (close time `k.T`), or when an event
 *   of the next candle arrives (its `k.t` − 1): after a reconnect the first event of each stream
 *   announces the newest close, so closes missed while disconnected are caught up once. A close
 *   is announced once per stream, in increasing order.
 * - Binance allows 5 incoming messages per second per connection and 1024 streams: changes are
 *   batched into one SUBSCRIBE and one UNSUBSCRIBE at most every `flushMs`.
 * - The connection is pinged; one that does not answer is dropped. Binance ends connections
 *   after 24 h, so it is renewed before that; any drop reconnects with jittered backoff
 *   (reconnecting-socket.ts).
 *
 * The simulator serves the same streams (src/sim/ws/market-stream-server.ts), at replay speed.
 */
import type { Logger } from '../logger.js';
import { createReconnectingSocket } from './reconnecting-socket.js';
import type { KlineInterval } from './types.js';

export interface KlineClose {
  symbol: string;
  interval: KlineInterval;
  /** Close time of the candle that closed (Binance's closeTime: its last millisecond). */
  closeTime: number;
}

export interface KlineStreamClientOptions {
  /** Market streams root (BINANCE_STREAM_URL), e.g. `wss://stream.binance.com:9443`; `/ws` is appended. */
  url: string;
  logger: Logger;
  onClose(close: KlineClose): void;
  /** Reconnect delays: first and cap. Defaults 500 ms and 30 s. */
  backoff?: { firstMs?: number; maxMs?: number };
  /** Ping period; no pong by the next ping drops the connection. Default 30 s. */
  pingMs?: number;
  /** Renew the connection before Binance's 24 h limit. Default 23 h. */
  maxConnectionAgeMs?: number;
  /** Subscription changes are sent at most this often (5 messages/s allowed). Default 300 ms. */
  flushMs?: number;
}

export interface KlineStreamState {
  connected: boolean;
  /** Streams subscribed on the open connection (acknowledged or not). */
  streams: number;
  /** Subscription changes not yet sent, plus requests not yet acknowledged: 0 when the streams are as followed. */
  pending: number;
  reconnects: number;
  lastEventAt?: number;
}

export interface KlineStreamClient {
  /** Follows exactly these (symbol, interval) pairs from now on; connects on the first. */
  follow(pairs: ReadonlyArray<{ symbol: string; interval: KlineInterval }>): void;
  state(): KlineStreamState;
  close(): Promise<void>;
}

/** Binance's limit of streams per connection. */
export const MAX_STREAMS = 1024;

interface KlinePayload {
  e?: string;
  s?: string;
  k?: { t?: number; T?: number; s?: string; i?: string; x?: boolean };
}

const streamName = (symbol: string, interval: string) => `${symbol.toLowerCase()}@kline_${interval}`;

export function createKlineStreamClient(options: KlineStreamClientOptions): KlineStreamClient {
  const log = options.logger.child({ module: 'kline-stream' });
  const flushMs = options.flushMs ?? 300;

  /** stream name → pair, what we want. */
  const wanted = new Map<string, { symbol: string; interval: KlineInterval }>();
  /** What the open connection is subscribed to (or asked for). */
  const subscribed = new Set<string>();
  const lastClose = new Map<string, number>();
  let closed = false;
  let lastEventAt: number | undefined;
  let requestId = 0;
  const outstanding = new Set<number>();
  let flushTimer: NodeJS.Timeout | undefined;

  const socket = createReconnectingSocket({
    ...options,
    log,
    onMessage,
    wanted: () => wanted.size,
    onOpen() {
      subscribed.clear();
      outstanding.clear();
      flush();
    },
    onDrop: () => undefined,
  });

  function send(method: 'SUBSCRIBE' | 'UNSUBSCRIBE', params: string[]): void {
    if (params.length === 0) return;
    const id = ++requestId;
    if (socket.send({ method, params, id })) outstanding.add(id);
  }

  function flush(): void {
    flushTimer = undefined;
    if (!socket.isOpen()) return;
    const add = [...wanted.keys()].filter((s) => !subscribed.has(s));
    const drop = [...subscribed].filter((s) => !wanted.has(s));
    if (subscribed.size - drop.length + add.length > MAX_STREAMS) {
      log.error({ wanted: wanted.size }, `more than ${MAX_STREAMS} kline streams wanted: the extra ones are not followed (their schedulers still evaluate them)`);
      add.splice(MAX_STREAMS - (subscribed.size - drop.length));
    }
    send('UNSUBSCRIBE', drop);
    drop.forEach((s) => subscribed.delete(s));
    send('SUBSCRIBE', add);
    add.forEach((s) => subscribed.add(s));
  }

  function scheduleFlush(): void {
    if (flushTimer || closed) return;
    flushTimer = setTimeout(flush, flushMs);
    flushTimer.unref();
  }

  function onMessage(text: string): void {
    let message: { data?: KlinePayload } & KlinePayload & { code?: number; msg?: string; id?: unknown; result?: unknown };
    try {
      message = JSON.parse(text) as typeof message;
    } catch {
      return;
    }
    if (typeof message.id === 'number') outstanding.delete(message.id);
    if (typeof message.code === 'number') {
      log.warn({ code: message.code, msg: message.msg }, 'market stream refused a request');
      return;
    }
    const event = message.data ?? message;
    if (event.e !== 'kline' || !event.k) return;
    lastEventAt = Date.now();
    const k = event.k;
    const symbol = (k.s ?? event.s ?? '').toUpperCase();
    const interval = k.i ?? '';
    const name = streamName(symbol, interval);
    const pair = wanted.get(name);
    if (!pair) return;
    const closeTime = k.x === true ? k.T : typeof k.t === 'number' ? k.t - 1 : undefined;
    if (typeof closeTime !== 'number' || closeTime <= (lastClose.get(name) ?? -Infinity)) return;
    lastClose.set(name, closeTime);
    try {
      options.onClose({ symbol: pair.symbol, interval: pair.interval, closeTime });
    } catch (error) {
      log.error({ err: error, stream: name }, 'kline close handler failed');
    }
  }

  return {
    follow(pairs) {
      wanted.clear();
      for (const p of pairs) wanted.set(streamName(p.symbol, p.interval), { symbol: p.symbol, interval: p.interval });
      for (const name of [...lastClose.keys()]) if (!wanted.has(name)) lastClose.delete(name);
      if (!socket.ensure()) scheduleFlush();
    },
    state: () => ({ connected: socket.isOpen(), streams: subscribed.size, pending: outstanding.size + (flushTimer ? 1 : 0), reconnects: socket.reconnects(), lastEventAt }),
    async close() {
      closed = true;
      if (flushTimer) clearTimeout(flushTimer);
      await socket.close();
    },
  };
}
