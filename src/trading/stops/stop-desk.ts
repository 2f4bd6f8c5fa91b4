/**
 * The bot's side of managed stops (DESIGN.md §2 "/stop", "/stops", §5): stop cards, arming on
 * Confirm, /stop SYMBOL off, the /stops list, and the stop drawn on /fractals.
 *
 * - A /stop card is an ordinary order intent (intent-store.ts) that also carries the stop
 *   (`OrderIntent.stop`), so Confirm, Cancel, expiry, the orders queue and the card edits are the
 *   pipeline's own. Confirm calls `armConfirmed` (order-confirm.ts) before queueing the order:
 *   the stop is stored, keyed by the intent id, while its order waits under the intent's client
 *   order id — exactly once, whatever the taps. A fractal stop with no fractal below the price
 *   yet is armed without an order.
 * - /stop SYMBOL off acts at once, like a single /cancel: it cancels the stops' orders (or takes
 *   a first order that has not left the queue back out of it), forgets the stops, says plainly
 *   that the position is no longer protected, and tells a stop's owner when someone else
 *   removed it (the one who typed it has the reply).
 */
import type { Queue } from 'bullmq';
import { compare, isPositive, normalize } from '../../decimal.js';
import { AppError, isAppError, isExchangeError } from '../../errors.js';
import type { Order, SymbolInfo } from '../../binance/types.js';
import type { OrderCap } from '../../config.js';
import { createAuditLog, type AuditLog } from '../audit-log.js';
import { cardCallbackData } from '../card-callback.js';
import { createIntentStore, type IntentStore } from '../intent-store.js';
import type { OrderRecords } from '../orders/order-records.js';
import { isOrderNotFound } from '../orders/order-lookup.js';
import { armedText, removedText, stopDisplay, stopTitle } from './stop-alert-text.js';
import { renderStopCard, waitingCard } from './stop-card.js';
import { createStopEntryCancel, waitsWithEntry } from './stop-entry-cancel.js';
import { resolvePlacing, type PlacingDeps } from './stop-placing.js';
import { priceStop, type StopPricingDeps } from './stop-pricing.js';
import { createStopStore, type StopStore } from './stop-store.js';
import { readStopIntent } from './stop-basis.js';
import { isTrailing, type ArmOutcome, type ManagedStop, type StopArming, type StopDesk } from './stop-types.js';
import type { AlertSink, OrderIntent, Requester } from '../types.js';
import { KEY_PREFIX } from '../../redis.js';
import type { CardDeps } from '../card-deps.js';

export interface StopDeskOptions extends CardDeps {
  records: OrderRecords;
  alerts: AlertSink;
  settings: {
    /** STOP_LIMIT_OFFSET_PCT. */
    limitOffsetPct: string;
    /** MAX_ORDER_VALUE in VALUATION_ASSET. */
    orderCap?: OrderCap;
  };
  /** The orders queue: its jobs say whether a stop's first order is still coming (/stop off withdraws it). */
  ordersQueue?: { queue: Queue };
  /** Built from `redis` and `prefix` when absent. */
  intents?: IntentStore;
  audit?: AuditLog;
  store?: StopStore;
  /** Told after a stop was armed or removed (an in-process stop manager re-reads its pairs at once). */
  onPairsChanged?: () => void;
  now?: () => number;
}

/** Jobs that have not started: /stop off may take them back. */
const WITHDRAWABLE = new Set(['waiting', 'delayed', 'paused', 'prioritized', 'waiting-children']);

