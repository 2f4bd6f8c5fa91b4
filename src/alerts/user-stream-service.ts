/**
 * The worker role's user data stream (DESIGN.md §1, §6): lease → stream client → events → order
 * records and alerts, with reconciliation after every (re)connect.
 *
 * Every worker process runs one; only the holder of the account's lease listens (stream-lease.ts).
 * Events and reconciliations run one at a time, in arrival order, on one chain. The "last heard"
 * time that bounds the next reconciliation's window only advances while the stream is caught up:
 * from a completed reconciliation until the next disconnect or a failed event, so a gap is always
 * inside the next window.
 *
 * The stream's state is published in Redis for `/status` in the bot process (`readUserStreamStatus`),
 * and while it is caught up the account's balances are kept in Redis for every process's pricing
 * (trading/account-cache.ts): a REST snapshot at each completed reconciliation, and every
 * `outboundAccountPosition` as it arrives; the cache is marked stale the moment "caught up" ends.
 */
import type { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import type { Logger } from '../logger.js';
import type { SymbolInfo } from '../binance/types.js';
import type { ExchangeClient } from '../binance/exchange-client.js';
import type { Signer } from '../binance/signing.js';
import type { ExecutionReport, UserDataEvent } from '../binance/user-data-events.js';
import { createUserStreamClient, type UserStreamClient, type UserStreamClientDeps, type UserStreamSnapshot } from '../binance/user-stream-client.js';
import type { IntentStore } from '../trading/intent-store.js';
import type { OrderRecords } from '../trading/orders/order-records.js';
import type { AlertSink } from '../trading/types.js';
import { createExecutionAlerts, type ExecutionAlerts } from './execution-alerts.js';
import { createStreamGapRecovery, type StreamGapRecovery, type StreamGapRecoveryDeps } from './stream-gap-recovery.js';
import { createStreamLease, defaultHolderId, type StreamLease } from './stream-lease.js';
import { KEY_PREFIX } from '../redis.js';
import { createAccountCacheWriter } from '../trading/account-cache.js';

export interface UserStreamServiceDeps {
  /** A `producer` connection. */
  redis: Redis;
  /** Key prefix. Default `chatops`. */
  prefix?: string;
  /** Lease name: one listener per account. Default `main`. */
  account?: string;
  wsApiUrl: string;
  apiKey: string;
  signer: Signer;
  /** The REST client: reconciliation, and its clock offset for signed timestamps. */
  exchange: ExchangeClient & { syncClock?(): Promise<void> };
  records: OrderRecords;
  intents?: Pick<IntentStore, 'get'>;
  alerts: AlertSink;
  allowedUsers: readonly number[];
  symbols?: { symbol(name: string): Promise<SymbolInfo | undefined> };
  extraSymbols?: StreamGapRecoveryDeps['extraSymbols'];
  logger: Logger;
  registry?: Registry;
  /** Lease timing; the takeover bound is ttlMs + pollMs (stream-lease.ts). */
  lease?: { ttlMs?: number; renewEveryMs?: number; pollMs?: number; holderId?: string };
  /** Stream client tuning (defaults in user-stream-client.ts). */
  stream?: Partial<Pick<UserStreamClientDeps, 'auth' | 'recvWindowMs' | 'requestTimeoutMs' | 'handshakeTimeoutMs' | 'idlePingMs' | 'deadAfterMs' | 'maxConnectionAgeMs' | 'backoff'>>;
  /** Also told of every executionReport as it arrives, outside the alerts' chain (the P&L ledger's fills). */
  onExecutionReport?: (report: ExecutionReport) => void;
  /** Told after every (re)connect of the stream (the ledger syncs what it may have missed). */
  onConnected?: () => void;
  /** How often "last heard" and the published status are refreshed. Default 5 000 ms. */
  heartbeatMs?: number;
  /** First retry of a failed reconciliation (doubling to 60 s). Default 2 000 ms. */
  reconcileRetryMs?: number;
  now?: () => number;
}

export interface UserStreamServiceStatus {
  holder: string;
  holding: boolean;
  caughtUp: boolean;
  stream?: UserStreamSnapshot;
}

export interface UserStreamService {
  readonly execution: ExecutionAlerts;
  start(): void;
  status(): UserStreamServiceStatus;
  close(): Promise<void>;
}

/** What /status shows (src/bot/bot-deps.ts UserStreamStatus). */
export interface PublishedStreamStatus {
  state: 'connected' | 'connecting' | 'disconnected' | 'not-running';
  since?: number;
  holder?: string;
  lastEventAt?: number;
  reconnects?: number;
}

const statusKey = (prefix: string) => `${prefix}:user-stream:status`;

/** The stream's state as the listening worker last published it; `not-running` when none does. */
export async function readUserStreamStatus(redis: Redis, prefix = KEY_PREFIX): Promise<PublishedStreamStatus> {
  const json = await redis.get(statusKey(prefix));
  return json ? (JSON.parse(json) as PublishedStreamStatus) : { state: 'not-running' };
}

export function createUserStreamService(deps: UserStreamServiceDeps): UserStreamService {
  const prefix = deps.prefix ?? KEY_PREFIX;
  const now = deps.now ?? Date.now;
  const log = deps.logger.child({ module: 'user-stream-service' });
  const heartbeatMs = deps.heartbeatMs ?? 5_000;
  const holderId = deps.lease?.holderId ?? defaultHolderId();
  const execution = createExecutionAlerts({
    redis: deps.redis,
    prefix,
    records: deps.records,
    ...(deps.intents ? { intents: deps.intents } : {}),
    alerts: deps.alerts,
    allowedUsers: deps.allowedUsers,
    ...(deps.symbols ? { symbols: deps.symbols } : {}),
    logger: deps.logger,
    now,
  });
  const ledger = execution.ledger;
  const accountCache = createAccountCacheWriter({ redis: deps.redis, prefix, freshForMs: heartbeatMs * 3 });
  const gapRecovery: StreamGapRecovery = createStreamGapRecovery({
    exchange: deps.exchange,
    alerts: execution,
    ledger,
    records: deps.records,
    logger: deps.logger,
    ...(deps.extraSymbols ? { extraSymbols: deps.extraSymbols } : {}),
    now,
  });

  let client: UserStreamClient | undefined;
  let caughtUp = false;
  let chain: Promise<void> = Promise.resolve();
  let heartbeat: NodeJS.Timeout | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  let retryMs = deps.reconcileRetryMs ?? 2_000;
  let closed = false;

  /** Runs tasks one at a time in the order given; a failure is logged and handled by the task's owner. */
  function serial(task: () => Promise<void>): Promise<void> {
    const run = chain.then(task);
    chain = run.catch(() => undefined);
    return run;
  }

  async function publish(snapshot: UserStreamSnapshot | undefined): Promise<void> {
    if (!snapshot || !lease.isHeld()) return;
    const state = snapshot.state === 'subscribed' ? 'connected' : snapshot.state === 'connecting' ? 'connecting' : 'disconnected';
    const status: PublishedStreamStatus = {
      state,
      since: snapshot.since,
      holder: holderId,
      reconnects: snapshot.reconnects,
      ...(snapshot.lastEventAt !== undefined ? { lastEventAt: snapshot.lastEventAt } : {}),
    };
    await deps.redis.set(statusKey(prefix), JSON.stringify(status), 'PX', heartbeatMs * 3).catch(() => undefined);
  }

  function onEvent(event: UserDataEvent): void {
    // Balances go to the cache at once rather than on the chain, where an execution report may
    // wait for its order's record: the cache's writes commute (account-cache.ts).
    if (event.e === 'executionReport') deps.onExecutionReport?.(event);
    const handled =
      event.e === 'outboundAccountPosition'
        ? accountCache.apply(event)
        : serial(async () => {
            if (event.e === 'executionReport') await execution.onExecutionReport(event);
            else log.debug({ eventType: event.e }, 'user data event needs no action');
          });
    handled.catch((error: unknown) => {
      // Whatever this event would have said, REST still knows: stop advancing "last heard" and reconcile.
      log.error({ err: error, eventType: event.e }, 'handling a user data event failed; reconciling');
      fallBehind();
      scheduleReconcile();
    });
  }

  async function reconcile(): Promise<void> {
    if (!client || client.snapshot().state !== 'subscribed') return;
    await execution.flushOutbox();
    const stampedAt = now();
    await gapRecovery.reconcile();
    // After the reconciliation, so the snapshot includes every fill it reported; events queued
    // behind it carry their own update time and only overwrite what is older.
    await accountCache.replace(await deps.exchange.account());
    await ledger.setHeardAt(stampedAt);
    caughtUp = true;
    retryMs = deps.reconcileRetryMs ?? 2_000;
  }

  function runReconcile(): void {
    void serial(reconcile).catch((error: unknown) => {
      log.warn({ err: error, retryInMs: retryMs }, 'reconciliation failed; will retry');
      scheduleReconcile();
    });
  }

  function scheduleReconcile(): void {
    if (closed || retryTimer) return;
    const delay = retryMs;
    retryMs = Math.min(retryMs * 2, 60_000);
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      if (lease.isHeld()) runReconcile();
    }, delay);
  }

  /** Until the next completed reconciliation nothing published from the stream can be trusted. */
  function fallBehind(): void {
    caughtUp = false;
    void accountCache.markStale().catch((error: unknown) => log.warn({ err: error }, 'marking the account cache stale failed; it expires on its own'));
  }

  function beat(): void {
    const at = now();
    void serial(async () => {
      if (caughtUp && client?.snapshot().state === 'subscribed') await ledger.setHeardAt(at);
    }).catch(() => undefined);
    if (caughtUp && client?.snapshot().state === 'subscribed') void accountCache.keepFresh().catch(() => undefined);
    void publish(client?.snapshot());
  }

  async function startListening(): Promise<void> {
    await serial(async () => {
      await execution.flushOutbox();
    }).catch((error: unknown) => log.warn({ err: error }, 'flushing the alert outbox failed; reconciliation will retry'));
    // A new holder trusts nothing its predecessor published until its own snapshot is in.
    fallBehind();
    client = createUserStreamClient({
      wsApiUrl: deps.wsApiUrl,
      apiKey: deps.apiKey,
      signer: deps.signer,
      logger: deps.logger,
      ...(deps.registry ? { registry: deps.registry } : {}),
      now,
      serverTime: () => now() - deps.exchange.usage().clockOffsetMs,
      ...(deps.exchange.syncClock ? { resyncClock: () => deps.exchange.syncClock!() } : {}),
      ...deps.stream,
      onEvent,
      onConnected: () => {
        runReconcile();
        deps.onConnected?.();
      },
      onStateChange: (snapshot) => {
        if (snapshot.state !== 'subscribed') fallBehind();
        void publish(snapshot);
      },
    });
    client.start();
    clearInterval(heartbeat);
    heartbeat = setInterval(beat, heartbeatMs);
    heartbeat.unref();
  }

  async function stopListening(): Promise<void> {
    clearInterval(heartbeat);
    clearTimeout(retryTimer);
    retryTimer = undefined;
    fallBehind();
    const stopping = client;
    client = undefined;
    await stopping?.close();
  }

  const lease: StreamLease = createStreamLease({
    redis: deps.redis,
    key: `${prefix}:user-stream:lease:${deps.account ?? 'main'}`,
    holderId,
    ...(deps.lease?.ttlMs !== undefined ? { ttlMs: deps.lease.ttlMs } : {}),
    ...(deps.lease?.renewEveryMs !== undefined ? { renewEveryMs: deps.lease.renewEveryMs } : {}),
    ...(deps.lease?.pollMs !== undefined ? { pollMs: deps.lease.pollMs } : {}),
    logger: deps.logger,
    onAcquired: startListening,
    onLost: stopListening,
    now,
  });

  return {
    execution,
    start() {
      if (!closed) lease.start();
    },
    status() {
      const stream = client?.snapshot();
      return { holder: holderId, holding: lease.isHeld(), caughtUp, ...(stream ? { stream } : {}) };
    },
    async close() {
      if (closed) return;
      closed = true;
      await lease.close();
      await stopListening();
      await chain;
    },
  };
}
