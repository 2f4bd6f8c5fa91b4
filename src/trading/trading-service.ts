/**
 * TradingService (src/trading/types.ts): what the bot calls to price, confirm, dismiss and
 * cancel orders, and to pause the pipeline (DESIGN.md §2, §4).
 *
 * Confirm is "flip, then enqueue": the intent's state flips pending → confirmed in one Lua script
 * (intent-store.ts), and only the winner adds the job, whose `jobId` is the intent id — so racing
 * taps, replays and bot instances enqueue at most once, and even a second add would be a no-op.
 * If the enqueue fails after the flip (Redis hiccup), the trader is asked to tap again, and the
 * store lets that later tap enqueue (still under the same job id).
 */
import { AppError, isAppError } from '../errors.js';
import type { Order } from '../binance/types.js';
import type { OrderCap } from '../config.js';
import { createAuditLog, type AuditLog } from './audit-log.js';
import { cardCallbackData } from './card-callback.js';
import { createIntentStore, type IntentStore } from './intent-store.js';
import { renderCard } from './orders/order-card.js';
import { priceOrder, type PricingDeps } from './orders/order-pricing.js';
import { priceBracket } from './brackets/bracket-pricing.js';
import { planSummary } from './brackets/bracket-lines.js';
import { claimUnprotected } from './brackets/bracket-protection.js';
import { protectJobId } from './brackets/bracket-ids.js';
import { receivedQuantity } from './brackets/bracket-placement.js';
import type { OrderRecords } from './orders/order-records.js';
import { cancelError, cancelledText, settleUnknownCancel } from './orders/order-cancel.js';
import { createOrdersQueue, type OrdersQueue } from './orders/orders-queue.js';
import type { StopArming } from './stops/stop-types.js';
import type { AlertSink, OrderIntent, OrderPreview, PreparedCard, QueueDepths, Requester, TradingService } from './types.js';
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

