/**
 * The orders worker (DESIGN.md §4 step 3): takes one confirmed intent at a time per slot and
 * gets it onto the exchange exactly once.
 *
 *   1. Reconcile first: GET the order by its client order id; found → adopt it, go to 5.
 *   2. Re-validate against fresh filters (strict: what was confirmed is what is sent), balances
 *      and MAX_ORDER_VALUE; refuse an order that waited past QUEUED_ORDER_MAX_AGE_S.
 *   3–4. Mark "send attempted", fenced by the job's BullMQ lock token, then place with
 *      `newClientOrderId` and `newOrderRespType=FULL` (the REST client signs exactly the string
 *      it sends).
 *   5. Report: persist the order record, audit, and edit the card through the alerts queue.
 *
 * Failures: a rejection (filters, balance, unknown symbol, signature, permissions) is final
 * (UnrecoverableError) and the card says why; an unknown outcome is reconciled, never resent
 * blindly (order-lookup.ts); 429/418 hold the whole queue for Retry-After with BullMQ manual
 * rate limiting, so no job starts and no request leaves before it passes; anything transient is
 * retried with exponential backoff, and when the attempts run out the card says so.
 *
 * A worker whose job lock vanished while it was alive (Redis failover, partition, long pause) is
 * no longer the job's owner: BullMQ hands the job to another worker, which reconciles first. The
 * fenced mark refuses the old owner's send, and a worker that is no longer the owner neither
 * sends nor writes the card; it throws, and BullMQ, finding the lock gone, discards the result.
 */
import { Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { Counter, Histogram, type Registry } from 'prom-client';
import type { AppError } from '../../errors.js';
import { isAppError, isExchangeError, userMessageOf } from '../../errors.js';
import { formatUtc } from '../../format.js';
import type { Logger } from '../../logger.js';
import { logQueueErrors } from '../../queue-errors.js';
import type { NewOrderParams, Order } from '../../binance/types.js';
import type { ExchangeClient } from '../../binance/exchange-client.js';
import type { OrderCap, TradingMode } from '../../config.js';
import type { AuditLog } from '../audit-log.js';
import type { IntentStore } from '../intent-store.js';
import { cardStateOfOrder, renderCard } from './order-card.js';
import { createCardEdits } from './order-card-edits.js';
import { revalidateOrder, type SymbolLookup } from './order-pricing.js';
import { isSendFenceLost, recordOf, type OrderRecords, type SendFence } from './order-records.js';
import { CARD_REVISION, cardRevisionOf } from './card-revisions.js';
import { createOrderLookup, OutcomeUnknownError, type OrderLookupOptions } from './order-lookup.js';
import { ORDERS_QUEUE, refuseIfQueuedTooLong, type OrderJobData, type OrderJobResult } from './orders-queue.js';
import { averageFillPrice, createBracketPlacement } from '../brackets/bracket-placement.js';
import { listNote, protectedNote, unprotectedNote } from '../brackets/bracket-notes.js';
import { bracketButtons, saveUnprotected } from '../brackets/bracket-protection.js';
import { createPlanTrailing } from '../brackets/plan-trailing.js';
import { createTakeProfitJob } from '../brackets/take-profit-job.js';
import { createStopMover } from '../stops/stop-mover.js';
import { createStopStore } from '../stops/stop-store.js';
import type { AlertSink, OrderIntent } from '../types.js';
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

/**
 * Final: ExchangeErrors of kind `rejected` and our own validation errors. Except a refused
 * timestamp (nothing executed; the client has resynced) and a Redis outage: worth another attempt.
 */
const RETRYABLE_REJECTIONS = new Set(['EXCHANGE_CLOCK_SKEW', 'REDIS_UNAVAILABLE']);

export function createOrderWorker(options: OrderWorkerOptions): OrderWorker {
  const { exchange, alerts, records, audit } = options;
  const { cardOwner, showCard } = createCardEdits(options);
  const prefix = options.prefix ?? KEY_PREFIX;
  const now = options.now ?? Date.now;
  const logger = options.logger.child({ module: 'order-worker' });
  const pricing = { exchange, symbols: options.symbols, mode: options.mode, orderCap: options.orderCap };
  const lookup = createOrderLookup(exchange, options.reconcile);
  const brackets = createBracketPlacement({ exchange, records, symbols: options.symbols, ...(options.reconcile ? { reconcile: options.reconcile } : {}), now });
  const stops = createStopStore({ redis: options.redis, prefix });
  const trailing = createPlanTrailing({ redis: options.redis, prefix, store: stops, now });
  const mover = createStopMover({ exchange, symbols: options.symbols, store: stops, records, alerts, audit, logger: options.logger, limitOffsetPct: options.stopLimitOffsetPct ?? '0.5', ...(options.reconcile ? { reconcile: options.reconcile } : {}), now });
  const takeProfit = createTakeProfitJob({ exchange, symbols: options.symbols, store: stops, records, mover });
  const queuedOrderMaxAgeMs = options.queuedOrderMaxAgeMs ?? 300_000;
  const registers = options.registry ? [options.registry] : [];
  const jobs = new Counter({ name: 'binance_chatops_order_jobs_total', help: 'Order jobs processed, by outcome', labelNames: ['outcome'] as const, registers });
  const latency = new Histogram({
    name: 'binance_chatops_order_confirm_to_placed_seconds',
    help: 'From the Confirm tap to the exchange acknowledging the order',
    buckets: [0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers,
  });
  // Manual rate limiting (docs.bullmq.io "Manual rate-limit") holds the queue, not one worker.
  const limiterQueue = new Queue(ORDERS_QUEUE, { connection: options.queueConnection ?? options.redis, prefix });
  logQueueErrors(limiterQueue, logger, { queue: ORDERS_QUEUE, handle: 'limiter' });

  /** The job's BullMQ lock, holding the token of the worker that runs it now. */
  const fenceOf = (job: Job<OrderJobData>, token: string | undefined): SendFence => ({
    key: `${limiterQueue.toKey(job.id ?? '')}:lock`,
    // No token (never so from BullMQ's Worker) cannot match a lock: the fence refuses.
    token: token ?? '',
  });

  async function holdsLock(fence: SendFence): Promise<boolean> {
    return fence.token !== '' && (await options.redis.get(fence.key)) === fence.token;
  }

  async function place(intent: OrderIntent, confirmedAt: number, validated: Promise<NewOrderParams>, fence: SendFence): Promise<Order> {
    const params = await validated;
    refuseIfQueuedTooLong(intent, confirmedAt, now(), queuedOrderMaxAgeMs);
    // Checked last, after the slow re-validation reads, so a lock lost during them stops the send.
    // From here to the request's timestamp the REST client may wait (gate, clock sync, a -1021
    // re-sign): the sign-by deadline below bounds that wait by what a taker-over waits out
    // (order-lookup.ts; docs/ARCHITECTURE.md "Exactly once").
    const markedAt = now();
    await records.markSendAttempted(intent.clientOrderId, markedAt, fence);
    try {
      // Signed by the bound a taker-over waits out after this mark, or not sent at all: a worker
      // held up between the fence and the wire (gate, clock resync, a -1021 re-sign) cannot send
      // after another worker has declared the order absent and placed it.
      return await exchange.newOrder({ ...params, newClientOrderId: intent.clientOrderId, newOrderRespType: 'FULL' }, { signBy: lookup.signedByFromMark(markedAt) });
    } catch (error) {
      const ref = { symbol: intent.preview.symbol, clientOrderId: intent.clientOrderId };
      if (isExchangeError(error) && (error.kind === 'unknown-outcome' || error.code === 'EXCHANGE_DUPLICATE_ORDER')) {
        // Maybe placed (or an open order already has our id): find out before anything else.
        logger.warn({ intentId: intent.id, clientOrderId: intent.clientOrderId, code: error.code }, 'order outcome unknown; reconciling');
        // newOrder has returned, so any resend it made is signed by now.
        const found = await lookup.find(ref, now());
        if (found) return found;
        // Past the horizon and still absent: that request can no longer execute (order-lookup.ts).
        await records.clearSendAttempted(intent.clientOrderId, fence);
        throw new OutcomeUnknownError(ref, error, true);
      }
      // Rejected, rate-limited before execution, or never sent: the exchange did not execute it.
      if (isExchangeError(error)) await records.clearSendAttempted(intent.clientOrderId, fence);
      throw error;
    }
  }

  async function report(job: Job<OrderJobData>, intent: OrderIntent, order: Order, adopted: boolean, note?: string): Promise<void> {
    const at = now();
    // A /stop card's order is a managed stop's: its record names the stop and the entry (fill alerts).
    const stop = intent.stop ? { stopId: intent.id, ...(intent.stop.entryPrice !== undefined ? { entryPrice: intent.stop.entryPrice } : {}) } : {};
    await records.save(recordOf(order, { intentId: intent.id, userId: intent.userId, chatId: intent.chatId, ...(intent.cardMessageId !== undefined ? { cardMessageId: intent.cardMessageId } : {}), ...stop }, at));
    await audit.record({
      event: adopted ? 'adopted' : 'placement',
      userId: intent.userId,
      intentId: intent.id,
      clientOrderId: intent.clientOrderId,
      symbol: order.symbol,
      orderId: order.orderId,
      outcome: order.status.toLowerCase(),
      detail: `${order.side} ${order.type} executed ${order.executedQty} of ${order.origQty}`,
    });
    await showCard(intent, { ...cardStateOfOrder(order), ...(note !== undefined ? { note } : {}) }, cardRevisionOf(order), `${order.status.toLowerCase()}-${order.executedQty}`);
    if (!adopted) latency.observe(Math.max(0, at - job.data.confirmedAt) / 1000);
  }

  async function processJob(job: Job<OrderJobData, OrderJobResult>, token?: string): Promise<OrderJobResult> {
    const intent = job.data.intent;
    const fence = fenceOf(job, token);
    const owner = cardOwner(intent);
    const blockedMs = exchange.usage().blockedUntil - now();
    if (blockedMs > 0) throw await holdQueue(blockedMs, intent, undefined);
    let order: Order | undefined;
    try {
      if (job.data.protect) {
        // [Retry protection]: the entry is on the exchange; only its exits are placed again.
        const entry = await lookup.find({ symbol: intent.preview.symbol, clientOrderId: intent.clientOrderId }, undefined);
        if (!entry) throw new UnrecoverableError(`entry ${intent.clientOrderId} not found`);
        order = entry;
        await protectAfterFill(job, await owner, entry, fence, job.data.protect.attempt);
        return { orderId: entry.orderId, status: entry.status, adopted: true };
      }
      if (intent.takeProfit) {
        // /tp on a managed stop: the stop becomes one OCO list with the target (take-profit-job.ts).
        const set = await takeProfit(intent);
        order = set.order;
        await showCard(await owner, { kind: 'placed', order, note: set.note }, CARD_REVISION.placed, 'placed');
        return { orderId: order.orderId, status: order.status, adopted: false };
      }
      if (intent.preview.bracket?.placement === 'list') {
        // A LIMIT entry with its exits: one order list, found by its id or placed (bracket-placement.ts).
        const early = revalidateOrder(pricing, intent.preview);
        early.catch(() => undefined);
        const placed = await brackets.placeList(intent, early, fence, () => refuseIfQueuedTooLong(intent, job.data.confirmedAt, now(), queuedOrderMaxAgeMs));
        order = placed.entry;
        const legs = placed.list.orderReports ?? (await Promise.all(placed.list.orders.map((leg) => exchange.getOrder({ symbol: leg.symbol, orderId: leg.orderId }))));
        await brackets.recordLegs(intent, legs);
        await trailing.adopt(intent, { list: placed.list, legs }, intent.preview.bracket.entryPrice);
        const shown = await owner;
        await report(job, shown, order, placed.adopted, listNote(shown.preview, placed.list));
        jobs.inc({ outcome: placed.adopted ? 'adopted' : 'placed' });
        return { orderId: order.orderId, status: order.status, adopted: placed.adopted };
      }
      // 2. Re-validation reads only, so it starts at once, beside the send-mark read and the
      // look-up (one round trip less to Confirm: docs/BENCHMARKS.md). Its result is dropped if
      // the order turns up, and redone after a send mark, whose look-up may wait out a horizon.
      const early = revalidateOrder(pricing, intent.preview);
      early.catch(() => undefined);
      // 1. Reconcile first: a retried or stalled job may already have placed the order.
      const markedAt = await records.sendAttemptedAt(intent.clientOrderId);
      const ref = { symbol: intent.preview.symbol, clientOrderId: intent.clientOrderId };
      const existing = await lookup.find(ref, markedAt === undefined ? undefined : lookup.signedByFromMark(markedAt));
      order = existing ?? (await place(intent, job.data.confirmedAt, markedAt === undefined ? early : revalidateOrder(pricing, intent.preview), fence));
      await report(job, await owner, order, existing !== undefined);
      jobs.inc({ outcome: existing ? 'adopted' : 'placed' });
      // A MARKET entry with a plan: its exits, for what it received, in this same job.
      if (intent.preview.bracket) await protectAfterFill(job, await owner, order, fence, 0);
      return { orderId: order.orderId, status: order.status, adopted: existing !== undefined };
    } catch (error) {
      if (order) {
        // On the exchange, only the report failed (Redis): a retry adopts the order and reports again.
        jobs.inc({ outcome: 'report-failed' });
        logger.error({ intentId: intent.id, orderId: order.orderId, err: error }, 'order placed but not reported; retrying the report');
        throw error instanceof Error ? error : new Error(String(error));
      }
      if (isSendFenceLost(error)) {
        jobs.inc({ outcome: 'lock-lost' });
        logger.warn({ intentId: intent.id, clientOrderId: intent.clientOrderId, code: error.code }, 'order job lock lost before the send; another worker owns the order now');
        throw error;
      }
      throw await failure(job, await owner, error, fence);
    }
  }

  /**
   * The exits of a filled MARKET entry (DESIGN.md §5b). A refusal, or an outcome still unknown at
   * the last attempt, leaves the card saying the position is unprotected, with [Retry protection]
   * and [Sell now]; anything else retries the job, which adopts the entry and looks the exits up
   * before placing them.
   */
  async function protectAfterFill(job: Job<OrderJobData>, intent: OrderIntent, entry: Order, fence: SendFence, attempt: number): Promise<void> {
    const revision = CARD_REVISION.protection + attempt;
    const filled = cardStateOfOrder(entry);
    try {
      const protection = await brackets.protect(intent, entry, fence, attempt);
      if (protection.kind === 'nothing') return;
      const average = averageFillPrice(entry);
      const legs = protection.kind === 'list' ? (protection.list.orderReports ?? []) : [protection.order];
      await brackets.recordLegs(intent, legs, average);
      await trailing.adopt(intent, { ...(protection.kind === 'list' ? { list: protection.list } : {}), legs }, average ?? intent.preview.bracket!.entryPrice);
      await audit.record({ event: protection.adopted ? 'adopted' : 'placement', userId: intent.userId, intentId: intent.id, symbol: entry.symbol, outcome: 'protected', detail: `${protection.kind} ${protection.quantity}` });
      await showCard(intent, { ...filled, note: protectedNote(intent.preview, protection) }, revision, `protected-${attempt}`);
      jobs.inc({ outcome: 'protected' });
    } catch (error) {
      if (isSendFenceLost(error)) throw error;
      const rejected = isExchangeError(error) ? error.kind === 'rejected' && !RETRYABLE_REJECTIONS.has(error.code) : isAppError(error) && !RETRYABLE_REJECTIONS.has(error.code) && !(error instanceof OutcomeUnknownError);
      const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      if (!rejected && !lastAttempt) throw error instanceof Error ? error : new Error(String(error));
      if (!(await holdsLock(fence).catch(() => true))) throw error instanceof Error ? error : new Error(String(error));
      const reason = rejected ? userMessageOf(error) : `${userMessageOf(error)} Gave up after ${job.attemptsMade + 1} attempts: check /orders before retrying.`;
      logger.error({ intentId: intent.id, err: error, attempt }, 'position left unprotected: its exits were not placed');
      jobs.inc({ outcome: 'unprotected' });
      await audit.record({ event: 'failure', userId: intent.userId, intentId: intent.id, symbol: entry.symbol, outcome: 'unprotected', detail: isAppError(error) ? error.code : 'INTERNAL' });
      await saveUnprotected(options.redis, prefix, intent.id, { symbol: entry.symbol, attempt });
      await alerts.enqueue({
        key: `card-${intent.id}-unprotected-${attempt}`,
        chatId: intent.chatId,
        userId: intent.userId,
        text: renderCard(intent, { ...filled, note: unprotectedNote(intent.preview, reason) }),
        category: 'error',
        buttons: bracketButtons(intent.id, attempt + 1),
        ...(intent.cardMessageId !== undefined ? { editMessageId: intent.cardMessageId, revision } : {}),
      });
    }
  }

  async function holdQueue(waitMs: number, intent: OrderIntent, error: AppError | undefined): Promise<Error> {
    await limiterQueue.rateLimit(Math.max(waitMs, 1));
    jobs.inc({ outcome: 'rate-limited' });
    logger.warn({ waitMs, intentId: intent.id, code: error?.code }, 'exchange rate limit: orders queue held');
    if (error?.code === 'EXCHANGE_IP_BANNED') {
      const until = now() + waitMs;
      await alerts
        .enqueue({
          key: `ip-ban-${Math.floor(until / 60_000)}`,
          chatId: intent.chatId,
          userId: intent.userId,
          category: 'system',
          text: `⛔ The exchange has banned this server for sending too many requests until ${formatUtc(until)}. Orders wait until then.`,
        })
        .catch((e: unknown) => logger.error({ err: e }, 'could not queue the ban alert'));
    }
    return Worker.RateLimitError();
  }

  async function failure(job: Job<OrderJobData>, intent: OrderIntent, error: unknown, fence: SendFence): Promise<Error> {
    const base = { intentId: intent.id, clientOrderId: intent.clientOrderId, userId: intent.userId };
    if (isExchangeError(error) && error.kind === 'rate-limited') {
      const waitMs = error.retryAfterMs ?? Math.max(exchange.usage().blockedUntil - now(), 1_000);
      return holdQueue(waitMs, intent, error);
    }
    const final =
      isAppError(error) &&
      !RETRYABLE_REJECTIONS.has(error.code) &&
      !(error instanceof OutcomeUnknownError) &&
      (!isExchangeError(error) || error.kind === 'rejected');
    const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    if (!final && !lastAttempt) {
      jobs.inc({ outcome: 'retry' });
      logger.warn({ ...base, err: error, attempt: job.attemptsMade + 1 }, 'order attempt failed; will retry');
      return error instanceof Error ? error : new Error(String(error));
    }
    // The card's last word belongs to the job's owner: a worker that lost the lock is not final,
    // the one that took the job over is still working on it.
    if (!(await holdsLock(fence).catch(() => true))) {
      jobs.inc({ outcome: 'lock-lost' });
      logger.warn({ ...base, err: error }, 'order attempt failed after its job lock was lost; leaving the card to the new owner');
      return error instanceof Error ? error : new Error(String(error));
    }
    // Final: tell the trader why, in the card. A send mark still set means we never learned the outcome.
    const uncertain = !final && (await records.sendAttemptedAt(intent.clientOrderId).catch(() => 1)) !== undefined;
    const reason = final ? userMessageOf(error) : `${userMessageOf(error)} Gave up after ${job.attemptsMade + 1} attempts.`;
    jobs.inc({ outcome: final ? 'rejected' : 'failed' });
    logger.error({ ...base, err: error, final, uncertain }, 'order not placed');
    await audit.record({ event: 'failure', ...base, symbol: intent.preview.symbol, outcome: final ? 'rejected' : uncertain ? 'unknown' : 'failed', detail: isAppError(error) ? error.code : 'INTERNAL' });
    await showCard(intent, { kind: 'failed', reason, uncertain }, CARD_REVISION.final, 'failed').catch((e: unknown) =>
      logger.error({ ...base, err: e }, 'could not queue the failure card'),
    );
    return final ? new UnrecoverableError(reason) : error instanceof Error ? error : new Error(String(error));
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
    void (async () => {
      const owner = await cardOwner(intent);
      await audit.record({ event: 'failure', userId: intent.userId, intentId: intent.id, clientOrderId: intent.clientOrderId, symbol: intent.preview.symbol, outcome: 'unknown', detail: 'STALLED' });
      await showCard(owner, { kind: 'failed', reason: 'The order worker stopped repeatedly while handling this order.', uncertain: true }, CARD_REVISION.final, 'failed');
    })().catch((e: unknown) => logger.error({ err: e, intentId: intent.id }, 'could not report the stalled order'));
  });

  return {
    worker,
    async close() {
      await worker.close();
      await limiterQueue.close();
    },
  };
}
