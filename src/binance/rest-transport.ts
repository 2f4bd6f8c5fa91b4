/**
 * One signed or public REST exchange with Binance, done right: through the shared gate and the
 * minute's weight budget (weight-budget.ts), signed over exactly the bytes sent, on a kept-alive
 * connection, with a hard deadline, classified (rest-errors.ts), counted (rest-metrics.ts) and
 * logged without secrets. Reads are retried on transient failures with a bound and jittered
 * backoff; writes never are, except the single re-signed retry after -1021 (the timestamp was
 * refused, so nothing executed).
 */
import { EventEmitter } from 'node:events';
import type { ClientRequest } from 'node:http';
import axios, { type AxiosResponse } from 'axios';
import type { Registry } from 'prom-client';
import { backoffDelayMs } from '../backoff.js';
import { AppError, ExchangeError } from '../errors.js';
import type { Logger } from '../logger.js';
import { createNodeHttpAdapter } from './rest-adapter.js';
import { createKeepAliveAgent, mayHaveBeenSent } from './rest-agent.js';
import { createRequestGate, type RequestGate } from './request-gate.js';
import type { RequestPriority } from './request-weights.js';
import { errorFromNetwork, errorFromResponse, isWrite, parseRetryAfter } from './rest-errors.js';
import { createRestMetrics, type RestMetrics } from './rest-metrics.js';
import { createWeightBudget } from './weight-budget.js';
import { parseServerTime } from './market-data-parsers.js';
import { ResponseShapeError } from './response-shape.js';
import { createServerClock } from './server-clock.js';
import { signQuery, type Signer } from './signing.js';
import type { ExchangeUsage } from './exchange-client.js';
import { sleep } from '../sleep.js';

export interface RestClientDeps {
  /** e.g. https://api.binance.com, https://testnet.binance.vision, or the simulator's URL. */
  baseUrl: string;
  /** Sent as X-MBX-APIKEY on signed requests only. */
  apiKey?: string;
  /** Needed for signed (account and order) endpoints. */
  signer?: Signer;
  /** Hard deadline per HTTP request, ms. Default 10 000. */
  timeoutMs?: number;
  /** recvWindow sent with signed requests, ms. Default 5 000 (max 60 000). */
  recvWindowMs?: number;
  logger: Logger;
  /** Where the binance_chatops_exchange_* metrics go; a private registry when absent. */
  registry?: Registry;
  /** Shared by every client of one IP; a private gate when absent. */
  gate?: RequestGate;
  /** Clock refresh period, ms. Default 30 min; 0 disables the periodic refresh. */
  clockRefreshMs?: number;
  /** Longest a request waits at the gate before failing with `rate-limited`, ms. Default 10 000. */
  maxGateWaitMs?: number;
  /** REQUEST_WEIGHT per minute per IP (exchangeInfo.rateLimits). Default 6000 (BINANCE.md "Limits"). */
  weightLimitPerMinute?: number;
  /** Epoch ms clock. Default Date.now. */
  now?: () => number;
  /** Retries of a read after a transient failure. Default 2. */
  readRetries?: number;
  /** First backoff step of those retries, ms (doubled each time, jittered). Default 250. */
  retryBaseDelayMs?: number;
}

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface RestRequest<T> {
  method: HttpMethod;
  path: string;
  /** Percent-encoded parameters (encodeParams), without timestamp or signature. */
  query?: string;
  /** Adds recvWindow, timestamp, signature and the API key header. */
  signed?: boolean;
  parse: (json: unknown) => T;
  /** REQUEST_WEIGHT of this request (request-weights.ts). Default 1. */
  weight?: number;
  /** Default `trading`. A write is always `trading`, whoever sends it. */
  priority?: RequestPriority;
  /**
   * Epoch ms (this server's clock): a signed request not signed by then is not sent at all
   * (EXCHANGE_SIGN_DEADLINE, nothing executed). An order's sender promises, through its send
   * mark, that its request is signed within a bound; a worker held up past it in the gate, a
   * clock resync or a -1021 re-sign must not send late, after another worker stopped waiting.
   */
  signBy?: number;
}

export interface RestClientEvents {
  'rate-limited': [{ retryAfterMs: number; status: number }];
  banned: [{ retryAfterMs: number }];
  'clock-resync': [{ offsetMs: number }];
  /** A write (order, cancel, cancel-replace) was answered or failed: what the account holds may have changed. */
  write: [{ method: string; path: string }];
}

