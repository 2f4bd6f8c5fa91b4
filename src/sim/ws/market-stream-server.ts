/**
 * Market streams as Binance serves them (web-socket-streams.md): raw streams at
 * `/ws/<stream>[/<stream>…]`, combined streams at `/stream?streams=<a>/<b>` wrapped as
 * `{stream, data}`, and live SUBSCRIBE / UNSUBSCRIBE / LIST_SUBSCRIPTIONS / SET_PROPERTY /
 * GET_PROPERTY requests.
 *
 * Streams: `<symbol>@kline_<interval>` and `<symbol>@miniTicker`. A kline event is pushed on
 * every feed tick with the forming candle (`k.x` false) and on every candle close with the
 * closed candle (`k.x` true); Binance pushes at most every 2 s, the simulator on every price
 * change, which a replay at high speed makes many per second. Candles carry trade counts but
 * no trade ids, so `f`/`L` are synthetic (-1 when the candle has no trades, as Binance sends).
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { WebSocket, WebSocketServer } from 'ws';
import type { KlineInterval, KlineRow } from '../../binance/types.js';
import { isKlineInterval } from '../../binance/kline-intervals.js';
import type { CandleClose, MarketFeed, PriceTick, WsEndpoint } from '../types.js';
import { createWsConnections, type WsConnectionOptions } from './ws-connections.js';

export interface MarketStreamServerOptions extends WsConnectionOptions {
  feed: MarketFeed;
  logger: Logger;
}

export interface MarketStreamServer extends WsEndpoint {
  connectionCount(): number;
}

interface Subscriber {
  socket: WebSocket;
  streams: Set<string>;
  combined: boolean;
  /** Arrival times of the requests of the last second. */
  recent: number[];
}

type StreamRequest = { method?: unknown; params?: unknown; id?: unknown };

const STREAM_RE = /^([a-z0-9]+)@(?:kline_([0-9]+[smhdwM])|miniTicker)$/;
const MAX_STREAMS = 1024;
/**
 * Binance drops a connection past 5 incoming messages a second (web-socket-streams.md "WebSocket
 * Limits"; pings and pongs count too, which the simulator does not see through `ws`).
 */
const MAX_MESSAGES_PER_SECOND = 5;

export function isSupportedStream(name: string): boolean {
  const m = STREAM_RE.exec(name);
  return m !== null && (m[2] === undefined || isKlineInterval(m[2]));
}

