/**
 * The account's user data stream over the WebSocket API (BINANCE.md "User data stream"; the REST
 * listenKey was removed on 2026-02-20). One subscription, kept alive:
 *
 * - subscribe with `userDataStream.subscribe.signature` {apiKey, timestamp, signature} (any key
 *   type), or with `auth: 'logon'` by `session.logon` then `userDataStream.subscribe` (Ed25519 only,
 *   web-socket-api.md "Log in with API key");
 * - a dropped, silent or refused connection is retried with exponential backoff and jitter,
 *   bounded by `backoff.maxMs`; the failure count resets once a subscription has lived
 *   `backoff.stableAfterMs`;
 * - `serverShutdown` and the connection's age (Binance cuts connections at 24 h) start a new
 *   connection at once; the old one is closed only when the new one is subscribed, so the
 *   rollover leaves no gap (duplicates during the overlap are the consumer's dedup to drop);
 * - after every subscription `onConnected` runs, so the consumer can reconcile over REST whatever
 *   happened while no subscription was live (DESIGN.md §6).
 *
 * `onEvent` gets validated events in arrival order (user-data-events.ts); it may be async, but the
 * client does not wait for it: the consumer serialises its own work.
 */
import type { Registry } from 'prom-client';
import { backoffDelayMs } from '../backoff.js';
import { isExchangeError } from '../errors.js';
import type { Logger } from '../logger.js';
import { wsSign, type Signer } from './signing.js';
import { parseUserDataFrame, type UserDataEvent } from './user-data-events.js';
import { createUserStreamMetrics, USER_STREAM_STATES } from './user-stream-metrics.js';
import { openWsApiConnection, type CloseCause, type WsApiConnection, type WsParam } from './ws-api-connection.js';

export type UserStreamState = (typeof USER_STREAM_STATES)[number];

export interface UserStreamSnapshot {
  state: UserStreamState;
  /** When the current state began, epoch ms. */
  since: number;
  /** When the live subscription was made. */
  subscribedAt?: number;
  lastEventAt?: number;
  /** Successful reconnections since start. */
  reconnects: number;
  /** Consecutive failures (drives the backoff). */
  failures: number;
  lastError?: string;
}

export interface UserStreamClientDeps {
  /** BINANCE_WS_API_URL, e.g. wss://ws-api.binance.com:443/ws-api/v3. */
  wsApiUrl: string;
  apiKey: string;
  signer: Signer;
  logger: Logger;
  registry?: Registry;
  /** Epoch ms clock. Default Date.now. */
  now?: () => number;
  /** Exchange time for `timestamp`: pass `() => Date.now() - rest.usage().clockOffsetMs`. Default now(). */
  serverTime?: () => number;
  /** Called after a -1021 (timestamp outside recvWindow) so the next attempt signs a good time. */
  resyncClock?: () => Promise<void>;
  /** Default 5000 (max 60 000). */
  recvWindowMs?: number;
  /** 'signature' (any key type, default) or 'logon' (Ed25519 keys only). */
  auth?: 'signature' | 'logon';
  onEvent(event: UserDataEvent): void | Promise<void>;
  /** After every successful subscription; `reconnect` is false the first time. Errors are logged. */
  onConnected?(info: { reconnect: boolean }): void | Promise<void>;
  onStateChange?(snapshot: UserStreamSnapshot): void;
  /** Deadline of each WebSocket API request. Default 10 000 ms. */
  requestTimeoutMs?: number;
  /** Deadline of the opening handshake. Default 10 000 ms. */
  handshakeTimeoutMs?: number;
  /** Silence before we ping the server. Default 30 000 ms (the server pings every 20 s). */
  idlePingMs?: number;
  /** Silence after which the connection is dead and replaced. Default 65 000 ms. */
  deadAfterMs?: number;
  /** Age at which a connection is replaced, ahead of Binance's 24 h cut. Default 23 h 30 min. */
  maxConnectionAgeMs?: number;
  /** Default { initialMs: 500, maxMs: 30 000, stableAfterMs: 60 000 }. */
  backoff?: { initialMs?: number; maxMs?: number; stableAfterMs?: number };
  /** [0, 1) source for the jitter. Default Math.random. */
  random?: () => number;
}

