/**
 * The connection housekeeping both simulator WebSocket servers share, as Binance does it
 * (web-socket-api.md and web-socket-streams.md "General information"): a ping frame every 20 s,
 * a connection that has not answered with a pong within a minute is dropped, and no connection
 * lives longer than 24 h. Tests shrink these to milliseconds to exercise a client's reconnects.
 */
import type { Logger } from 'pino';
import { WebSocket } from 'ws';

export interface WsConnectionOptions {
  /** Default 20 000 (Binance). */
  pingIntervalMs?: number;
  /** A connection with a ping unanswered this long is terminated. Default 60 000 (Binance). */
  pongTimeoutMs?: number;
  /** Connections are closed at this age. Default 24 h (Binance). */
  maxLifetimeMs?: number;
}

export interface WsConnections {
  /** Tracks a new connection until it closes. */
  add(socket: WebSocket): void;
  all(): WebSocket[];
  size(): number;
  /** Kills every connection without a close frame, as a network failure would. */
  terminateAll(): void;
  /** Closes every connection with a close frame. */
  closeAll(code: number, reason: string): void;
  /** Stops the timers and closes every connection. */
  stop(): void;
}

interface Tracked {
  /** Wall time of the oldest ping not yet answered. */
  unansweredSince: number | undefined;
  lifetime: NodeJS.Timeout;
}

export function createWsConnections(options: WsConnectionOptions, logger: Logger): WsConnections {
  const pingIntervalMs = options.pingIntervalMs ?? 20_000;
  const pongTimeoutMs = options.pongTimeoutMs ?? 60_000;
  const maxLifetimeMs = options.maxLifetimeMs ?? 24 * 3_600_000;
  const tracked = new Map<WebSocket, Tracked>();
  let pinger: NodeJS.Timeout | undefined;

  function pingAll(): void {
    const now = Date.now();
    for (const [socket, state] of tracked) {
      if (socket.readyState !== WebSocket.OPEN) continue;
      if (state.unansweredSince !== undefined && now - state.unansweredSince >= pongTimeoutMs) {
        logger.info({ silentForMs: now - state.unansweredSince }, 'dropping a connection that stopped answering pings');
        socket.terminate();
        continue;
      }
      state.unansweredSince ??= now;
      socket.ping(String(now));
    }
  }

  function forget(socket: WebSocket): void {
    const state = tracked.get(socket);
    if (!state) return;
    clearTimeout(state.lifetime);
    tracked.delete(socket);
    if (tracked.size === 0 && pinger) {
      clearInterval(pinger);
      pinger = undefined;
    }
  }

  return {
    add(socket) {
      const lifetime = setTimeout(() => {
        logger.info({ maxLifetimeMs }, 'closing a connection at its maximum lifetime');
        socket.close(1000, 'Connection lifetime expired');
      }, maxLifetimeMs);
      lifetime.unref();
      tracked.set(socket, { unansweredSince: undefined, lifetime });
      socket.on('pong', () => {
        const state = tracked.get(socket);
        if (state) state.unansweredSince = undefined;
      });
      socket.on('close', () => forget(socket));
      if (!pinger) {
        pinger = setInterval(pingAll, pingIntervalMs);
        pinger.unref();
      }
    },
    all: () => [...tracked.keys()],
    size: () => tracked.size,
    terminateAll() {
      for (const socket of [...tracked.keys()]) socket.terminate();
    },
    closeAll(code, reason) {
      for (const socket of [...tracked.keys()]) socket.close(code, reason);
    },
    stop() {
      if (pinger) clearInterval(pinger);
      pinger = undefined;
      for (const socket of [...tracked.keys()]) {
        forget(socket);
        socket.close(1001, 'Server shutting down');
      }
    },
  };
}