export interface RestTransport {
  request<T>(request: RestRequest<T>): Promise<T>;
  syncClock(): Promise<void>;
  usage(): ExchangeUsage;
  readonly events: EventEmitter<RestClientEvents>;
  close(): Promise<void>;
}


export function createRestTransport(deps: RestClientDeps): RestTransport {
  const now = deps.now ?? Date.now;
  const timeoutMs = deps.timeoutMs ?? 10_000;
  const recvWindowPart = `recvWindow=${deps.recvWindowMs ?? 5_000}&timestamp=`;
  const maxGateWaitMs = deps.maxGateWaitMs ?? 10_000;
  const readRetries = deps.readRetries ?? 2;
  const retryBaseDelayMs = deps.retryBaseDelayMs ?? 250;
  const gate = deps.gate ?? createRequestGate({ now });
  const metrics: RestMetrics = createRestMetrics(deps.registry);
  const log = deps.logger.child({ module: 'binance-rest' });
  const events = new EventEmitter<RestClientEvents>();
  const signedHeaders: Record<string, string> = deps.apiKey !== undefined ? { 'X-MBX-APIKEY': deps.apiKey } : {};
  let closed = false;

  const agent = createKeepAliveAgent(deps.baseUrl);
  const client = axios.create({
    baseURL: deps.baseUrl.replace(/\/+$/, ''),
    adapter: createNodeHttpAdapter({ baseUrl: deps.baseUrl, agent }),
    // We classify every status ourselves and parse the JSON ourselves (a bad body is an error,
    // not a string); the adapter follows no redirect and consults no proxy (rest-adapter.ts).
    validateStatus: () => true,
    responseType: 'text',
    transformResponse: [(data: unknown) => data],
    timeout: 0,
  });

  const clock = createServerClock({
    fetchServerTime: () => request({ method: 'GET', path: '/api/v3/time', parse: parseServerTime }),
    logger: log,
    now,
    refreshMs: deps.signer !== undefined ? deps.clockRefreshMs : 0,
    onSync: (offsetMs) => {
      metrics.clockOffset.set(offsetMs);
      events.emit('clock-resync', { offsetMs });
    },
  });
  const budget = createWeightBudget({ gate, clock, metrics, log, events, now, weightLimitPerMinute: deps.weightLimitPerMinute });

  function fail(error: ExchangeError, endpoint: string, startedAt: number, status: number | undefined, weight?: number): never {
    const ms = Math.round(performance.now() - startedAt);
    metrics.duration.observe({ endpoint, outcome: error.kind }, ms / 1000);
    metrics.errors.inc({ kind: error.kind });
    log.debug({ method: error.method, path: error.path, status, ms, weight, kind: error.kind, code: error.code, binanceCode: error.binanceCode }, 'exchange request failed');
    throw error;
  }

  /** One HTTP exchange: gate, sign with a fresh timestamp, send, classify. */
  async function send<T>(req: RestRequest<T>, query: string): Promise<T> {
    const { method, path } = req;
    await gate.pass({ method, path, maxWaitMs: maxGateWaitMs });
    const requestWeight = req.weight ?? 1;
    const refused = budget.refuseViewOverCeiling(req, requestWeight);
    if (refused) {
      metrics.errors.inc({ kind: refused.kind });
      log.debug({ method, path, weight: requestWeight, usedWeight: budget.usage().usedWeight1m, weightInFlight: budget.inFlight() }, 'view request refused: the rest of the minute is the trading reserve');
      throw refused;
    }
    let url: string;
    if (req.signed) {
      if (req.signBy !== undefined && now() > req.signBy) {
        metrics.errors.inc({ kind: 'transient' });
        log.warn({ method, path, lateMs: now() - req.signBy }, 'request not sent: past its sign-by deadline');
        throw new ExchangeError('EXCHANGE_SIGN_DEADLINE', { kind: 'transient', method, path });
      }
      const payload = (query.length > 0 ? query + '&' : '') + recvWindowPart + clock.timestamp();
      url = path + '?' + signQuery(payload, '', deps.signer!).query;
    } else {
      url = query.length > 0 ? path + '?' + query : path;
    }

    const endpoint = `${method} ${path}`;
    const startedAt = performance.now();
    const deadline = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      deadline.abort();
    }, timeoutMs);
    let response: AxiosResponse<string>;
    budget.sending(requestWeight);
    try {
      response = await client.request<string>({ method, url, headers: req.signed ? signedHeaders : undefined, signal: deadline.signal });
    } catch (error) {
      const e = error as { code?: string; message?: string; request?: ClientRequest };
      return fail(
        errorFromNetwork({
          method,
          path,
          code: e.code,
          // Node and axios messages name host and port at most; cut any query defensively.
          message: String(e.message ?? '').replace(/\?\S*/g, ''),
          timedOut,
          sent: mayHaveBeenSent(e.request),
        }),
        endpoint,
        startedAt,
        undefined,
      );
    } finally {
      clearTimeout(timer);
      budget.answered(requestWeight);
      if (isWrite(method)) events.emit('write', { method, path });
    }

    const { status } = response;
    const weight = budget.readUsage(response.headers);
    let json: unknown;
    let jsonOk = true;
    try {
      json = JSON.parse(response.data);
    } catch {
      jsonOk = false;
    }

    if (status >= 200 && status < 300) {
      try {
        if (!jsonOk) throw new ResponseShapeError('body (not JSON)');
        const parsed = req.parse(json);
        const ms = Math.round(performance.now() - startedAt);
        metrics.duration.observe({ endpoint, outcome: 'ok' }, ms / 1000);
        log.debug({ method, path, status, ms, weight }, 'exchange request');
        return parsed;
      } catch (error) {
        // A 2xx we cannot read: a write did happen (reconcile), a read can simply be repeated later.
        const reason = error instanceof ResponseShapeError ? error.message : 'unreadable body';
        return fail(
          new ExchangeError('EXCHANGE_BAD_RESPONSE', {
            kind: isWrite(method) ? 'unknown-outcome' : 'transient',
            method,
            path,
            httpStatus: status,
            cause: new Error(reason),
          }),
          endpoint,
          startedAt,
          status,
          weight,
        );
      }
    }

    let retryAfterMs = parseRetryAfter(response.headers['retry-after'], now());
    const binanceCode = jsonOk ? (json as { code?: unknown } | null)?.code : undefined;
    if (status === 429 || status === 418) retryAfterMs = budget.onRateLimit(status, retryAfterMs, typeof binanceCode === 'number' ? binanceCode : undefined);
    return fail(errorFromResponse({ method, path, status, body: jsonOk ? json : undefined, retryAfterMs }), endpoint, startedAt, status, weight);
  }

  const closedError = (req: RestRequest<unknown>) =>
    new ExchangeError('EXCHANGE_UNAVAILABLE', { kind: 'transient', method: req.method, path: req.path, cause: new Error('REST client closed') });

  async function request<T>(req: RestRequest<T>): Promise<T> {
    if (closed) throw closedError(req);
    if (req.signed && deps.signer === undefined) {
      throw new AppError('CONFIG_INVALID', `${req.method} ${req.path} needs an API key and secret (BINANCE_API_KEY with BINANCE_API_SECRET or BINANCE_PRIVATE_KEY_PATH)`);
    }
    if (req.signed && !clock.synced()) await clock.sync();
    const query = req.query ?? '';
    let clockRetried = false;
    let attempt = 0;
    for (;;) {
      if (closed) throw closedError(req);
      try {
        return await send(req, query);
      } catch (error) {
        if (!(error instanceof ExchangeError)) throw error;
        if (req.signed && error.binanceCode === -1021 && !clockRetried) {
          // Refused for its timestamp, so not executed: resync and re-sign once, even for orders.
          clockRetried = true;
          log.info({ method: req.method, path: req.path }, 'exchange refused our timestamp (-1021); resyncing the clock and retrying once');
          await clock.sync();
          continue;
        }
        const retryable = req.method === 'GET' && error.kind === 'transient' && error.code !== 'EXCHANGE_BAD_RESPONSE';
        if (!retryable || attempt >= readRetries) throw error;
        await sleep(backoffDelayMs(attempt++, { initialMs: retryBaseDelayMs, maxMs: Infinity }));
      }
    }
  }

  return {
    request,
    syncClock: async () => {
      await clock.sync();
    },
    usage: () => ({ ...budget.usage(), blockedUntil: gate.blockedUntil(), clockOffsetMs: clock.offsetMs() }),
    events,
    close: async () => {
      closed = true;
      clock.close();
      agent.destroy();
    },
  };
}