export function createStopDesk(options: StopDeskOptions): StopDesk & StopArming {
  const { redis, exchange, records, alerts } = options;
  const prefix = options.prefix ?? KEY_PREFIX;
  const now = options.now ?? Date.now;
  const log = options.logger.child({ module: 'stop-desk' });
  const intents = options.intents ?? createIntentStore({ redis, prefix, ttlS: options.confirmTtlS, now });
  const audit = options.audit ?? createAuditLog({ redis, prefix, logger: options.logger, now });
  const store = options.store ?? createStopStore({ redis, prefix });
  const pricing: StopPricingDeps = {
    exchange: options.cardReads ?? exchange,
    symbols: options.symbols,
    records,
    mode: options.mode,
    limitOffsetPct: options.settings.limitOffsetPct,
    ...(options.settings.orderCap ? { orderCap: options.settings.orderCap } : {}),
  };
  const jobState = async (id: string): Promise<string | undefined> => {
    const job = await options.ordersQueue?.queue.getJob(id);
    return job ? await job.getState() : undefined;
  };
  const placing: PlacingDeps = { records, store, now, ...(options.ordersQueue ? { jobState } : {}) };
  const pairsChanged = () => {
    try {
      options.onPairsChanged?.();
    } catch (error) {
      log.warn({ err: error }, 'onPairsChanged failed');
    }
  };
  const alertOwner = (stop: ManagedStop, key: string, text: string) =>
    alerts.enqueue({ key: `stop-${key}`, chatId: stop.chatId, userId: stop.userId, category: 'stop', text }).catch((error: unknown) =>
      log.error({ err: error, stopId: stop.id }, 'could not queue a stop alert'),
    );

  /** The stop's order is cancelled (or found closed); returns the sentence for the reply. */
  async function cancelOrderOf(stop: ManagedStop): Promise<string> {
    if (stop.orderId === undefined) return 'It had no order on the exchange.';
    let order: Order;
    try {
      order = await exchange.cancelOrder({ symbol: stop.symbol, orderId: stop.orderId });
    } catch (error) {
      const unknown = isExchangeError(error) && error.kind === 'unknown-outcome';
      if (!unknown && !isOrderNotFound(error) && !(isExchangeError(error) && error.binanceCode === -2011)) throw error;
      // Not open any more, or the answer was lost: the order's own status says which.
      order = await exchange.getOrder({ symbol: stop.symbol, orderId: stop.orderId }).catch(() => {
        throw new AppError('EXCHANGE_UNKNOWN_OUTCOME', `cancel of stop order ${stop.orderId}`, {
          cause: error,
          userMessage: `The exchange did not confirm the cancel of order ${stop.orderId}. Check /orders, then send /stop ${stop.symbol} off again.`,
        });
      });
      if (unknown && order.status !== 'CANCELED') throw new AppError('EXCHANGE_UNKNOWN_OUTCOME', 'cancel not confirmed', { userMessage: `The exchange did not confirm the cancel of order ${stop.orderId}. Send /stop ${stop.symbol} off again.` });
    }
    const record = stop.clientOrderId ? await records.get(stop.clientOrderId).catch(() => undefined) : undefined;
    if (record) await records.save({ ...record, status: order.status, executedQty: order.executedQty, cummulativeQuoteQty: order.cummulativeQuoteQty, updatedAt: now() });
    if (order.status === 'CANCELED' && isPositive(order.executedQty)) return `Order ${order.orderId} cancelled after a partial fill of ${order.executedQty}.`;
    if (order.status === 'CANCELED') return `Order ${order.orderId} cancelled.`;
    return `Its order ${order.orderId} was already ${order.status.toLowerCase().replace(/_/g, ' ')}.`;
  }

  /** Takes a stop whose first order has not been placed yet out of the pipeline. */
  async function settlePlacing(stop: ManagedStop): Promise<ManagedStop> {
    const resolved = await resolvePlacing(stop, placing);
    if (resolved.kind === 'active' || resolved.kind === 'closed') return resolved.stop;
    if (resolved.kind === 'failed') return { ...stop, clientOrderId: undefined };
    const job = await options.ordersQueue?.queue.getJob(stop.id);
    const state = job ? await job.getState() : undefined;
    if (job && state !== undefined && WITHDRAWABLE.has(state)) {
      try {
        await job.remove();
        return { ...stop, clientOrderId: undefined };
      } catch (error) {
        log.info({ err: error, stopId: stop.id }, 'stop order job could not be withdrawn');
      }
    }
    throw new AppError('INTERNAL', `stop ${stop.id} is being placed`, {
      userMessage: `The stop on ${stop.symbol} is being placed right now. Send /stop ${stop.symbol} off again in a few seconds.`,
    });
  }

  async function removeOne(id: string, requester: Requester, info: SymbolInfo | undefined): Promise<string> {
    let stop = await store.get(id);
    if (!stop) return '';
    if (stop.status === 'placing') stop = await settlePlacing(stop);
    const previous = stop.status;
    const marked = await store.save({ ...stop, status: 'removing' });
    if (marked) stop = marked;
    let outcome: string;
    try {
      outcome = await cancelOrderOf(stop);
    } catch (error) {
      // Still on the exchange as far as we know: the stop stays managed, and /stop off can be sent again.
      if (marked) await store.save({ ...marked, status: previous }).catch(() => undefined);
      throw error;
    }
    await store.remove(id);
    await audit.record({ event: 'stop', userId: requester.userId, displayName: requester.displayName, intentId: id, symbol: stop.symbol, orderId: stop.orderId, outcome: 'removed', detail: outcome });
    log.info({ stopId: id, symbol: stop.symbol, by: requester.userId }, 'managed stop removed');
    if (requester.chatId !== stop.chatId) await alertOwner(stop, `removed-${id}`, removedText(stop, outcome, requester.displayName, info));
    const at = stop.stopPrice !== undefined ? ` at ${stopDisplay(info).price(stop.stopPrice)}` : '';
    return `✖️ Removed ${stopTitle(stop)}${at}. ${outcome}`;
  }

  return {
    async prepareStop(request, requester) {
      let priced;
      try {
        priced = await priceStop(pricing, request);
      } catch (error) {
        await audit.record({ event: 'intent', userId: requester.userId, displayName: requester.displayName, symbol: request.symbol, outcome: 'refused', detail: isAppError(error) ? error.code : 'INTERNAL' });
        throw error;
      }
      const intent = await intents.create({
        userId: requester.userId,
        chatId: requester.chatId,
        ...(requester.displayName !== undefined ? { displayName: requester.displayName } : {}),
        preview: priced.preview,
        stop: priced.stop,
      });
      const p = priced.preview;
      await audit.record({
        event: 'intent',
        userId: requester.userId,
        displayName: requester.displayName,
        intentId: intent.id,
        clientOrderId: intent.clientOrderId,
        symbol: p.symbol,
        outcome: 'card',
        detail: `${priced.stop.kind} stop ${p.quantity} @ ${p.stopPrice ?? 'first fractal'}`,
      });
      return {
        intentId: intent.id,
        text: renderStopCard(intent),
        confirmData: cardCallbackData('confirm', intent.id),
        cancelData: cardCallbackData('dismiss', intent.id),
        expiresAt: intent.expiresAt,
      };
    },

    async armConfirmed(intent: OrderIntent): Promise<ArmOutcome> {
      const spec = readStopIntent(intent.stop!);
      const initial = spec.initial;
      const { stop, created } = await store.create({
        id: intent.id,
        kind: spec.kind,
        symbol: intent.preview.symbol,
        ...(spec.interval ? { interval: spec.interval } : {}),
        ...(spec.percent !== undefined ? { percent: spec.percent } : {}),
        ...(spec.atrMultiple !== undefined ? { atrMultiple: spec.atrMultiple } : {}),
        ...(spec.high ? { high: spec.high } : {}),
        userId: intent.userId,
        chatId: intent.chatId,
        ...(intent.displayName !== undefined ? { displayName: intent.displayName } : {}),
        quantity: spec.quantity,
        ...(spec.entryPrice !== undefined ? { entryPrice: spec.entryPrice, entrySource: spec.entrySource ?? 'price' } : {}),
        armedAt: spec.armedAt,
        createdAt: now(),
        status: initial ? 'placing' : 'waiting',
        ...(initial ? { stopPrice: normalize(initial.stopPrice), limitPrice: normalize(initial.limitPrice), clientOrderId: intent.clientOrderId } : {}),
        ...(initial?.basis ? { basis: initial.basis } : {}),
        orders: initial ? 1 : 0,
      });
      if (created) {
        log.info({ stopId: stop.id, symbol: stop.symbol, kind: stop.kind, interval: stop.interval, status: stop.status }, 'managed stop armed');
        await audit.record({ event: 'stop', userId: intent.userId, intentId: intent.id, clientOrderId: stop.clientOrderId, symbol: stop.symbol, outcome: 'armed', detail: `${stop.kind} ${stop.interval ?? ''} ${stop.stopPrice ?? 'waiting'}` });
        const info = await options.symbols.symbol(stop.symbol).catch(() => undefined);
        await alertOwner(stop, `armed-${stop.id}`, armedText(stop, info));
        if (isTrailing(stop.kind)) pairsChanged();
      }
      if (initial) return { placesOrder: true };
      return { placesOrder: false, text: waitingCard(intent, 'armed'), answer: 'Armed: the stop is placed at the first bullish fractal below the price.' };
    },

    async removeStops(symbol, requester) {
      const stops = await store.bySymbol(symbol);
      if (stops.length === 0) return `No managed stop on <b>${symbol}</b>. See /stops.`;
      const info = await options.symbols.symbol(symbol).catch(() => undefined);
      const lines: string[] = [];
      const kept: string[] = [];
      for (const stop of stops) {
        // A leg still pending beside its plan's LIMIT entry goes only with the whole list: the entry is never cancelled from here.
        if (await waitsWithEntry(exchange, stop)) {
          kept.push(`The stop on <b>${symbol}</b> waits in one order list with its limit entry, which has not filled: removing it would cancel the entry too. It stays; to drop both, cancel the entry in /orders.`);
          continue;
        }
        const line = await store.withLock(stop.id, () => removeOne(stop.id, requester, info));
        if (line) lines.push(line);
      }
      if (lines.length === 0) return kept.join('\n');
      if (stops.some((s) => isTrailing(s.kind))) pairsChanged();
      lines.push(`The ${lines.length === 1 ? 'position is' : 'positions are'} no longer protected by the bot.`, ...kept);
      return lines.join('\n');
    },

    entryCancel: createStopEntryCancel({ exchange, store, records, audit, logger: options.logger }),

    async removeStopOfOrder(ref, requester) {
      const stop = (await store.bySymbol(ref.symbol)).find((s) => s.orderId === ref.orderId);
      if (!stop) return undefined;
      if (await waitsWithEntry(exchange, stop)) return `Order ${ref.orderId} is the stop waiting in one order list with its limit entry, which has not filled: cancelling it would cancel the entry too. It stays; to drop both, cancel the entry.`;
      const info = await options.symbols.symbol(stop.symbol).catch(() => undefined);
      const line = await store.withLock(stop.id, () => removeOne(stop.id, requester, info));
      if (isTrailing(stop.kind)) pairsChanged();
      // Empty: a move or a fill took the stop away meanwhile; the plain cancel tells what is left.
      return line ? `${line}\nThe position is no longer protected by the bot.` : undefined;
    },

    async listStops() {
      const stops = await store.all();
      const shown: ManagedStop[] = [];
      for (const stop of stops) {
        if (stop.status !== 'placing') {
          shown.push(stop);
          continue;
        }
        const resolved = await resolvePlacing(stop, { ...placing, jobState: undefined }).catch(() => undefined);
        shown.push(resolved?.kind === 'active' ? resolved.stop : stop);
      }
      return shown.sort((a, b) => a.symbol.localeCompare(b.symbol) || a.createdAt - b.createdAt);
    },

    async stopOrderIds(symbol) {
      return (await store.bySymbol(symbol)).flatMap((s) => (s.orderId !== undefined ? [s.orderId] : []));
    },

    async activeStop(symbol) {
      const stops = (await store.bySymbol(symbol)).filter((s) => s.stopPrice !== undefined && (s.status === 'active' || s.status === 'placing'));
      const top = stops.sort((a, b) => compare(b.stopPrice!, a.stopPrice!))[0];
      if (!top) return undefined;
      return { stopPrice: top.stopPrice!, entryPrice: top.entryPrice ?? top.stopPrice! };
    },

    lastStopEvaluation: () => store.lastEvaluation(),
  };
}
