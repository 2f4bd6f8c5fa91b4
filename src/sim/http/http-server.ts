/**
 * The simulator's HTTP front: node:http, Binance's request handling order and response headers.
 *
 * Per request: request log → injected faults (before) → request weight (429/418) → route →
 * parameters (query and form body, query wins) → SIGNED auth → unread parameters (-1104) →
 * order limit → handler → order count (accepted orders only) →
 * injected faults (after) → response with `X-MBX-USED-WEIGHT-1M` (and
 * `X-MBX-ORDER-COUNT-10S`/`-1D` on order requests). WebSocket upgrades go to the endpoint whose
 * path matches.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { FaultPlan, FaultSpec } from '../faults.js';
import type { RateLimiter } from './rate-limits.js';
import { RetryAfterError } from './rate-limits.js';
import type { RequestAuth } from './request-auth.js';
import type { Params, Route } from './rest-routes.js';
import { checkAllRead } from './route-params.js';
import { SimError, simErrors } from '../sim-error.js';
import type { WsEndpoint } from '../types.js';
import { sleep } from '../../sleep.js';

export interface RequestLogEntry {
  method: string;
  path: string;
  /** HTTP status answered; 0 when the answer was withheld (timeout fault). */
  status: number;
  /** Wall clock, epoch ms. */
  receivedAt: number;
}

export interface HttpServerDeps {
  routes: Route[];
  auth: RequestAuth;
  limiter: RateLimiter;
  faults: FaultPlan;
  endpoints: () => readonly WsEndpoint[];
  /** Server time (with any clock skew), epoch ms. */
  clock: () => number;
  logger: Logger;
  /** Called with every finished request. */
  onRequest(entry: RequestLogEntry): void;
}

export interface SimHttpServer {
  readonly server: Server;
  listen(port: number, host: string): Promise<number>;
  close(): Promise<void>;
}

const MAX_BODY = 64 * 1024;
const DEFAULT_HOLD_MS = 60_000;

interface Answer {
  status: number;
  body: unknown;
  headers: Record<string, string>;
}

