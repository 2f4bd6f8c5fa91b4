/**
 * The orders worker (DESIGN.md §4 step 3): takes one confirmed intent at a time per slot and
 * gets it onto the exchange exactly once.
 *
 *   1. Reconcile first: GET the order by its client order id; found → adopt it, go to 5.
 *   2. Re-validate against fresh filters (strict: what was confirmed is what is sent), balances
 *      and MAX_ORDER_VALUE; refuse an order that waited past QUEUED_ORDER_MAX_AGE_S.
 *   3–4. Mark "send attempted", fenced by the job's BullMQ lock token (job-fence.ts), then place
 *      (order-send.ts).
 *   5. Report: persist the order record, audit, and edit the card (order-job-report.ts).
 *
 * A plan's lists and exits and a /tp target are the bracket job's (brackets/bracket-job.ts);
 * failures, rate limits and stalls are order-job-failure.ts's. An unknown outcome is reconciled,
 * never resent blindly (order-lookup.ts).
 *
 * A worker whose job lock vanished while it was alive (Redis failover, partition, long pause) is
 * no longer the job's owner: BullMQ hands the job to another worker, which reconciles first. The
 * fenced mark refuses the old owner's send, and a worker that is no longer the owner neither
 * sends nor writes the card; it throws, and BullMQ, finding the lock gone, discards the result.
 */
