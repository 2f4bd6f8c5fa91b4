/**
 * The stop manager (DESIGN.md §1 "worker role … stop manager", §5): what the worker role starts
 * to look after managed stops.
 *
 *   start(): check every stop against the exchange's open orders, then follow the
 *            (symbol, interval) pairs in use — a kline stream subscription (closes as they happen,
 *            also for a replayed market) and a BullMQ job scheduler per pair (closes by the
 *            exchange clock, a few seconds late, with no socket) — re-read every `syncEveryMs`,
 *            when stops whose order records say the order ended are also swept (filled, or
 *            cancelled outside the bot: fixed stops are never evaluated, so this is how they go).
 *   A close → a `close` job (one per pair and close, whoever announces it) → one klines request
 *   → every stop on the pair evaluated and moved (stop-evaluator.ts, stop-mover.ts).
 *
 * Several workers may run it: the jobs are shared, a close is evaluated once, a stop is moved
 * under its lease. `evaluateAll()` evaluates every pair now, as one round (the benchmark's unit).
 */
import type { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import type { Logger } from '../../logger.js';
import type { ExchangeClient } from '../../binance/exchange-client.js';
import { createKlineStreamClient, type KlineStreamClient, type KlineStreamState } from '../../binance/kline-stream-client.js';
import type { AuditLog } from '../audit-log.js';
import type { SymbolLookup } from '../orders/order-pricing.js';
import type { OrderRecords } from '../orders/order-records.js';
import type { OrderLookupOptions } from '../orders/order-lookup.js';
import { createStopEvaluator } from './stop-evaluator.js';
import { isStopInterval, type StopInterval } from './stop-intervals.js';
import { createStopMover } from './stop-mover.js';
import { evaluateRound, meteredEvaluation } from './stop-round.js';
import { createStopSweep, type StopSweep, type StopSweepReport } from './stop-sweep.js';
import { createStopScheduler, type StopScheduler } from './stop-scheduler.js';
import { createStopStore, type StopPair, type StopStore } from './stop-store.js';
import type { EvaluationRound, PairEvaluation, StopEvaluationNote } from './stop-types.js';
import type { AlertSink } from '../types.js';
import type { CandleCloseListener } from './close-listener.js';
import { KEY_PREFIX } from '../../redis.js';

export interface StopManagerDeps {
  /** A `producer` connection (stop state, records, alerts). */
  redis: Redis;
  /** The fail-fast connection queues add jobs through; default `redis` (app/trading-stack.ts says why apart). */
  queueConnection?: Redis;
  /** A `worker` connection (maxRetriesPerRequest: null) for the `stops` BullMQ worker. */
  connection: Redis;
  /** Key and BullMQ prefix, shared with the trading service and the bot. Default `chatops`. */
  prefix?: string;
  exchange: ExchangeClient;
  symbols: SymbolLookup;
  records: OrderRecords;
  alerts: AlertSink;
  audit?: AuditLog;
  logger: Logger;
  /**
   * The orders queue: its pause flag is /pause (no stop moves while set), and its jobs say
   * whether a stop's first order is still coming.
   */
  ordersQueue: { isPaused(): Promise<boolean>; queue: { getJob(id: string): Promise<{ getState(): Promise<string> } | undefined> } };
  settings: {
    /** STOP_LIMIT_OFFSET_PCT. */
    limitOffsetPct: string;
    /** STOP_MIN_MOVE_PCT ("0": every move counts). */
    minMovePct: string;
  };
  /** BINANCE_STREAM_URL: closes from the kline stream. Needed when candles do not follow the wall clock (paper replay). */
  streamUrl?: string;
  /** BullMQ job schedulers at every candle close plus `delaySeconds` (default 3). Default on; turn off for a replayed market. */
  schedule?: boolean | { delaySeconds?: number };
  /** Run the `stops` worker here. Default true. */
  work?: boolean;
  /** Pairs evaluated at once by the worker. Default 4. */
  concurrency?: number;
  /** BullMQ lock and stalled-check periods of the `stops` worker. Defaults BullMQ's, 30 s each. */
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  /** Pairs evaluated at once by evaluateAll. Default 16. */
  roundConcurrency?: number;
  /** How often the pairs in use are re-read (stops armed or removed by other processes). Default 15 s. */
  syncEveryMs?: number;
  /** Settling lost answers (order-lookup.ts): the REST client's recvWindow and 2 × its time-out. */
  reconcile?: OrderLookupOptions;
  registry?: Registry;
  store?: StopStore;
  /** Work on the same candle closes and klines requests (/signal): its pairs are followed too. */
  closeListener?: CandleCloseListener;
  now?: () => number;
}

export interface StopManagerStatus {
  started: boolean;
  pairs: number;
  stream?: KlineStreamState;
  lastRound?: Omit<EvaluationRound, 'evaluations'>;
}

export interface StopManager {
  readonly store: StopStore;
  readonly scheduler: StopScheduler;
  /** Checks stored stops against the exchange's open orders and repairs what a crash left behind. */
  readonly sweep: StopSweep;
  /** Reconciles, then follows the pairs in use. */
  start(): Promise<void>;
  close(): Promise<void>;
  /** Evaluates one pair at its newest closed candle (the last klines row is taken as forming). */
  evaluateNow(symbol: string, interval: StopInterval): Promise<PairEvaluation>;
  /** Evaluates every pair in use now: one klines request per pair. */
  evaluateAll(): Promise<EvaluationRound>;
  /** Re-reads the pairs in use and follows them (stream subscriptions, schedulers). */
  syncPairs(): Promise<StopPair[]>;
  checkStops(): Promise<StopSweepReport>;
  status(): StopManagerStatus;
  /** For /status (BotStatusProviders.lastStopEvaluation). */
  lastStopEvaluation(): Promise<StopEvaluationNote | undefined>;
}

export function createStopManager(deps: StopManagerDeps): StopManager {
  const prefix = deps.prefix ?? KEY_PREFIX;
  const now = deps.now ?? Date.now;
  const log = deps.logger.child({ module: 'stop-manager' });
  const store = deps.store ?? createStopStore({ redis: deps.redis, prefix });
  const jobState = async (id: string) => {
    const job = await deps.ordersQueue.queue.getJob(id);
    return job ? await job.getState() : undefined;
  };
  const mover = createStopMover({
    exchange: deps.exchange,
    symbols: deps.symbols,
    store,
    records: deps.records,
    alerts: deps.alerts,
    ...(deps.audit ? { audit: deps.audit } : {}),
    logger: deps.logger,
    limitOffsetPct: deps.settings.limitOffsetPct,
    ...(deps.reconcile ? { reconcile: deps.reconcile } : {}),
    now,
  });
  const evaluator = createStopEvaluator({
    exchange: deps.exchange,
    symbols: deps.symbols,
    store,
    records: deps.records,
    mover,
    alerts: deps.alerts,
    ...(deps.audit ? { audit: deps.audit } : {}),
    logger: deps.logger,
    isPaused: () => deps.ordersQueue.isPaused(),
    minMovePct: deps.settings.minMovePct,
    jobState,
    ...(deps.closeListener ? { closeListener: deps.closeListener } : {}),
    now,
  });
  const sweep = createStopSweep({ exchange: deps.exchange, store, mover, records: deps.records, alerts: deps.alerts, logger: deps.logger, ...(deps.audit ? { audit: deps.audit } : {}), jobState, now });

  const evaluate = meteredEvaluation((pair, closeTime) => evaluator.evaluate(pair, closeTime), deps.registry);

  const scheduleOptions = deps.schedule === false ? undefined : typeof deps.schedule === 'object' ? deps.schedule : {};
  const scheduler = createStopScheduler({
    connection: deps.connection,
    redis: deps.redis,
    ...(deps.queueConnection ? { queueConnection: deps.queueConnection } : {}),
    prefix,
    logger: deps.logger,
    evaluate: (pair, closeTime) => evaluate(pair, closeTime),
    serverNow: () => now() - deps.exchange.usage().clockOffsetMs,
    ...(deps.work !== undefined ? { work: deps.work } : {}),
    ...(scheduleOptions?.delaySeconds !== undefined ? { delaySeconds: scheduleOptions.delaySeconds } : {}),
    ...(deps.concurrency !== undefined ? { concurrency: deps.concurrency } : {}),
    ...(deps.lockDurationMs !== undefined ? { lockDurationMs: deps.lockDurationMs } : {}),
    ...(deps.stalledIntervalMs !== undefined ? { stalledIntervalMs: deps.stalledIntervalMs } : {}),
  });
  const stream: KlineStreamClient | undefined = deps.streamUrl
    ? createKlineStreamClient({
        url: deps.streamUrl,
        logger: deps.logger,
        onClose: (close) => {
          if (!isStopInterval(close.interval)) return;
          scheduler.enqueueClose({ symbol: close.symbol, interval: close.interval }, close.closeTime).catch((error: unknown) =>
            log.error({ err: error, ...close }, 'could not queue a candle close'),
          );
        },
      })
    : undefined;

  /** The stops' pairs and the listener's, each once. */
  async function followedPairs(): Promise<StopPair[]> {
    const [own, listened] = await Promise.all([store.pairs(), deps.closeListener?.pairs() ?? Promise.resolve([])]);
    const seen = new Map<string, StopPair>();
    for (const pair of [...own, ...listened]) seen.set(`${pair.symbol}|${pair.interval}`, pair);
    return [...seen.values()].sort((a, b) => (a.symbol === b.symbol ? a.interval.localeCompare(b.interval) : a.symbol.localeCompare(b.symbol)));
  }

  let started = false;
  let closing = false;
  let pairs: StopPair[] = [];
  let lastRound: Omit<EvaluationRound, 'evaluations'> | undefined;
  let syncTimer: NodeJS.Timeout | undefined;
  let syncing: Promise<StopPair[]> | undefined;

  async function syncPairs(): Promise<StopPair[]> {
    // One sync at a time; a call during one waits for it and runs once more (it may be for a new arm).
    while (syncing) await syncing.catch(() => undefined);
    syncing = (async () => {
      pairs = await followedPairs();
      stream?.follow(pairs);
      if (scheduleOptions) await scheduler.syncSchedules(pairs);
      return pairs;
    })();
    try {
      return await syncing;
    } finally {
      syncing = undefined;
    }
  }

  return {
    store,
    scheduler,
    sweep,

    async start() {
      if (started) return;
      started = true;
      try {
        await sweep.checkStops();
      } catch (error) {
        log.error({ err: error }, 'stop reconciliation at start failed; stops are evaluated anyway');
      }
      await syncPairs();
      const every = deps.syncEveryMs ?? 15_000;
      const tick = () => {
        syncTimer = setTimeout(() => {
          if (closing) return;
          syncPairs()
            .then(() => sweep.sweep())
            .catch((error: unknown) => log.warn({ err: error }, 'could not re-read the stop pairs'))
            .finally(() => {
              if (!closing) tick();
            });
        }, every);
        syncTimer.unref();
      };
      tick();
      log.info({ pairs: pairs.length, stream: stream !== undefined, schedulers: scheduleOptions !== undefined }, 'stop manager started');
    },

    async close() {
      closing = true;
      if (syncTimer) clearTimeout(syncTimer);
      await syncing?.catch(() => undefined);
      await stream?.close();
      await scheduler.close();
    },

    evaluateNow: (symbol, interval) => evaluate({ symbol, interval }),

    async evaluateAll() {
      const round = await evaluateRound(await followedPairs(), evaluate, deps.roundConcurrency ?? 16, log);
      const { evaluations: _, ...summary } = round;
      lastRound = summary;
      return round;
    },

    syncPairs,
    checkStops: () => sweep.checkStops(),
    status: () => ({ started, pairs: pairs.length, ...(stream ? { stream: stream.state() } : {}), ...(lastRound ? { lastRound } : {}) }),
    lastStopEvaluation: () => store.lastEvaluation(),
  };
}
