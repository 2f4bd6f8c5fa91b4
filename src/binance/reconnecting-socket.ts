/**
 * One WebSocket to Binance's market streams that stays up (web-socket-streams.md): pinged, and
 * dropped when a ping goes unanswered until the next; renewed before Binance's 24 h limit; and
 * reconnected after any drop with jittered, bounded backoff (src/backoff.ts), reset once a
 * connection opens. The market-stream and kline-stream clients build their subscriptions on it.
 */
import WebSocket from 'ws';
import { backoffDelayMs } from '../backoff.js';
import type { Logger } from '../logger.js';

export interface ReconnectingSocketOptions {
  /** Market streams root (BINANCE_STREAM_URL); `/ws` is appended. */
  url: string;
  log: Logger;
  /** Reconnect delays: first and cap. Defaults 500 ms and 30 s. */
  backoff?: { firstMs?: number; maxMs?: number };
  /** Ping period; no answer by the next one drops the connection. Default 30 s. */
  pingMs?: number;
  /** Renewed before Binance's 24 h limit. Default 23 h. */
  maxConnectionAgeMs?: number;
  /** How many streams are wanted now: with none, no (re)connect is made. */
  wanted(): number;
  /** A connection opened: subscribe on it. */
  onOpen(): void;
  onMessage(text: string): void;
  /** The current connection closed; `wasOpen` when it had opened. */
  onDrop(wasOpen: boolean): void;
}

export interface ReconnectingSocket {
  /** Connects unless a connection is open, opening or waiting to be retried; true when this call started one. */
  ensure(): boolean;
  /** The connection is open (sends go through). */
  isOpen(): boolean;
  /** Sends a JSON message on the open connection; false when none is open. */
  send(message: unknown): boolean;
  /** Connections dropped and retried so far. */
  reconnects(): number;
  /** Closes the connection and stops reconnecting. */
  close(): Promise<void>;
}

export function createReconnectingSocket(options: ReconnectingSocketOptions): ReconnectingSocket {
  const { log } = options;
  const url = `${options.url.replace(/\/+$/, '').replace(/\/(ws|stream)$/, '')}/ws`;
  const bounds = { initialMs: options.backoff?.firstMs ?? 500, maxMs: options.backoff?.maxMs ?? 30_000 };
  const pingMs = options.pingMs ?? 30_000;
  const maxAgeMs = options.maxConnectionAgeMs ?? 23 * 3_600_000;
  let socket: WebSocket | undefined;
  let open = false;
  let closed = false;
  let failures = 0;
  let reconnects = 0;
  let timers: NodeJS.Timeout[] = [];
  let reconnectTimer: NodeJS.Timeout | undefined;

  function clearTimers(): void {
    for (const t of timers) clearTimeout(t);
    timers = [];
  }

  function handle(what: string, run: () => void): void {
    try {
      run();
    } catch (error) {
      log.error({ err: error }, `market stream ${what} handler failed`);
    }
  }

  function connect(): boolean {
    reconnectTimer = undefined;
    if (closed || options.wanted() === 0) return false;
    const ws = new WebSocket(url);
    socket = ws;
    let alive = true;
    ws.on('open', () => {
      open = true;
      failures = 0;
      const ping = setInterval(() => {
        if (!alive) {
          log.warn('market stream did not answer a ping; reconnecting');
          ws.terminate();
          return;
        }
        alive = false;
        ws.ping();
      }, pingMs);
      ping.unref();
      const renew = setTimeout(() => ws.close(1000, 'renewing before the 24 h limit'), maxAgeMs);
      renew.unref();
      timers.push(ping, renew);
      log.info({ streams: options.wanted() }, 'market stream connected');
      handle('connect', options.onOpen);
    });
    ws.on('pong', () => {
      alive = true;
    });
    ws.on('message', (data, isBinary) => {
      alive = true;
      if (!isBinary) options.onMessage(data.toString());
    });
    ws.on('error', (error) => log.warn({ err: error }, 'market stream error'));
    ws.on('close', () => {
      clearTimers();
      if (socket === ws) {
        const wasOpen = open;
        socket = undefined;
        open = false;
        handle('disconnect', () => options.onDrop(wasOpen));
      }
      if (closed) return;
      reconnects += 1;
      const wait = backoffDelayMs(failures++, bounds);
      log.info({ inMs: wait }, 'market stream closed; reconnecting');
      reconnectTimer = setTimeout(connect, wait);
      reconnectTimer.unref();
    });
    return true;
  }

  return {
    ensure: () => !socket && !reconnectTimer && connect(),
    isOpen: () => open && socket?.readyState === WebSocket.OPEN,
    send(message) {
      if (!open || !socket || socket.readyState !== WebSocket.OPEN) return false;
      socket.send(JSON.stringify(message));
      return true;
    },
    reconnects: () => reconnects,
    async close() {
      closed = true;
      clearTimers();
      if (reconnectTimer) clearTimeout(reconnectTimer);
      const ws = socket;
      socket = undefined;
      open = false;
      if (!ws || ws.readyState === WebSocket.CLOSED) return;
      await new Promise<void>((resolve) => {
        ws.once('close', () => resolve());
        ws.close(1000, 'closing');
        setTimeout(() => {
          ws.terminate();
          resolve();
        }, 2_000).unref();
      });
    },
  };
}
