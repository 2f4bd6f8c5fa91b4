/**
 * TradingService (src/trading/types.ts): what the bot calls to price, confirm, dismiss and
 * cancel orders, and to pause the pipeline (DESIGN.md §2, §4). It wires the parts: the card
 * preparation (card-preparation.ts) and its expiry edit (card-expiry.ts), Confirm
 * (order-confirm.ts), the unprotected position's buttons (brackets/unprotected-actions.ts) and
 * cancels (orders/order-cancel.ts).
 */
import { auditActor, createAuditLog, type AuditLog } from './audit-log.js';
import { createCardExpiry } from './card-expiry.js';
import { createCardPreparation } from './card-preparation.js';
import { createIntentStore, type IntentStore } from './intent-store.js';
import { createOrderConfirm } from './order-confirm.js';
import { priceOrder, type PricingDeps } from './orders/order-pricing.js';
import { priceBracket } from './brackets/bracket-pricing.js';
import { createUnprotectedActions } from './brackets/unprotected-actions.js';
import type { OrderRecords } from './orders/order-records.js';
import { createOrderCancel } from './orders/order-cancel.js';
import { renderCard } from './orders/order-card.js';
import { createOrdersQueue, type OrdersQueue } from './orders/orders-queue.js';
import type { StopArming } from './stops/stop-types.js';
import type { AlertSink, QueueDepths, TradingService } from './types.js';
import type { OrderCap } from '../config.js';
import { KEY_PREFIX } from '../redis.js';
import type { CardDeps } from './card-deps.js';

export interface TradingServiceOptions extends CardDeps {
  /** MAX_ORDER_VALUE in VALUATION_ASSET. */
  orderCap?: OrderCap;
  suggestSymbols?: PricingDeps['suggestSymbols'];
  /** For /status (zeros when absent) and for editing a card that expired unanswered. */
  alertsQueue?: AlertSink & { depths(): Promise<QueueDepths> };
  /** Updated when an order is cancelled here. */
  records?: OrderRecords;
  /** Arms the managed stop of a confirmed /stop card (src/trading/stops/stop-desk.ts); required for stop cards. */
  stops?: StopArming;
  /** VALUATION_ASSET (a plan's risk) and STOP_LIMIT_OFFSET_PCT (its stop's limit price). Defaults USDT and 0.5. */
  valuationAsset?: string;
  limitOffsetPct?: string;
  /** Built from `redis` and `prefix` when absent. */
  intents?: IntentStore;
  ordersQueue?: OrdersQueue;
  audit?: AuditLog;
  now?: () => number;
}

export interface TradingServiceHandle extends TradingService {
  readonly intents: IntentStore;
  readonly ordersQueue: OrdersQueue;
  readonly audit: AuditLog;
  /** Closes what the service created itself (the orders queue handle). */
  close(): Promise<void>;
}

const NO_DEPTHS: QueueDepths = { waiting: 0, active: 0, delayed: 0, failed: 0, completed: 0, paused: false };

export function createTradingService(options: TradingServiceOptions): TradingServiceHandle {
  const { exchange, redis } = options;
  const prefix = options.prefix ?? KEY_PREFIX;
  const now = options.now ?? Date.now;
  const logger = options.logger.child({ module: 'trading-service' });
  const intents = options.intents ?? createIntentStore({ redis, prefix, ttlS: options.confirmTtlS, now });
  const ownQueue = options.ordersQueue === undefined;
  const ordersQueue = options.ordersQueue ?? createOrdersQueue({ connection: redis, prefix, logger: options.logger });
  const audit = options.audit ?? createAuditLog({ redis, prefix, logger: options.logger, now });
  const pricing: PricingDeps = {
    exchange: options.cardReads ?? exchange,
    symbols: options.symbols,
    mode: options.mode,
    ...(options.orderCap ? { orderCap: options.orderCap } : {}),
    ...(options.suggestSymbols ? { suggestSymbols: options.suggestSymbols } : {}),
    ...(options.stops ? { stopOrderIds: (symbol: string) => options.stops!.stopOrderIds(symbol) } : {}),
  };
  const prepareCard = createCardPreparation({ intents, audit });
  const expiry = createCardExpiry({ intents, alerts: options.alertsQueue, now });
  const withdrawExpiry = (intentId: string) => void expiry.withdraw(intentId).catch((error: unknown) => logger.debug({ err: error, intentId }, 'card expiry edit not withdrawn; it will skip itself'));
  const confirmCard = createOrderConfirm({ intents, ordersQueue, audit, stops: options.stops, logger, now });
  const confirm: typeof confirmCard = async (intentId, userId) => {
    const result = await confirmCard(intentId, userId);
    withdrawExpiry(intentId);
    return result;
  };
  const unprotected = createUnprotectedActions({ redis, prefix, exchange, intents, ordersQueue, audit, pricing, prepareCard, confirm, now });
  const cancel = createOrderCancel({ exchange, audit, symbols: options.symbols, records: options.records, now });

  return {
    intents,
    ordersQueue,
    audit,

    async prepareOrder(request, requester) {
      return prepareCard(request.symbol, requester, () => priceOrder(pricing, request));
    },

    async prepareBracket(request, requester) {
      const deps = { ...pricing, valuationAsset: options.valuationAsset ?? 'USDT', limitOffsetPct: options.limitOffsetPct ?? '0.5' };
      return prepareCard(request.symbol, requester, () => priceBracket(deps, request));
    },

    retryProtection: unprotected.retryProtection,
    sellUnprotected: unprotected.sellUnprotected,

    async attachCard(intentId, messageId) {
      await intents.attachCard(intentId, messageId);
      await expiry.schedule(intentId, messageId).catch((error: unknown) => logger.warn({ err: error, intentId }, 'could not schedule the card expiry edit'));
    },

    confirm,

    async dismiss(intentId, userId) {
      const intent = await intents.dismiss(intentId, userId);
      withdrawExpiry(intentId);
      await audit.record({ event: 'dismiss', userId, intentId, clientOrderId: intent.clientOrderId, symbol: intent.preview.symbol, outcome: 'dismissed' });
      return renderCard(intent, { kind: 'dismissed' });
    },

    async cancelOrder(ref, requester) {
      const asStop = await options.stops?.removeStopOfOrder(ref, requester);
      if (asStop !== undefined) return asStop;
      const entryCancel = options.stops?.entryCancel;
      const waiting = await entryCancel?.prepare(ref);
      if (!entryCancel || !waiting) return cancel(ref, requester);
      const reply = await cancel(ref, requester).catch(async (error: unknown) => {
        await entryCancel.settle(waiting, false);
        throw error;
      });
      const line = await entryCancel.settle(waiting, true);
      return line ? `${reply}\n${line}` : reply;
    },

    async pause(requester) {
      await ordersQueue.pause();
      await audit.record({ event: 'pause', ...auditActor(requester), outcome: 'paused' });
    },

    async resume(requester) {
      await ordersQueue.resume();
      await audit.record({ event: 'resume', ...auditActor(requester), outcome: 'resumed' });
    },

    isPaused: () => ordersQueue.isPaused(),

    async queueDepths() {
      const [orders, alerts] = await Promise.all([ordersQueue.depths(), options.alertsQueue?.depths() ?? NO_DEPTHS]);
      return { orders, alerts };
    },

    async close() {
      if (ownQueue) await ordersQueue.close();
    },
  };
}