import { Queue, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import type { Logger } from '../../logger.js';
import { logQueueErrors } from '../../queue-errors.js';
import type { Order } from '../../binance/types.js';
import type { ExchangeClient } from '../../binance/exchange-client.js';
import type { OrderCap, TradingMode } from '../../config.js';
import type { AuditLog } from '../audit-log.js';
import type { IntentStore } from '../intent-store.js';
import { createCardEdits } from './order-card-edits.js';
import { createJobFence } from './job-fence.js';
import { asError, createOrderJobFailures } from './order-job-failure.js';
import { createOrderJobMetrics } from './order-job-metrics.js';
import { createOrderReport } from './order-job-report.js';
import { createOrderSend } from './order-send.js';
import { revalidateOrder, type SymbolLookup } from './order-pricing.js';
import { isSendFenceLost, type OrderRecords } from './order-records.js';
import { createOrderLookup, type OrderLookupOptions } from './order-lookup.js';
import { ORDERS_QUEUE, type OrderJobData, type OrderJobResult } from './orders-queue.js';
import { createBracketJob } from '../brackets/bracket-job.js';
import type { AlertSink } from '../types.js';
import { KEY_PREFIX } from '../../redis.js';

export interface OrderWorkerOptions {
  /** A `worker` connection (maxRetriesPerRequest: null) for BullMQ. */
  connection: Redis;
  /** A `producer` connection for our own keys. */
  redis: Redis;
  /** The fail-fast connection queues add jobs through; default `redis` (app/trading-stack.ts says why apart). */
  queueConnection?: Redis;
  /** BullMQ and key prefix. Default `chatops`. */
  prefix?: string;
  exchange: ExchangeClient;
  symbols: SymbolLookup;
  alerts: AlertSink;
  intents: IntentStore;
  records: OrderRecords;
  audit: AuditLog;
  logger: Logger;
  registry?: Registry;
  mode: TradingMode;
  /** MAX_ORDER_VALUE in VALUATION_ASSET, checked again right before sending. */
  orderCap?: OrderCap;
  /** QUEUED_ORDER_MAX_AGE_S in ms: an order confirmed longer ago than this is not sent. Default 300 s. */
  queuedOrderMaxAgeMs?: number;
  /**
   * How unknown outcomes are settled: pass the REST client's recvWindowMs, and inFlightBoundMs =
   * 2 × its timeoutMs (order-lookup.ts).
   */
  reconcile?: OrderLookupOptions;
  /** STOP_LIMIT_OFFSET_PCT (a /tp job's stop mover). Default 0.5. */
  stopLimitOffsetPct?: string;
  /** Jobs in flight. Default 4. */
  concurrency?: number;
  /** Jobs started per window. Needed for manual rate limiting to hold every worker. Default 50/s. */
  limiter?: { max: number; duration: number };
  /** BullMQ lock and stalled-check periods (a crashed worker's job is taken over after them). */
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  now?: () => number;
}

export interface OrderWorker {
  readonly worker: Worker<OrderJobData, OrderJobResult>;
  close(): Promise<void>;
}

export function createOrderWorker(options: OrderWorkerOptions): OrderWorker {
  const { exchange, alerts, records, audit } = options;
  const { cardOwner, showCard } = createCardEdits(options);
  const prefix = options.prefix ?? KEY_PREFIX;
  const now = options.now ?? Date.now;
  const logger = options.logger.child({ module: 'order-worker' });
  const pricing = { exchange, symbols: options.symbols, mode: options.mode, orderCap: options.orderCap };
  const lookup = createOrderLookup(exchange, options.reconcile);
  const queuedOrderMaxAgeMs = options.queuedOrderMaxAgeMs ?? 300_000;
  const { jobs, latency } = createOrderJobMetrics(options.registry);
  // Manual rate limiting (docs.bullmq.io "Manual rate-limit") holds the queue, not one worker.
  const limiterQueue = new Queue(ORDERS_QUEUE, { connection: options.queueConnection ?? options.redis, prefix });
  logQueueErrors(limiterQueue, logger, { queue: ORDERS_QUEUE, handle: 'limiter' });
  const fence = createJobFence(options.redis, limiterQueue);
  const send = createOrderSend({ exchange, records, lookup, logger, queuedOrderMaxAgeMs, now });
  const report = createOrderReport({ records, audit, showCard, latency, now });
  const failures = createOrderJobFailures({ exchange, records, alerts, audit, logger, showCard, fence, jobs, limiterQueue, now });
  const bracketJob = createBracketJob({
    redis: options.redis,
    prefix,
    exchange,
    symbols: options.symbols,
    alerts,
    records,
    audit,
    logger: options.logger,
    ...(options.reconcile ? { reconcile: options.reconcile } : {}),
    stopLimitOffsetPct: options.stopLimitOffsetPct ?? '0.5',
    pricing,
    lookup,
    fence,
    showCard,
    report,
    jobs,
    queuedOrderMaxAgeMs,
    now,
  });

  async function processJob(job: Job<OrderJobData, OrderJobResult>, token?: string): Promise<OrderJobResult> {
    const intent = job.data.intent;
    const sendFence = fence.of(job, token);
    const owner = cardOwner(intent);
    const blockedMs = exchange.usage().blockedUntil - now();
    if (blockedMs > 0) throw await failures.holdQueue(blockedMs, intent, undefined);
    // Set once the order is known to be on the exchange: from then on only its report can fail.
    const onExchange: { order?: Order } = {};
    try {
      const planned = bracketJob.run(job, owner, sendFence, (order) => {
        onExchange.order = order;
      });
      if (planned) return await planned;
      // 2. Re-validation reads only, so it starts at once, beside the send-mark read and the
      // look-up (one round trip less to Confirm: docs/BENCHMARKS.md). Its result is dropped if
      // the order turns up, and redone after a send mark, whose look-up may wait out a horizon.
      const early = revalidateOrder(pricing, intent.preview);
      early.catch(() => undefined);
      // 1. Reconcile first: a retried or stalled job may already have placed the order.
      const markedAt = await records.sendAttemptedAt(intent.clientOrderId);
      const ref = { symbol: intent.preview.symbol, clientOrderId: intent.clientOrderId };
      const existing = await lookup.find(ref, markedAt === undefined ? undefined : lookup.signedByFromMark(markedAt));
      const order = existing ?? (await send(intent, job.data.confirmedAt, markedAt === undefined ? early : revalidateOrder(pricing, intent.preview), sendFence));
      onExchange.order = order;
      await report(job, await owner, order, existing !== undefined);
      jobs.inc({ outcome: existing ? 'adopted' : 'placed' });
      // A MARKET entry with a plan: its exits, for what it received, in this same job.
      if (intent.preview.bracket) await bracketJob.protectAfterFill(job, await owner, order, sendFence, 0);
      return { orderId: order.orderId, status: order.status, adopted: existing !== undefined };
    } catch (error) {
      if (onExchange.order) {
        // On the exchange, only the report failed (Redis): a retry adopts the order and reports again.
        jobs.inc({ outcome: 'report-failed' });
        logger.error({ intentId: intent.id, orderId: onExchange.order.orderId, err: error }, 'order placed but not reported; retrying the report');
        throw asError(error);
      }
      if (isSendFenceLost(error)) {
        jobs.inc({ outcome: 'lock-lost' });
        logger.warn({ intentId: intent.id, clientOrderId: intent.clientOrderId, code: error.code }, 'order job lock lost before the send; another worker owns the order now');
        throw error;
      }
      throw await failures.failure(job, await owner, error, sendFence);
    }
  }

  const worker = new Worker<OrderJobData, OrderJobResult>(ORDERS_QUEUE, processJob, {
    connection: options.connection,
    prefix,
    concurrency: options.concurrency ?? 4,
    limiter: options.limiter ?? { max: 50, duration: 1_000 },
    ...(options.lockDurationMs ? { lockDuration: options.lockDurationMs } : {}),
    ...(options.stalledIntervalMs ? { stalledInterval: options.stalledIntervalMs } : {}),
    // A stall is a crashed worker; the next run reconciles first, so a few are safe to take over.
    maxStalledCount: 3,
  });
  worker.on('error', (error) => logger.error({ err: error }, 'orders worker error'));
  // BullMQ fails a job that stalled too often without running the processor: the card must still say so.
  worker.on('failed', (job, error) => {
    if (!job || !/stalled/i.test(error.message)) return;
    const intent = job.data.intent;
    logger.error({ intentId: intent.id, clientOrderId: intent.clientOrderId, reason: error.message }, 'order job stalled too often');
    void (async () => failures.stalled(await cardOwner(intent)))().catch((e: unknown) => logger.error({ err: e, intentId: intent.id }, 'could not report the stalled order'));
  });

  return {
    worker,
    async close() {
      await worker.close();
      await limiterQueue.close();
    },
  };
}