export function createHttpServer(deps: HttpServerDeps): SimHttpServer {
  const routes = new Map(deps.routes.map((r) => [`${r.method} ${r.path}`, r]));
  const held = new Set<ServerResponse>();
  const logger = deps.logger;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const receivedAt = Date.now();
    const method = (req.method ?? 'GET').toUpperCase();
    const rawUrl = req.url ?? '/';
    const q = rawUrl.indexOf('?');
    const path = q < 0 ? rawUrl : rawUrl.slice(0, q);
    const rawQuery = q < 0 ? '' : rawUrl.slice(q + 1);
    const log = (status: number) => deps.onRequest({ method, path, status, receivedAt });

    const rawBody = await readBody(req);
    const before = deps.faults.take(method, path, 'before');
    for (const f of before) if (f.action === 'delay') await sleep(f.delayMs ?? 1000);
    const injected = before.find((f) => f.action !== 'delay');
    if (injected !== undefined) return send(res, beforeFault(injected), log);

    const route = routes.get(`${method} ${path}`);
    if (route === undefined) return send(res, { status: 404, body: { code: -1, msg: 'Not found.' }, headers: {} }, log);

    const ip = req.socket.remoteAddress ?? 'unknown';
    const now = deps.clock();
    const headers: Record<string, string> = {};
    let weight = 0;
    let answer: Answer;
    try {
      const params = parseParams(rawQuery, rawBody);
      weight = route.weight(params);
      deps.limiter.admit(ip, weight, now);
      if (route.security === 'SIGNED') {
        const key = req.headers['x-mbx-apikey'];
        deps.auth.verifyRest({ apiKeyHeader: Array.isArray(key) ? key[0] : key, rawQuery, rawBody, params });
      }
      if (route.params !== undefined) checkAllRead(params, route.params, route.security === 'SIGNED');
      // Over the ORDERS limit nothing runs; under it, only what the handler accepted is counted.
      if (route.placesOrder) deps.limiter.checkOrderLimit(now);
      const result = route.handle({ params, now: deps.clock() });
      if (route.placesOrder) deps.limiter.countOrders(result.ordersCounted ?? 1, now);
      answer = { status: result.status ?? 200, body: result.body, headers };
      if (route.freeOnSuccess && answer.status === 200) deps.limiter.refund(ip, weight, now);
    } catch (error) {
      if (error instanceof RetryAfterError) headers['Retry-After'] = String(error.retryAfterSeconds);
      answer = { ...errorAnswer(error, logger, method, path), headers };
    }
    headers['X-MBX-USED-WEIGHT-1M'] = String(deps.limiter.usedWeight(ip, now));
    if (route.placesOrder) {
      const counts = deps.limiter.orderCounts(now);
      headers['X-MBX-ORDER-COUNT-10S'] = String(counts.tenSeconds);
      headers['X-MBX-ORDER-COUNT-1D'] = String(counts.day);
    }

    const after = deps.faults.take(method, path, 'after')[0];
    if (after?.action === 'timeout-after-execute') return hold(res, after, log);
    if (after?.action === 'error-503-after-execute') {
      return send(res, { status: 503, body: simErrors.timeout().body(), headers }, log);
    }
    send(res, answer, log);
  };

  const hold = (res: ServerResponse, fault: FaultSpec, log: (status: number) => void): void => {
    held.add(res);
    log(0);
    const timer = setTimeout(() => res.socket?.destroy(), fault.holdMs ?? DEFAULT_HOLD_MS);
    res.on('close', () => {
      clearTimeout(timer);
      held.delete(res);
    });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      logger.error({ err: error }, 'simulator request failed');
      if (!res.headersSent) send(res, { status: 500, body: simErrors.unknown().body(), headers: {} }, () => undefined);
    });
  });
  server.on('upgrade', (req: IncomingMessage, socket, head: Buffer) => {
    const pathname = (req.url ?? '/').split('?')[0] ?? '/';
    const endpoint = deps.endpoints().find((e) => e.matches(pathname));
    if (endpoint === undefined) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    endpoint.handleUpgrade(req, socket, head);
  });

  return {
    server,
    listen: (port, host) =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve((server.address() as AddressInfo).port);
        });
      }),
    close: () =>
      new Promise((resolve) => {
        for (const res of held) res.socket?.destroy();
        held.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function send(res: ServerResponse, answer: Answer, log: (status: number) => void): void {
  if (res.destroyed) return;
  const text = JSON.stringify(answer.body);
  res.writeHead(answer.status, {
    'Content-Type': 'application/json;charset=UTF-8',
    'Content-Length': Buffer.byteLength(text),
    ...answer.headers,
  });
  res.end(text);
  log(answer.status);
}

function beforeFault(fault: FaultSpec): Answer {
  if (fault.action === 'rate-limit-429') {
    const err = simErrors.tooManyRequests();
    return { status: 429, body: err.body(), headers: { 'Retry-After': String(fault.retryAfterSeconds ?? 10) } };
  }
  if (fault.action === 'ban-418') {
    const seconds = fault.retryAfterSeconds ?? 120;
    const err = simErrors.tooManyRequests(Date.now() + seconds * 1000);
    return { status: 418, body: err.body(), headers: { 'Retry-After': String(seconds) } };
  }
  return { status: 500, body: simErrors.unknown().body(), headers: {} };
}

function errorAnswer(error: unknown, logger: Logger, method: string, path: string): Omit<Answer, 'headers'> {
  if (error instanceof SimError) return { status: error.httpStatus, body: error.body() };
  logger.error({ err: error, method, path }, 'simulator handler failed');
  return { status: 500, body: simErrors.unknown().body() };
}

/**
 * Query and form body, decoded as application/x-www-form-urlencoded; a parameter in both is
 * taken from the query (rest-api.md "General Information on Endpoints").
 */
export function parseParams(rawQuery: string, rawBody: string): Params {
  const fromBody = decode(rawBody);
  const fromQuery = decode(rawQuery);
  return { ...fromBody, ...fromQuery };
}

function decode(raw: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (raw === '') return out;
  for (const [key, value] of new URLSearchParams(raw)) {
    if (key in out) throw new SimError(400, -1101, 'Duplicate values for a parameter detected.');
    out[key] = value;
  }
  return out;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(new SimError(400, -1000, 'Request body too large.'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

