/**
 * One connection to Binance's WebSocket API (web-socket-api.md): JSON requests matched to their
 * responses by id, each with a deadline; every other frame (user data events, `serverShutdown`)
 * handed to the owner; and a liveness watch.
 *
 * Liveness (web-socket-api.md "General API Information"): the server pings every 20 s and drops a
 * connection that has not answered within a minute. `ws` answers pings itself with a copy of the
 * payload (its `autoPong`, on by default), so we only watch for silence: after `idlePingMs`
 * without any frame we send our own ping (the server answers pongs "as soon as possible"), and
 * after `deadAfterMs` without any frame the connection is declared dead and terminated. A
 * half-open TCP connection would otherwise look healthy for as long as the kernel keeps it.
 *
 * Nothing here logs request parameters: they carry the API key and the signature.
 */
import { WebSocket, type RawData } from 'ws';
import { ExchangeError, type ErrorCode, type ExchangeErrorKind } from '../errors.js';
import type { Logger } from '../logger.js';

export type WsParam = string | number | boolean;

export type CloseCause = 'server-closed' | 'silent' | 'request-timeout' | 'socket-error' | 'closed-by-us';

export interface WsApiConnectionOptions {
  url: string;
  logger: Logger;
  now: () => number;
  /** Deadline of one request (subscribe, logon), ms. */
  requestTimeoutMs: number;
  /** Deadline of the opening handshake, ms. */
  handshakeTimeoutMs: number;
  /** Silence after which we ping the server ourselves, ms. */
  idlePingMs: number;
  /** Silence after which the connection is dead, ms. */
  deadAfterMs: number;
  /** Every frame that is not a response to one of our requests, parsed JSON. */
  onFrame(frame: unknown): void;
  /** Once, when the connection is gone for whatever reason. */
  onClose(info: { code: number; reason: string; cause: CloseCause }): void;
}

export interface WsApiConnection {
  readonly id: number;
  readonly openedAt: number;
  readonly closed: boolean;
  /** Settles once the socket is closed. */
  readonly whenClosed: Promise<void>;
  request<T = unknown>(method: string, params?: Readonly<Record<string, WsParam>>): Promise<T>;
  /** Closes with a close frame (1000); pending requests fail. */
  close(reason?: string): void;
  /** Drops the connection at once, as a network failure would. */
  terminate(cause: CloseCause): void;
}