export interface UserStreamClient {
  /** Starts connecting; the client keeps the subscription up until close(). */
  start(): void;
  snapshot(): UserStreamSnapshot;
  /** Closes the connections and stops reconnecting. Idempotent. */
  close(): Promise<void>;
}

export function createUserStreamClient(deps: UserStreamClientDeps): UserStreamClient {
  const now = deps.now ?? Date.now;
  const serverTime = deps.serverTime ?? now;
  const random = deps.random ?? Math.random;
  const log = deps.logger.child({ module: 'user-stream' });
  const metrics = createUserStreamMetrics(deps.registry);
  const initialMs = deps.backoff?.initialMs ?? 500;
  const maxMs = deps.backoff?.maxMs ?? 30_000;
  const stableAfterMs = deps.backoff?.stableAfterMs ?? 60_000;
  const maxAgeMs = deps.maxConnectionAgeMs ?? 23.5 * 3_600_000;

  const snap: UserStreamSnapshot = { state: 'idle', since: now(), reconnects: 0, failures: 0 };
  let current: WsApiConnection | undefined;
  let establishing = false;
  let inflight: Promise<void> | undefined;
  let everSubscribed = false;
  let stopped = false;
  let retryTimer: NodeJS.Timeout | undefined;
  let stableTimer: NodeJS.Timeout | undefined;
  let ageTimer: NodeJS.Timeout | undefined;
  const all = new Set<WsApiConnection>();

  function setState(state: UserStreamState, error?: string): void {
    if (error !== undefined) snap.lastError = error;
    if (snap.state === state) return;
    snap.state = state;
    snap.since = now();
    if (state !== 'subscribed') delete snap.subscribedAt;
    else snap.subscribedAt ??= snap.since;
    for (const s of USER_STREAM_STATES) metrics.state.set({ state: s }, s === state ? 1 : 0);
    deps.onStateChange?.({ ...snap });
  }

  const backoffMs = (failures: number) => backoffDelayMs(failures, { initialMs, maxMs }, random);

  function signedParams(): Record<string, WsParam> {
    const params: Record<string, WsParam> = { apiKey: deps.apiKey, timestamp: Math.round(serverTime()) };
    if (deps.recvWindowMs !== undefined) params.recvWindow = deps.recvWindowMs;
    return { ...params, signature: wsSign(params, deps.signer) };
  }

  async function subscribe(connection: WsApiConnection): Promise<number> {
    if (deps.auth === 'logon') {
      await connection.request('session.logon', signedParams());
      const result = await connection.request<{ subscriptionId: number }>('userDataStream.subscribe');
      return result.subscriptionId;
    }
    const result = await connection.request<{ subscriptionId: number }>('userDataStream.subscribe.signature', signedParams());
    return result.subscriptionId;
  }

  function onFrame(connection: WsApiConnection, frame: unknown): void {
    // A listener that lost its lease must not act on one more event.
    if (stopped) return;
    const parsed = parseUserDataFrame(frame);
    switch (parsed.kind) {
      case 'server-shutdown':
        metrics.events.inc({ type: 'serverShutdown' });
        log.info({ connection: connection.id }, 'serverShutdown: moving to a new connection');
        if (connection === current) rollover('server-shutdown');
        return;
      case 'ignored':
        metrics.events.inc({ type: parsed.eventType });
        log.debug({ eventType: parsed.eventType, reason: parsed.reason }, 'user data event ignored');
        return;
      case 'invalid':
        metrics.events.inc({ type: 'invalid' });
        log.warn({ eventType: parsed.eventType, reason: parsed.reason }, 'user data frame failed validation; ignored');
        return;
      case 'event': {
        const event = parsed.event;
        metrics.events.inc({ type: event.e });
        if (event.e === 'eventStreamTerminated') {
          // Our subscription ended while the connection lives on (user-data-stream.md "Event Stream Terminated").
          if (connection === current && !stopped) {
            log.warn({ connection: connection.id }, 'subscription terminated by the server; reconnecting');
            connection.terminate('server-closed');
          }
          return;
        }
        snap.lastEventAt = now();
        metrics.lastEvent.set(snap.lastEventAt / 1000);
        try {
          Promise.resolve(deps.onEvent(event)).catch((error: unknown) => log.error({ err: error, eventType: event.e }, 'user data event handler failed'));
        } catch (error) {
          log.error({ err: error, eventType: event.e }, 'user data event handler failed');
        }
      }
    }
  }

  function onClose(connection: WsApiConnection | undefined, info: { code: number; reason: string; cause: CloseCause }): void {
    if (connection) all.delete(connection);
    if (connection === undefined || connection !== current) return;
    current = undefined;
    clearTimeout(stableTimer);
    clearTimeout(ageTimer);
    if (stopped) return;
    log.warn({ connection: connection.id, code: info.code, cause: info.cause }, 'user data stream disconnected');
    metrics.reconnects.inc({ reason: info.cause });
    setState('reconnecting', `disconnected (${info.cause})`);
    if (!establishing) schedule(backoffMs(snap.failures++));
  }

  function schedule(delayMs: number): void {
    clearTimeout(retryTimer);
    if (stopped) return;
    retryTimer = setTimeout(() => (inflight = establish()), delayMs);
  }

  function rollover(reason: 'server-shutdown' | 'max-age'): void {
    if (stopped || establishing) return;
    metrics.reconnects.inc({ reason });
    clearTimeout(retryTimer);
    inflight = establish();
  }

  /** Opens and subscribes a new connection; on success it replaces the current one. */
  async function establish(): Promise<void> {
    if (stopped || establishing) return;
    establishing = true;
    if (!current) setState(everSubscribed ? 'reconnecting' : 'connecting');
    let connection: WsApiConnection | undefined;
    try {
      connection = await openWsApiConnection({
        url: deps.wsApiUrl,
        logger: log,
        now,
        requestTimeoutMs: deps.requestTimeoutMs ?? 10_000,
        handshakeTimeoutMs: deps.handshakeTimeoutMs ?? 10_000,
        idlePingMs: deps.idlePingMs ?? 30_000,
        deadAfterMs: deps.deadAfterMs ?? 65_000,
        onFrame: (frame) => onFrame(connection!, frame),
        onClose: (info) => onClose(connection, info),
      });
      all.add(connection);
      if (stopped) throw new Error('stopped');
      await subscribe(connection);
      if (stopped || connection.closed) throw new Error(stopped ? 'stopped' : 'closed while subscribing');
    } catch (error) {
      establishing = false;
      connection?.terminate('closed-by-us');
      if (stopped) return;
      if (isExchangeError(error) && error.code === 'EXCHANGE_CLOCK_SKEW') await deps.resyncClock?.().catch(() => undefined);
      const message = error instanceof Error ? error.message : String(error);
      const delay = isExchangeError(error) && error.retryAfterMs ? error.retryAfterMs : backoffMs(snap.failures++);
      log.warn({ err: message, code: isExchangeError(error) ? error.code : undefined, retryInMs: delay }, 'user data stream subscription failed');
      // Until the first subscription the client is still 'connecting' (lastError says why).
      if (!current) setState(everSubscribed ? 'reconnecting' : 'connecting', message);
      schedule(delay);
      return;
    }
    const previous = current;
    current = connection;
    establishing = false;
    const reconnect = everSubscribed;
    everSubscribed = true;
    if (reconnect) snap.reconnects += 1;
    snap.subscribedAt = now();
    setState('subscribed');
    clearTimeout(stableTimer);
    stableTimer = setTimeout(() => (snap.failures = 0), stableAfterMs);
    stableTimer.unref();
    clearTimeout(ageTimer);
    ageTimer = setTimeout(() => rollover('max-age'), maxAgeMs);
    ageTimer.unref();
    log.info({ connection: connection.id, reconnect }, 'user data stream subscribed');
    // Make-before-break: the old connection goes only now that the new one delivers.
    previous?.close('replaced');
    // Not awaited: close() must not wait for the consumer's reconciliation.
    Promise.resolve()
      .then(() => deps.onConnected?.({ reconnect }))
      .catch((error: unknown) => log.error({ err: error }, 'after-connect work failed'));
  }

  return {
    start() {
      if (stopped || establishing || current) return;
      inflight = establish();
    },
    snapshot: () => ({ ...snap }),
    async close() {
      if (stopped) return;
      stopped = true;
      clearTimeout(retryTimer);
      clearTimeout(stableTimer);
      clearTimeout(ageTimer);
      current = undefined;
      setState('stopped');
      // Terminating first fails any request in flight, so the pending establishment ends now.
      for (const c of all) c.terminate('closed-by-us');
      await inflight;
      await Promise.all([...all].map((c) => c.whenClosed));
    },
  };
}
