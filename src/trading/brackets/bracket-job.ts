/**
 * The plan's part of an orders job (DESIGN.md §5b), run by the order worker under the job's lock:
 *
 * - a LIMIT entry with its exits: one order list, found by its id or placed (bracket-placement.ts);
 * - [Retry protection]: the entry is on the exchange already; only its exits are placed again;
 * - /tp on a managed stop: the stop becomes one OCO list with the target (take-profit-job.ts);
 * - a filled MARKET entry's exits, in the job that placed it (`protectAfterFill`).
 *
 * A refusal of the exits, or an outcome still unknown at the last attempt, leaves the card saying
 * the position is unprotected, with [Retry protection] and [Sell now]; anything else retries the
 * job, which adopts the entry and looks the exits up before placing them.
 */
import type { Job } from 'bullmq';
import { UnrecoverableError } from 'bullmq';
import type { Redis } from 'ioredis';
import { isAppError, userMessageOf } from '../../errors.js';
import type { Logger } from '../../logger.js';
import type { Order } from '../../binance/types.js';
import type { ExchangeClient } from '../../binance/exchange-client.js';
import type { AuditLog } from '../audit-log.js';
import { CARD_REVISION } from '../orders/card-revisions.js';
import { cardStateOfOrder, renderCard } from '../orders/order-card.js';
import type { CardEdits } from '../orders/order-card-edits.js';
import type { JobFence } from '../orders/job-fence.js';
import { asError, isFinalFailure, isLastAttempt } from '../orders/order-job-failure.js';
import type { OrderJobMetrics } from '../orders/order-job-metrics.js';
import type { OrderReport } from '../orders/order-job-report.js';
import type { OrderLookup, OrderLookupOptions } from '../orders/order-lookup.js';
import { revalidateOrder, type PricingDeps, type SymbolLookup } from '../orders/order-pricing.js';
import { isSendFenceLost, type OrderRecords, type SendFence } from '../orders/order-records.js';
import { refuseIfQueuedTooLong, type OrderJobData, type OrderJobResult } from '../orders/orders-queue.js';
import { createStopMover } from '../stops/stop-mover.js';
import { createStopStore } from '../stops/stop-store.js';
import type { AlertSink, OrderIntent } from '../types.js';
import { averageFillPrice, createBracketPlacement } from './bracket-placement.js';
import { listNote, protectedNote, unprotectedNote } from './bracket-notes.js';
import { bracketButtons, saveUnprotected } from './bracket-protection.js';
import type { BracketPlan } from './bracket-types.js';
import { createPlanTrailing } from './plan-trailing.js';
import { createTakeProfitJob } from './take-profit-job.js';

export interface BracketJobDeps {
  redis: Redis;
  prefix: string;
  exchange: ExchangeClient;
  symbols: SymbolLookup;
  alerts: AlertSink;
  records: OrderRecords;
  audit: AuditLog;
  /** The process's logger (the stop mover names its own module). */
  logger: Logger;
  reconcile?: OrderLookupOptions;
  /** STOP_LIMIT_OFFSET_PCT (a /tp job's stop mover). */
  stopLimitOffsetPct: string;
  /** The worker's own parts: its pricing, lookup, fence, card edits, report and metrics. */
  pricing: PricingDeps;
  lookup: Pick<OrderLookup, 'find'>;
  fence: Pick<JobFence, 'holds'>;
  showCard: CardEdits['showCard'];
  report: OrderReport;
  jobs: OrderJobMetrics['jobs'];
  queuedOrderMaxAgeMs: number;
  now: () => number;
}

export interface BracketJob {
  /**
   * Runs a [Retry protection], /tp or LIMIT bracket job; undefined for any other (the worker places
   * it). `onExchange` learns the order as soon as it is known to be on the exchange, so a failure
   * after it is only a failed report.
   */
  run(job: Job<OrderJobData>, owner: Promise<OrderIntent>, fence: SendFence, onExchange: (order: Order) => void): Promise<OrderJobResult> | undefined;
  /** The exits of a filled MARKET entry (`attempt` 0: the Confirm's own job). */
  protectAfterFill(job: Job<OrderJobData>, intent: OrderIntent, entry: Order, fence: SendFence, attempt: number): Promise<void>;
}