interface Pending {
  method: string;
  resolve(result: unknown): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

let nextConnectionId = 1;

/** A request answered with a non-200 status, classified like a REST failure (src/errors.ts). */
export function wsRequestError(method: string, status: number, code: number | undefined, msg: string | undefined): ExchangeError {
  let errorCode: ErrorCode = 'EXCHANGE_REJECTED';
  let kind: ExchangeErrorKind = 'rejected';
  if (status === 429 || status === 418) [errorCode, kind] = [status === 418 ? 'EXCHANGE_IP_BANNED' : 'EXCHANGE_RATE_LIMITED', 'rate-limited'];
  else if (status >= 500) [errorCode, kind] = ['EXCHANGE_UNAVAILABLE', 'transient'];
  else if (code === -1021) errorCode = 'EXCHANGE_CLOCK_SKEW';
  else if (code === -1022) errorCode = 'EXCHANGE_BAD_SIGNATURE';
  else if (code === -2015 || code === -2014 || status === 401) errorCode = 'EXCHANGE_PERMISSION';
  return new ExchangeError(errorCode, {
    kind,
    method: 'WS',
    path: method,
    httpStatus: status,
    ...(code !== undefined ? { binanceCode: code } : {}),
    ...(msg !== undefined ? { binanceMessage: msg } : {}),
  });
}

const unavailable = (method: string, why: string) =>
  new ExchangeError('EXCHANGE_UNAVAILABLE', { kind: 'transient', method: 'WS', path: method, binanceMessage: why });

export function openWsApiConnection(options: WsApiConnectionOptions): Promise<WsApiConnection> {
  const { now, logger } = options;
  const id = nextConnectionId++;
  const log = logger.child({ connection: id });
  const socket = new WebSocket(options.url, { handshakeTimeout: options.handshakeTimeoutMs, perMessageDeflate: false });
  const pending = new Map<string, Pending>();
  let sequence = 0;
  let lastTrafficAt = now();
  let pingedAt: number | undefined;
  let closed = false;
  let cause: CloseCause | undefined;
  let heartbeat: NodeJS.Timeout | undefined;
  let markClosed: () => void = () => undefined;
  const whenClosed = new Promise<void>((resolve) => (markClosed = resolve));

  const traffic = () => {
    lastTrafficAt = now();
    pingedAt = undefined;
  };

  function failPending(why: string): void {
    for (const [key, p] of pending) {
      clearTimeout(p.timer);
      p.reject(unavailable(p.method, why));
      pending.delete(key);
    }
  }

  function terminate(why: CloseCause): void {
    cause ??= why;
    socket.terminate();
  }

  function checkLiveness(): void {
    if (closed || socket.readyState !== WebSocket.OPEN) return;
    const silentMs = now() - lastTrafficAt;
    if (silentMs >= options.deadAfterMs) {
      log.warn({ silentMs }, 'ws-api connection silent too long; dropping it');
      terminate('silent');
    } else if (silentMs >= options.idlePingMs && pingedAt === undefined) {
      pingedAt = now();
      socket.ping();
    }
  }

  function onMessage(data: RawData, isBinary: boolean): void {
    traffic();
    if (isBinary) return; // SBE frames: we never ask for them
    let frame: unknown;
    try {
      frame = JSON.parse(data.toString());
    } catch {
      log.warn({ bytes: data.toString().length }, 'ws-api frame is not JSON; ignored');
      return;
    }
    const response = frame as { id?: unknown; status?: unknown; result?: unknown; error?: { code?: number; msg?: string } };
    if ((typeof response.id === 'string' || typeof response.id === 'number') && typeof response.status === 'number') {
      const p = pending.get(String(response.id));
      if (!p) return; // answered after its deadline: the caller has moved on
      pending.delete(String(response.id));
      clearTimeout(p.timer);
      if (response.status === 200) p.resolve(response.result);
      else p.reject(wsRequestError(p.method, response.status, response.error?.code, response.error?.msg));
      return;
    }
    options.onFrame(frame);
  }

  return new Promise<WsApiConnection>((resolve, reject) => {
    const connection: WsApiConnection = {
      id,
      openedAt: now(),
      get closed() {
        return closed;
      },
      whenClosed,
      request<T>(method: string, params?: Readonly<Record<string, WsParam>>): Promise<T> {
        if (closed || socket.readyState !== WebSocket.OPEN) return Promise.reject(unavailable(method, 'connection is not open'));
        const key = `${id}-${++sequence}`;
        return new Promise<T>((resolveRequest, rejectRequest) => {
          const timer = setTimeout(() => {
            pending.delete(key);
            rejectRequest(unavailable(method, `no answer within ${options.requestTimeoutMs} ms`));
            // The request's fate is unknown and so is the connection's: start over on a fresh one.
            terminate('request-timeout');
          }, options.requestTimeoutMs);
          pending.set(key, { method, resolve: (r) => resolveRequest(r as T), reject: rejectRequest, timer });
          socket.send(JSON.stringify(params ? { id: key, method, params } : { id: key, method }), (error) => {
            if (!error) return;
            const p = pending.get(key);
            if (!p) return;
            pending.delete(key);
            clearTimeout(p.timer);
            rejectRequest(unavailable(method, 'send failed'));
          });
        });
      },
      close(reason = 'client closing') {
        cause ??= 'closed-by-us';
        if (socket.readyState === WebSocket.CONNECTING) socket.terminate();
        else socket.close(1000, reason);
        // A peer that never answers the close frame must not keep the socket for ever.
        setTimeout(() => socket.terminate(), 2_000).unref();
      },
      terminate,
    };

    socket.on('open', () => {
      traffic();
      const every = Math.max(20, Math.min(options.idlePingMs, options.deadAfterMs) / 4);
      heartbeat = setInterval(checkLiveness, every);
      heartbeat.unref();
      resolve(connection);
    });
    socket.on('message', onMessage);
    socket.on('ping', traffic);
    socket.on('pong', traffic);
    socket.on('error', (error) => {
      cause ??= 'socket-error';
      log.debug({ err: error.message }, 'ws-api socket error');
      // Before 'open' this is the connect failure; 'close' follows either way.
      reject(unavailable('connect', error.message));
    });
    socket.on('close', (code, reasonBuffer) => {
      if (closed) return;
      closed = true;
      markClosed();
      if (heartbeat) clearInterval(heartbeat);
      failPending('connection closed');
      const reason = reasonBuffer.toString();
      reject(unavailable('connect', `closed before open (${code})`));
      options.onClose({ code, reason, cause: cause ?? 'server-closed' });
    });
  });
}