/** After the intent's key has expired in Redis, so the edit never races a last-moment Confirm. */
const EXPIRY_EDIT_MARGIN_MS = 500;

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
  const who = (r: Requester) => ({ userId: r.userId, ...(r.displayName !== undefined ? { displayName: r.displayName } : {}) });

  /**
   * "Already confirmed", yet the job may never have been added: the tap that flipped the intent
   * died, or lost its Redis reply, before queue.add. A trader who taps again at once must not be
   * told "already confirmed" about an order that will never leave, so the job is added now; its id
   * (the intent id) makes this a no-op when the first add did land or is racing this one. Plain order cards only: a /stop card arms its stop first.
   */
  async function requeueLost(intentId: string, userId: number): Promise<void> {
    const stored = await intents.get(intentId).catch(() => undefined);
    if (!stored || stored.state !== 'confirmed' || stored.enqueued || stored.intent.userId !== userId || stored.intent.stop) return;
    if (await ordersQueue.queue.getJob(intentId).catch(() => undefined)) return;
    try {
      await ordersQueue.enqueue(stored.intent, stored.decidedAt ?? now());
    } catch (error) {
      throw new AppError('REDIS_UNAVAILABLE', 'orders queue unavailable', {
        cause: error,
        userMessage: 'The order could not be queued: the bot cannot reach its database. Nothing was sent; tap Confirm again in a minute.',
      });
    }
    await intents.markEnqueued(intentId).catch((error: unknown) => logger.warn({ err: error, intentId }, 'could not mark the intent enqueued'));
    logger.warn({ intentId }, 'confirmed intent had no job; queued it on a repeated tap');
    await audit.record({ event: 'confirm', userId, intentId, clientOrderId: stored.intent.clientOrderId, symbol: stored.intent.preview.symbol, outcome: 'queued-again' });
  }

  /**
   * A card nobody answered must not look live: at its deadline it is edited to "expired" without
   * buttons. The edit waits in the alerts queue (so a restart does not lose it) and is dropped if
   * the intent was confirmed or cancelled meanwhile: a decided intent keeps its key, a pending
   * one's key expires with the card.
   */
  async function scheduleExpiryEdit(intentId: string, messageId: number): Promise<void> {
    const alerts = options.alertsQueue;
    const stored = await intents.get(intentId);
    if (!alerts || !stored || stored.state !== 'pending') return;
    const intent = { ...stored.intent, cardMessageId: messageId };
    await alerts.enqueue(
      {
        key: `expire-card-${intentId}`,
        chatId: intent.chatId,
        userId: intent.userId,
        editMessageId: messageId,
        text: renderCard(intent, { kind: 'expired' }),
        category: 'order',
        unlessKeyExists: intents.keyOf(intentId),
      },
      { delayMs: intent.expiresAt - now() + EXPIRY_EDIT_MARGIN_MS },
    );
  }

  async function armStop(intent: OrderIntent) {
    if (!options.stops) {
      logger.error({ intentId: intent.id }, 'a stop card was confirmed but the trading service has no stop arming (TradingServiceOptions.stops)');
      throw new AppError('INTERNAL', 'stop cards need TradingServiceOptions.stops');
    }
    try {
      return await options.stops.armConfirmed(intent);
    } catch (error) {
      if (isAppError(error)) throw error;
      logger.error({ err: error, intentId: intent.id }, 'confirmed stop could not be armed');
      throw new AppError('REDIS_UNAVAILABLE', 'stop arming failed', {
        cause: error,
        userMessage: 'The stop could not be armed: the bot cannot reach its database. Nothing was sent; tap Confirm again in a minute.',
      });
    }
  }

  /** The stored intent behind an unprotected card, claimed for this tap (one action per attempt). */
  async function unprotectedIntent(intentId: string, attempt: number, requester: Requester): Promise<OrderIntent> {
    const stored = await intents.get(intentId);
    if (!stored?.intent.preview.bracket) throw new AppError('CONFIRM_EXPIRED', `no bracket intent ${intentId}`, { userMessage: 'This order is no longer known to the bot. See /orders and /balance.' });
    if (stored.intent.userId !== requester.userId) throw new AppError('CONFIRM_FOREIGN', `intent ${intentId} belongs to ${stored.intent.userId}`);
    if (!(await claimUnprotected(redis, prefix, intentId, attempt))) {
      throw new AppError('CONFIRM_ALREADY_USED', `protection attempt ${attempt} of ${intentId} already claimed`, { userMessage: 'This button was already used: the card shows what happened.' });
    }
    return stored.intent;
  }

  /** Prices the order, stores the intent, audits both, and returns the card. */
  async function cardOf(symbol: string, requester: Requester, price: () => Promise<OrderPreview>): Promise<PreparedCard> {
    let preview;
    try {
      preview = await price();
    } catch (error) {
      await audit.record({ event: 'intent', ...who(requester), symbol, outcome: 'refused', detail: isAppError(error) ? error.code : 'INTERNAL' });
      throw error;
    }
    const intent = await intents.create({ userId: requester.userId, chatId: requester.chatId, ...(requester.displayName !== undefined ? { displayName: requester.displayName } : {}), preview });
    await audit.record({
      event: 'intent',
      ...who(requester),
      intentId: intent.id,
      clientOrderId: intent.clientOrderId,
      symbol: preview.symbol,
      outcome: 'card',
      detail: `${preview.side} ${preview.type} ${preview.quantity ?? `${preview.quoteOrderQty} ${preview.quoteAsset}`}${preview.price ? ` @ ${preview.price}` : ''}${preview.bracket ? ` ${planSummary(preview.bracket)}` : ''}`,
    });
    return {
      intentId: intent.id,
      text: renderCard(intent, { kind: 'pending' }),
      confirmData: cardCallbackData('confirm', intent.id),
      cancelData: cardCallbackData('dismiss', intent.id),
      expiresAt: intent.expiresAt,
    };
  }

  const self: TradingServiceHandle = {
    intents,
    ordersQueue,
    audit,

    async prepareOrder(request, requester) {
      return cardOf(request.symbol, requester, () => priceOrder(pricing, request));
    },

    async prepareBracket(request, requester) {
      const deps = { ...pricing, valuationAsset: options.valuationAsset ?? 'USDT', limitOffsetPct: options.limitOffsetPct ?? '0.5' };
      return cardOf(request.symbol, requester, () => priceBracket(deps, request));
    },

    async retryProtection(intentId, attempt, requester) {
      const intent = await unprotectedIntent(intentId, attempt, requester);
      await ordersQueue.enqueueProtection(intent, attempt, protectJobId(intentId, attempt), now());
      await audit.record({ event: 'confirm', ...who(requester), intentId, symbol: intent.preview.symbol, outcome: 'retry-protection', detail: `attempt ${attempt}` });
      return 'Placing the stop and target again…';
    },

    async sellUnprotected(intentId, attempt, requester) {
      const intent = await unprotectedIntent(intentId, attempt, requester);
      const symbol = intent.preview.symbol;
      const entry = await exchange.getOrder({ symbol, origClientOrderId: intent.clientOrderId });
      const info = await options.symbols.symbol(symbol);
      const quantity = info ? await receivedQuantity(exchange, entry, info) : entry.executedQty;
      const card = await cardOf(symbol, requester, () => priceOrder(pricing, { symbol, side: 'SELL', amount: { kind: 'base', quantity } }));
      // The tap on [Sell now] is the confirmation: the card arrives already queued.
      const outcome = await self.confirm(card.intentId, requester.userId);
      return { ...card, text: outcome.text };
    },

    async attachCard(intentId, messageId) {
      await intents.attachCard(intentId, messageId);
      await scheduleExpiryEdit(intentId, messageId).catch((error: unknown) => logger.warn({ err: error, intentId }, 'could not schedule the card expiry edit'));
    },

    async confirm(intentId, userId) {
      const { intent, resumed } = await intents.confirm(intentId, userId).catch(async (error: unknown) => {
        if (isAppError(error) && error.code === 'CONFIRM_ALREADY_USED') await requeueLost(intentId, userId);
        throw error;
      });
      // A /stop card: the managed stop is stored before its order is queued, so the stop manager
      // knows the order (by the intent's client order id) whenever the worker places it.
      if (intent.stop) {
        const armed = await armStop(intent);
        if (!armed.placesOrder) {
          await audit.record({ event: 'confirm', userId, intentId, symbol: intent.preview.symbol, outcome: 'armed-waiting' });
          return { status: 'armed', text: armed.text ?? '', ...(armed.answer !== undefined ? { answer: armed.answer } : {}) };
        }
      }
      const confirmedAt = now();
      try {
        await ordersQueue.enqueue(intent, confirmedAt);
      } catch (error) {
        logger.error({ err: error, intentId }, 'confirmed intent could not be queued');
        throw new AppError('REDIS_UNAVAILABLE', 'orders queue unavailable', {
          cause: error,
          userMessage: 'The order could not be queued: the bot cannot reach its database. Nothing was sent; tap Confirm again in a minute.',
        });
      }
      // Independent of each other: one round trip, not two, before the trader's toast.
      const [, paused] = await Promise.all([
        intents.markEnqueued(intentId).catch((error: unknown) => logger.warn({ err: error, intentId }, 'could not mark the intent enqueued')),
        ordersQueue.isPaused(),
      ]);
      await audit.record({
        event: 'confirm',
        userId,
        ...(intent.displayName !== undefined ? { displayName: intent.displayName } : {}),
        intentId,
        clientOrderId: intent.clientOrderId,
        symbol: intent.preview.symbol,
        outcome: paused ? 'queued-paused' : resumed ? 'queued-again' : 'queued',
      });
      const status = paused ? 'queued-paused' : 'queued';
      return { status, text: renderCard(intent, { kind: status, ...(intent.displayName ? { confirmedBy: intent.displayName } : {}) }) };
    },

    async dismiss(intentId, userId) {
      const intent = await intents.dismiss(intentId, userId);
      await audit.record({ event: 'dismiss', userId, intentId, clientOrderId: intent.clientOrderId, symbol: intent.preview.symbol, outcome: 'dismissed' });
      return renderCard(intent, { kind: 'dismissed' });
    },

    async cancelOrder(ref, requester) {
      const asStop = await options.stops?.removeStopOfOrder(ref, requester);
      if (asStop !== undefined) return asStop;
      const base = { event: 'cancel' as const, ...who(requester), symbol: ref.symbol, orderId: ref.orderId };
      let order: Order;
      // The trader is answered here; the stream's cancel event must not become a second message.
      await options.records?.markCancelling(ref.symbol, ref.orderId);
      try {
        order = await exchange.cancelOrder({ symbol: ref.symbol, orderId: ref.orderId });
      } catch (error) {
        const settled = await settleUnknownCancel(exchange, ref, error);
        if (!settled) {
          await options.records?.clearCancelling(ref.symbol, ref.orderId).catch(() => undefined);
          await audit.record({ ...base, outcome: 'failed', detail: isAppError(error) ? error.code : 'INTERNAL' });
          throw cancelError(ref, error);
        }
        order = settled;
      }
      await audit.record({ ...base, clientOrderId: order.origClientOrderId ?? order.clientOrderId, outcome: order.status.toLowerCase() });
      const record = options.records ? await options.records.get(order.origClientOrderId ?? order.clientOrderId).catch(() => undefined) : undefined;
      if (record && options.records) await options.records.save({ ...record, status: order.status, executedQty: order.executedQty, cummulativeQuoteQty: order.cummulativeQuoteQty, updatedAt: now() });
      return cancelledText(order, await options.symbols.symbol(order.symbol).catch(() => undefined));
    },

    async pause(requester) {
      await ordersQueue.pause();
      await audit.record({ event: 'pause', ...who(requester), outcome: 'paused' });
    },

    async resume(requester) {
      await ordersQueue.resume();
      await audit.record({ event: 'resume', ...who(requester), outcome: 'resumed' });
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
  return self;
}
