/**
 * The simulator's WebSocket API (`/ws-api/v3`), the part a user data stream client needs
 * (web-socket-api.md): `ping`, `time`, `userDataStream.subscribe.signature` (any key type,
 * sorted-params signature), `session.logon` (Ed25519 only) + `userDataStream.subscribe`,
 * `session.status`, `session.logout`, `session.subscriptions`, `userDataStream.unsubscribe`.
 *
 * Events are pushed as `{ subscriptionId, event }` to every subscription (the simulator holds
 * one account, so every valid key subscribes to the same events). Ending a subscription sends
 * `eventStreamTerminated` for it (user-data-stream.md). With `rest`, the trading, account and
 * market-data methods (order.place, order.cancel, order.status, openOrders.status, account.status,
 * myTrades, orderList.*, …) run the REST route handlers (ws-api-methods.ts).
 *
 * Binance does not document the error for an unknown method or a frame that is not a JSON
 * request; the simulator answers 400 with -1020 and -1102 respectively.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { SimError, simErrors } from '../sim-error.js';
import type { RestDispatcher, UserDataEvent, UserEventSource, WsApiAuthenticator, WsEndpoint } from '../types.js';
import { runWsRestMethod } from './ws-api-methods.js';
import { createWsConnections, type WsConnectionOptions } from './ws-connections.js';

export interface WsApiServerOptions extends WsConnectionOptions {
  events: UserEventSource;
  auth: WsApiAuthenticator;
  logger: Logger;
  /** Server time (the simulator's clock, skewed when a test asks for it). */
  now: () => number;
  /** Default '/ws-api/v3'. */
  path?: string;
  /** Serves the trading and account methods through the REST handlers; without it they answer -1020. */
  rest?: RestDispatcher;
}

export interface WsApiServer extends WsEndpoint {
  /** Open connections. */
  connectionCount(): number;
  /** Active user data stream subscriptions over all connections. */
  subscriptionCount(): number;
}

type ParamValue = string | number | boolean;
type RequestId = string | number | null;

interface Session {
  socket: WebSocket;
  connectedSince: number;
  returnRateLimits: boolean;
  /** Ed25519 key authenticated by session.logon. */
  logon: { apiKey: string; since: number } | undefined;
  /** subscriptionId → the api key it was opened with and how. */
  subscriptions: Map<number, { apiKey: string; via: 'logon' | 'signature' }>;
  nextSubscriptionId: number;
}

/** Binance's per-session lifetime limit on subscription ids (web-socket-api.md "User Data Stream subscription"). */
const MAX_SUBSCRIPTION_IDS = 65_535;
const MAX_ACTIVE_SUBSCRIPTIONS = 1_000;
const REQUEST_WEIGHT_LIMIT = 6_000;

const wsErrors = {
  unsupported: () => new SimError(400, -1020, 'This operation is not supported.'),
  malformed: (field: string) => simErrors.mandatoryMissing(field),
  subscriptionActive: () => new SimError(400, -2035, 'User Data Stream subscription already active.'),
  subscriptionInactive: () => new SimError(400, -2036, 'User Data Stream subscription not active.'),
  maxSubscriptionIds: () => new SimError(400, -2042, 'Maximum subscription ID reached for this connection.'),
  tooManySubscriptions: () => new SimError(400, -1191, `Too many subscriptions. Connection may create up to '${MAX_ACTIVE_SUBSCRIPTIONS}' subscriptions at a time.`),
} as const;

