/**
 * The kept-alive HTTP(S) agent of the REST client, which also remembers which sockets got as
 * far as a TCP connection. That is how a failure is told apart (BINANCE.md "Unknown outcome"):
 * a request that failed on a connected socket may have reached Binance and executed; one that
 * failed before any connection certainly did not and is safe to retry.
 */
import http, { type ClientRequest } from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';

const connectedSockets = new WeakSet<object>();

function trackConnect(socket: Duplex | null | undefined): void {
  socket?.once('connect', () => connectedSockets.add(socket));
}

class TrackingHttpAgent extends http.Agent {
  override createConnection(...args: Parameters<http.Agent['createConnection']>) {
    const socket = super.createConnection(...args);
    trackConnect(socket);
    return socket;
  }
}

class TrackingHttpsAgent extends https.Agent {
  override createConnection(...args: Parameters<https.Agent['createConnection']>) {
    const socket = super.createConnection(...args);
    trackConnect(socket);
    return socket;
  }
}

/**
 * A small pool of kept-alive connections: a signed request then costs a signature and a write,
 * not a TCP and TLS handshake. As many idle sockets are kept as may be open, so the parallel
 * reads of one order (reconcile, prices, balances) do not close and reopen connections each time
 * (docs/BENCHMARKS.md: with 4 idle sockets every order closed one connection and opened another).
 */
export function createKeepAliveAgent(baseUrl: string): http.Agent {
  const options = { keepAlive: true, keepAliveMsecs: 30_000, maxSockets: 16, maxFreeSockets: 16, scheduling: 'lifo' as const };
  return baseUrl.startsWith('https:') ? new TrackingHttpsAgent(options) : new TrackingHttpAgent(options);
}

/** True unless the request provably never had a connection to travel on (conservative for orders). */
export function mayHaveBeenSent(request: ClientRequest | undefined): boolean {
  if (request === undefined) return false;
  if (request.reusedSocket) return true;
  const socket = request.socket as object | null;
  return socket !== null && connectedSockets.has(socket);
}