export function createBracketJob(deps: BracketJobDeps): BracketJob {
  const { exchange, records, audit, alerts, showCard, report, jobs, now } = deps;
  const logger = deps.logger.child({ module: 'order-worker' });
  const reconcile = deps.reconcile ? { reconcile: deps.reconcile } : {};
  const brackets = createBracketPlacement({ exchange, records, symbols: deps.symbols, ...reconcile, now });
  const stops = createStopStore({ redis: deps.redis, prefix: deps.prefix });
  const trailing = createPlanTrailing({ redis: deps.redis, prefix: deps.prefix, store: stops, now });
  const mover = createStopMover({ exchange, symbols: deps.symbols, store: stops, records, alerts, audit, logger: deps.logger, limitOffsetPct: deps.stopLimitOffsetPct, ...reconcile, now });
  const takeProfit = createTakeProfitJob({ exchange, symbols: deps.symbols, store: stops, records, mover });

  async function retryProtection(job: Job<OrderJobData>, attempt: number, owner: Promise<OrderIntent>, fence: SendFence, onExchange: (order: Order) => void): Promise<OrderJobResult> {
    const intent = job.data.intent;
    const entry = await deps.lookup.find({ symbol: intent.preview.symbol, clientOrderId: intent.clientOrderId }, undefined);
    if (!entry) throw new UnrecoverableError(`entry ${intent.clientOrderId} not found`);
    onExchange(entry);
    await protectAfterFill(job, await owner, entry, fence, attempt);
    return { orderId: entry.orderId, status: entry.status, adopted: true };
  }

  async function setTakeProfit(intent: OrderIntent, owner: Promise<OrderIntent>, onExchange: (order: Order) => void): Promise<OrderJobResult> {
    const set = await takeProfit(intent);
    onExchange(set.order);
    await showCard(await owner, { kind: 'placed', order: set.order, note: set.note }, CARD_REVISION.placed, 'placed');
    return { orderId: set.order.orderId, status: set.order.status, adopted: false };
  }

  async function placeList(job: Job<OrderJobData>, plan: BracketPlan, owner: Promise<OrderIntent>, fence: SendFence, onExchange: (order: Order) => void): Promise<OrderJobResult> {
    const intent = job.data.intent;
    const early = revalidateOrder(deps.pricing, intent.preview);
    early.catch(() => undefined);
    const placed = await brackets.placeList(intent, early, fence, () => refuseIfQueuedTooLong(intent, job.data.confirmedAt, now(), deps.queuedOrderMaxAgeMs));
    const order = placed.entry;
    onExchange(order);
    const legs = placed.list.orderReports ?? (await Promise.all(placed.list.orders.map((leg) => exchange.getOrder({ symbol: leg.symbol, orderId: leg.orderId }))));
    await brackets.recordLegs(intent, legs);
    await trailing.adopt(intent, { list: placed.list, legs }, plan.entryPrice);
    const shown = await owner;
    await report(job, shown, order, placed.adopted, listNote(shown.preview, placed.list));
    jobs.inc({ outcome: placed.adopted ? 'adopted' : 'placed' });
    return { orderId: order.orderId, status: order.status, adopted: placed.adopted };
  }

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
      const rejected = isFinalFailure(error);
      if (!rejected && !isLastAttempt(job)) throw asError(error);
      if (!(await deps.fence.holds(fence).catch(() => true))) throw asError(error);
      const reason = rejected ? userMessageOf(error) : `${userMessageOf(error)} Gave up after ${job.attemptsMade + 1} attempts: check /orders before retrying.`;
      logger.error({ intentId: intent.id, err: error, attempt }, 'position left unprotected: its exits were not placed');
      jobs.inc({ outcome: 'unprotected' });
      await audit.record({ event: 'failure', userId: intent.userId, intentId: intent.id, symbol: entry.symbol, outcome: 'unprotected', detail: isAppError(error) ? error.code : 'INTERNAL' });
      await saveUnprotected(deps.redis, deps.prefix, intent.id, { symbol: entry.symbol, attempt });
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

  return {
    run(job, owner, fence, onExchange) {
      const intent = job.data.intent;
      if (job.data.protect) return retryProtection(job, job.data.protect.attempt, owner, fence, onExchange);
      if (intent.takeProfit) return setTakeProfit(intent, owner, onExchange);
      if (intent.preview.bracket?.placement === 'list') return placeList(job, intent.preview.bracket, owner, fence, onExchange);
      return undefined;
    },
    protectAfterFill,
  };
}