export function createWsApiServer(options: WsApiServerOptions): WsApiServer {
  const path = options.path ?? '/ws-api/v3';
  const log = options.logger.child({ module: 'ws-api-server' });
  const { auth, now } = options;
  const wss = new WebSocketServer({ noServer: true });
  const connections = createWsConnections(options, log);
  const sessions = new Map<WebSocket, Session>();
  const weight = { minute: 0, used: 0 };
  let closed = false;

  function useWeight(amount: number): number {
    const minute = Math.floor(now() / 60_000);
    if (minute !== weight.minute) Object.assign(weight, { minute, used: 0 });
    weight.used += amount;
    return weight.used;
  }

  function send(session: Session, payload: unknown): void {
    if (session.socket.readyState === WebSocket.OPEN) session.socket.send(JSON.stringify(payload));
  }

  function respond(session: Session, id: RequestId, outcome: { result: unknown } | { error: SimError }, weightUsed: number, returnRateLimits: boolean): void {
    const rateLimits = returnRateLimits
      ? { rateLimits: [{ rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: REQUEST_WEIGHT_LIMIT, count: weightUsed }] }
      : {};
    if ('result' in outcome) send(session, { id, status: 200, result: outcome.result, ...rateLimits });
    else send(session, { id, status: outcome.error.httpStatus, error: { code: outcome.error.code, msg: outcome.error.message }, ...rateLimits });
  }

  function status(session: Session): Record<string, unknown> {
    return {
      apiKey: session.logon?.apiKey ?? null,
      authorizedSince: session.logon?.since ?? null,
      connectedSince: session.connectedSince,
      returnRateLimits: session.returnRateLimits,
      serverTime: now(),
      userDataStream: session.subscriptions.size > 0,
    };
  }

  function subscribe(session: Session, apiKey: string, via: 'logon' | 'signature'): { subscriptionId: number } {
    for (const s of session.subscriptions.values()) if (s.apiKey === apiKey) throw wsErrors.subscriptionActive();
    if (session.subscriptions.size >= MAX_ACTIVE_SUBSCRIPTIONS) throw wsErrors.tooManySubscriptions();
    if (session.nextSubscriptionId >= MAX_SUBSCRIPTION_IDS) throw wsErrors.maxSubscriptionIds();
    const subscriptionId = session.nextSubscriptionId++;
    session.subscriptions.set(subscriptionId, { apiKey, via });
    log.info({ subscriptionId, via }, 'user data stream subscribed');
    return { subscriptionId };
  }

  function terminate(session: Session, subscriptionId: number): void {
    session.subscriptions.delete(subscriptionId);
    send(session, { subscriptionId, event: { e: 'eventStreamTerminated', E: now() } });
  }

  /** Runs one method; throws SimError for a request Binance would refuse. Returns the result and its weight. */
  function execute(session: Session, method: string, params: Record<string, ParamValue>): { result: unknown; weight: number } {
    switch (method) {
      case 'ping':
        return { result: {}, weight: 1 };
      case 'time':
        return { result: { serverTime: now() }, weight: 1 };
      case 'userDataStream.subscribe.signature': {
        const apiKey = auth.verifyWsSignature(params);
        return { result: subscribe(session, apiKey, 'signature'), weight: 2 };
      }
      case 'session.logon': {
        const apiKey = auth.verifyWsSignature(params);
        // "Only Ed25519 keys are supported for this feature" (web-socket-api.md "Session Authentication").
        if (!auth.isEd25519(apiKey)) throw simErrors.unauthorized();
        if (session.logon && session.logon.apiKey !== apiKey) endLogonSubscription(session);
        session.logon = { apiKey, since: now() };
        return { result: status(session), weight: 2 };
      }
      case 'session.status':
        return { result: status(session), weight: 2 };
      case 'session.logout':
        endLogonSubscription(session);
        session.logon = undefined;
        return { result: status(session), weight: 2 };
      case 'session.subscriptions':
        return { result: [...session.subscriptions.keys()].map((subscriptionId) => ({ subscriptionId })), weight: 2 };
      case 'userDataStream.subscribe':
        if (!session.logon) throw simErrors.unauthorized();
        return { result: subscribe(session, session.logon.apiKey, 'logon'), weight: 2 };
      case 'userDataStream.unsubscribe': {
        const raw = params.subscriptionId;
        if (raw === undefined) {
          for (const id of [...session.subscriptions.keys()]) terminate(session, id);
        } else {
          const id = Number(raw);
          if (!Number.isInteger(id) || !session.subscriptions.has(id)) throw wsErrors.subscriptionInactive();
          terminate(session, id);
        }
        return { result: {}, weight: 2 };
      }
      default: {
        const viaRest = options.rest === undefined ? undefined : runWsRestMethod(options.rest, auth, method, params, session.logon?.apiKey);
        if (viaRest === undefined) throw wsErrors.unsupported();
        return viaRest;
      }
    }
  }

  function endLogonSubscription(session: Session): void {
    for (const [id, s] of session.subscriptions) if (s.via === 'logon') terminate(session, id);
  }

  function onMessage(session: Session, data: RawData, isBinary: boolean): void {
    let request: { id?: unknown; method?: unknown; params?: unknown };
    try {
      request = isBinary ? {} : (JSON.parse(data.toString()) as typeof request);
    } catch {
      request = {};
    }
    const id: RequestId = typeof request.id === 'string' || typeof request.id === 'number' ? request.id : null;
    const params = request.params ?? {};
    let returnRateLimits = session.returnRateLimits;
    let outcome: { result: unknown } | { error: SimError };
    let weightUsed: number;
    try {
      if (typeof request !== 'object' || request === null || typeof request.method !== 'string') throw wsErrors.malformed('method');
      if (typeof params !== 'object' || params === null || Array.isArray(params)) throw wsErrors.malformed('params');
      for (const [key, value] of Object.entries(params)) {
        if (!['string', 'number', 'boolean'].includes(typeof value)) throw wsErrors.malformed(key);
      }
      const typed = params as Record<string, ParamValue>;
      if (typeof typed.returnRateLimits === 'boolean') returnRateLimits = typed.returnRateLimits;
      // "Request method names may be prefixed with explicit version: e.g., v3/order.place".
      const method = request.method.replace(/^v3\//, '');
      const { result, weight: cost } = execute(session, method, typed);
      weightUsed = useWeight(cost);
      outcome = { result };
    } catch (err) {
      weightUsed = useWeight(1);
      if (err instanceof SimError) outcome = { error: err };
      else {
        log.error({ err }, 'ws-api request failed');
        outcome = { error: simErrors.unknown() };
      }
    }
    respond(session, id, outcome, weightUsed, returnRateLimits);
  }

  const unsubscribeEvents = options.events.onUserEvent((event: UserDataEvent) => {
    for (const session of sessions.values()) {
      for (const subscriptionId of session.subscriptions.keys()) send(session, { subscriptionId, event });
    }
  });

  wss.on('connection', (socket: WebSocket, request: IncomingMessage) => {
    const query = new URL(request.url ?? '/', 'http://localhost').searchParams;
    const session: Session = {
      socket,
      connectedSince: now(),
      returnRateLimits: query.get('returnRateLimits') !== 'false',
      logon: undefined,
      subscriptions: new Map(),
      nextSubscriptionId: 0,
    };
    sessions.set(socket, session);
    connections.add(socket);
    // "Connecting to WebSocket API costs 2 weight."
    useWeight(2);
    socket.on('message', (data, isBinary) => onMessage(session, data, isBinary));
    socket.on('close', () => sessions.delete(socket));
    socket.on('error', (err) => log.warn({ err }, 'ws-api connection error'));
  });

  return {
    matches: (pathname) => pathname === path,
    handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer) {
      if (closed) {
        socket.destroy();
        return;
      }
      wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request));
    },
    dropAll() {
      log.info({ connections: connections.size() }, 'dropping every ws-api connection (fault injection)');
      connections.terminateAll();
    },
    announceShutdown() {
      const event = { event: { e: 'serverShutdown', E: now() } };
      for (const session of sessions.values()) send(session, event);
      connections.closeAll(1001, 'Server shutting down');
    },
    async close() {
      if (closed) return;
      closed = true;
      unsubscribeEvents();
      connections.stop();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
    connectionCount: () => connections.size(),
    subscriptionCount: () => [...sessions.values()].reduce((n, s) => n + s.subscriptions.size, 0),
  };
}

