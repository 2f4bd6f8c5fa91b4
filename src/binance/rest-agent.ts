/**
 * The REST client's HTTP exchange: node:http(s) on a kept-alive agent that also remembers which
 * sockets got as far as a TCP connection. That is how a failure is told apart (BINANCE.md
 * "Unknown outcome"): a request that failed on a connected socket may have reached Binance and
 * executed; one that failed before any connection certainly did not and is safe to retry.
 *
 * Plain node:http rather than axios: a signed order request is a fixed URL and a few headers,
 * and axios's per-request config merging, header normalisation, proxy look-up and abort wiring
 * cost more CPU than the request itself (docs/BENCHMARKS.md, "Peers").
 */
import http, { type ClientRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { Duplex, Readable } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';

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
 * reads of one order (reconcile, prices, balances) do not close and reopen connections each time.
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

export interface HttpTarget {
  https: boolean;
  hostname: string;
  port: number;
  /** Path of the base URL without its trailing slash ('' for https://api.binance.com). */
  pathPrefix: string;
}

export function httpTargetOf(baseUrl: string): HttpTarget {
  const url = new URL(baseUrl);
  const secure = url.protocol === 'https:';
  return {
    https: secure,
    // URL keeps IPv6 literals bracketed; node:http wants them bare.
    hostname: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port === '' ? (secure ? 443 : 80) : Number(url.port),
    pathPrefix: url.pathname.replace(/\/+$/, ''),
  };
}

export interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A request that got no complete HTTP answer. Carries no URL: the query holds the signature. */
export class HttpExchangeError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
    readonly timedOut: boolean,
    /** Whether the connection was up when the request was written (it may have reached the server). */
    readonly sent: boolean,
  ) {
    super(message);
    this.name = 'HttpExchangeError';
  }
}

const BASE_HEADERS = { Accept: 'application/json', 'Accept-Encoding': 'gzip, deflate, br', 'User-Agent': 'binance-chatops' };

function decoded(res: IncomingMessage): Readable {
  switch (res.headers['content-encoding']) {
    case 'gzip':
      return res.pipe(createGunzip());
    case 'deflate':
      return res.pipe(createInflate());
    case 'br':
      return res.pipe(createBrotliDecompress());
    default:
      return res;
  }
}

/**
 * One HTTP exchange with a hard deadline: resolves with any status (the caller classifies it),
 * rejects with HttpExchangeError when no complete answer arrived.
 */
export function sendHttp(target: HttpTarget, agent: http.Agent, method: string, path: string, headers: Record<string, string> | undefined, timeoutMs: number): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    let settled = false;
    let timedOut = false;
    const finish = (error: Error | undefined, answer?: HttpAnswer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (answer) return resolve(answer);
      const code = (error as NodeJS.ErrnoException | undefined)?.code;
      reject(new HttpExchangeError(timedOut ? `no answer within ${timeoutMs} ms` : (error?.message ?? 'network error'), timedOut ? 'ETIMEDOUT' : code, timedOut, mayHaveBeenSent(req)));
    };
    const req = (target.https ? https : http).request(
      {
        agent,
        host: target.hostname,
        port: target.port,
        method,
        path: target.pathPrefix + path,
        // All parameters travel in the query (rest-client.ts): the body is always empty.
        headers: method === 'GET' ? { ...BASE_HEADERS, ...headers } : { ...BASE_HEADERS, 'Content-Length': '0', ...headers },
      },
      (res) => {
        const body = decoded(res);
        body.setEncoding('utf8');
        let text = '';
        body.on('data', (chunk: string) => (text += chunk));
        body.on('end', () => finish(undefined, { status: res.statusCode ?? 0, headers: res.headers, body: text }));
        body.on('error', (error: Error) => finish(error));
        res.on('error', (error: Error) => finish(error));
        res.on('aborted', () => finish(Object.assign(new Error('the connection closed before the whole answer arrived'), { code: 'ECONNRESET' })));
      },
    );
    const timer = setTimeout(() => {
      timedOut = true;
      req.destroy();
      finish(undefined);
    }, timeoutMs);
    req.on('error', (error: Error) => finish(error));
    req.end();
  });
}