export function createMarketStreamServer(options: MarketStreamServerOptions): MarketStreamServer {
  const { feed } = options;
  const log = options.logger.child({ module: 'market-stream-server' });
  const wss = new WebSocketServer({ noServer: true });
  const connections = createWsConnections(options, log);
  const subscribers = new Map<WebSocket, Subscriber>();
  let closed = false;

  function push(subscriber: Subscriber, stream: string, data: unknown): void {
    if (subscriber.socket.readyState !== WebSocket.OPEN) return;
    subscriber.socket.send(JSON.stringify(subscriber.combined ? { stream, data } : data));
  }

  /** Sends `build()` (computed once) to every subscriber of `stream`. */
  function publish(stream: string, build: () => unknown): void {
    let data: unknown;
    for (const subscriber of subscribers.values()) {
      if (!subscriber.streams.has(stream)) continue;
      data ??= build();
      if (data !== undefined) push(subscriber, stream, data);
    }
  }

  function subscribedIntervals(symbolLower: string): KlineInterval[] {
    const prefix = `${symbolLower}@kline_`;
    const intervals = new Set<KlineInterval>();
    for (const subscriber of subscribers.values()) {
      for (const stream of subscriber.streams) {
        if (stream.startsWith(prefix)) intervals.add(stream.slice(prefix.length) as KlineInterval);
      }
    }
    return [...intervals];
  }

  const offTick = feed.onTick((tick: PriceTick) => {
    if (subscribers.size === 0) return;
    const lower = tick.symbol.toLowerCase();
    for (const interval of subscribedIntervals(lower)) {
      publish(`${lower}@kline_${interval}`, () => {
        const row = feed.klines(tick.symbol, interval, { limit: 1 })[0];
        return row ? klineEvent(tick.symbol, interval, row, false, feed.now()) : undefined;
      });
    }
    publish(`${lower}@miniTicker`, () => {
      const t = feed.ticker24h(tick.symbol);
      if (!t) return undefined;
      return { e: '24hrMiniTicker', E: feed.now(), s: t.symbol, c: t.lastPrice, o: t.openPrice, h: t.highPrice, l: t.lowPrice, v: t.volume, q: t.quoteVolume };
    });
  });

  const offClose = feed.onCandleClose((close: CandleClose) => {
    publish(`${close.symbol.toLowerCase()}@kline_${close.interval}`, () => klineEvent(close.symbol, close.interval, close.kline, true, feed.now()));
  });

  function onRequest(subscriber: Subscriber, text: string): void {
    const now = Date.now();
    subscriber.recent = subscriber.recent.filter((t) => now - t < 1_000);
    subscriber.recent.push(now);
    if (subscriber.recent.length > MAX_MESSAGES_PER_SECOND) {
      log.warn({ messages: subscriber.recent.length }, `more than ${MAX_MESSAGES_PER_SECOND} messages in a second: connection dropped, as Binance does`);
      subscriber.socket.terminate();
      return;
    }
    let request: StreamRequest;
    try {
      request = JSON.parse(text) as StreamRequest;
    } catch {
      subscriber.socket.send(JSON.stringify({ code: 3, msg: 'Invalid JSON: expected value at line 1 column 1' }));
      return;
    }
    const id = request.id ?? null;
    const reply = (result: unknown) => subscriber.socket.send(JSON.stringify({ result, id }));
    const fail = (code: number, msg: string) => subscriber.socket.send(JSON.stringify({ code, msg, id }));
    const params = Array.isArray(request.params) ? (request.params as unknown[]) : [];
    if (!(typeof id === 'number' && Number.isInteger(id) && id >= 0) && !(typeof id === 'string' && /^[A-Za-z0-9]{1,36}$/.test(id)) && id !== null) {
      fail(2, 'Invalid request: request ID must be an unsigned integer');
      return;
    }
    switch (request.method) {
      case 'SUBSCRIBE':
      case 'UNSUBSCRIBE': {
        const names = params.filter((p): p is string => typeof p === 'string');
        const invalid = names.find((n) => !isSupportedStream(n));
        if (invalid !== undefined || names.length !== params.length) {
          fail(2, `Invalid request: invalid stream name ${invalid ?? ''}`.trim());
          return;
        }
        if (request.method === 'SUBSCRIBE') {
          if (subscriber.streams.size + names.length > MAX_STREAMS) {
            fail(2, `Invalid request: too many streams (at most ${MAX_STREAMS} per connection)`);
            return;
          }
          names.forEach((n) => subscriber.streams.add(n));
        } else names.forEach((n) => subscriber.streams.delete(n));
        reply(null);
        return;
      }
      case 'LIST_SUBSCRIPTIONS':
        reply([...subscriber.streams]);
        return;
      case 'SET_PROPERTY':
        if (params[0] !== 'combined') fail(0, 'Unknown property');
        else if (typeof params[1] !== 'boolean') fail(1, 'Invalid value type: expected Boolean');
        else {
          subscriber.combined = params[1];
          reply(null);
        }
        return;
      case 'GET_PROPERTY':
        if (params[0] !== 'combined') fail(0, 'Unknown property');
        else reply(subscriber.combined);
        return;
      default:
        fail(2, `Invalid request: unknown variant ${String(request.method)}, expected one of \`SUBSCRIBE\`, \`UNSUBSCRIBE\`, \`LIST_SUBSCRIPTIONS\`, \`SET_PROPERTY\`, \`GET_PROPERTY\``);
    }
  }

  wss.on('connection', (socket: WebSocket, request: IncomingMessage, streams: string[], combined: boolean) => {
    const subscriber: Subscriber = { socket, streams: new Set(streams), combined, recent: [] };
    subscribers.set(socket, subscriber);
    connections.add(socket);
    socket.on('message', (data, isBinary) => {
      if (!isBinary) onRequest(subscriber, data.toString());
    });
    socket.on('close', () => subscribers.delete(socket));
    socket.on('error', (err) => log.warn({ err }, 'market stream connection error'));
  });

  return {
    matches: (pathname) => pathname === '/stream' || pathname === '/ws' || pathname.startsWith('/ws/'),
    handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer) {
      if (closed) {
        socket.destroy();
        return;
      }
      const parsed = parseStreams(request.url ?? '/');
      if ('error' in parsed) {
        socket.end(`HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n${parsed.error}`);
        return;
      }
      wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request, parsed.streams, parsed.combined));
    },
    dropAll() {
      log.info({ connections: connections.size() }, 'dropping every market stream connection (fault injection)');
      connections.terminateAll();
    },
    announceShutdown() {
      const data = { e: 'serverShutdown', E: feed.now() };
      for (const subscriber of subscribers.values()) push(subscriber, '!serverShutdown', data);
      connections.closeAll(1001, 'Server shutting down');
    },
    async close() {
      if (closed) return;
      closed = true;
      offTick();
      offClose();
      connections.stop();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
    connectionCount: () => connections.size(),
  };
}

function parseStreams(url: string): { streams: string[]; combined: boolean } | { error: string } {
  const parsed = new URL(url, 'http://localhost');
  const combined = parsed.pathname === '/stream';
  const names = combined
    ? (parsed.searchParams.get('streams') ?? '').split('/').filter((s) => s !== '')
    : parsed.pathname.slice('/ws'.length).split('/').filter((s) => s !== '');
  const invalid = names.find((n) => !isSupportedStream(n));
  if (invalid !== undefined) return { error: `Invalid stream name: ${invalid}` };
  if (names.length > MAX_STREAMS) return { error: `Too many streams: at most ${MAX_STREAMS}` };
  return { streams: names, combined };
}

function klineEvent(symbol: string, interval: KlineInterval, row: KlineRow, closed: boolean, eventTime: number) {
  const trades = row[8];
  return {
    e: 'kline',
    E: eventTime,
    s: symbol,
    k: {
      t: row[0],
      T: row[6],
      s: symbol,
      i: interval,
      f: trades > 0 ? 0 : -1,
      L: trades > 0 ? trades - 1 : -1,
      o: row[1],
      c: row[4],
      h: row[2],
      l: row[3],
      v: row[5],
      n: trades,
      x: closed,
      q: row[7],
      V: row[9],
      Q: row[10],
      B: row[11],
    },
  };
}
