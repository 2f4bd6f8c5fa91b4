/**
 * Confirm (DESIGN.md §4 steps 1–2) is "flip, then enqueue": the intent's state flips pending →
 * confirmed in one Lua script (intent-store.ts), and only the winner adds the job, whose `jobId`
 * is the intent id — so racing taps, replays and bot instances enqueue at most once, and even a
 * second add would be a no-op. If the enqueue fails after the flip (Redis hiccup), the trader is
 * asked to tap again, and the store lets that later tap enqueue (still under the same job id).
 */
import { AppError, isAppError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { AuditLog } from './audit-log.js';
import type { IntentStore } from './intent-store.js';
import { renderCard } from './orders/order-card.js';
import type { OrdersQueue } from './orders/orders-queue.js';
import type { StopArming } from './stops/stop-types.js';
import type { OrderIntent, TradingService } from './types.js';

export interface OrderConfirmDeps {
  intents: IntentStore;
  ordersQueue: OrdersQueue;
  audit: AuditLog;
  /** Arms a confirmed /stop card's managed stop; required for stop cards. */
  stops: Pick<StopArming, 'armConfirmed'> | undefined;
  /** The trading service's logger. */
  logger: Logger;
  now: () => number;
}

const queueUnavailable = (cause: unknown) =>
  new AppError('REDIS_UNAVAILABLE', 'orders queue unavailable', {
    cause,
    userMessage: 'The order could not be queued: the bot cannot reach its database. Nothing was sent; tap Confirm again in a minute.',
  });

export function createOrderConfirm(deps: OrderConfirmDeps): TradingService['confirm'] {
  const { intents, ordersQueue, audit, logger, now } = deps;

  /**
   * "Already confirmed", yet the job may never have been added: the tap that flipped the intent
   * died, or lost its Redis reply, before queue.add. A trader who taps again at once must not be
   * told "already confirmed" about an order that will never leave, so the job is added now; its id
   * (the intent id) makes this a no-op when the first add did land or is racing this one. Plain
   * order cards only: a /stop card arms its stop first.
   */
  async function requeueLost(intentId: string, userId: number): Promise<void> {
    const stored = await intents.get(intentId).catch(() => undefined);
    if (!stored || stored.state !== 'confirmed' || stored.enqueued || stored.intent.userId !== userId || stored.intent.stop) return;
    if (await ordersQueue.queue.getJob(intentId).catch(() => undefined)) return;
    try {
      await ordersQueue.enqueue(stored.intent, stored.decidedAt ?? now());
    } catch (error) {
      throw queueUnavailable(error);
    }
    await intents.markEnqueued(intentId).catch((error: unknown) => logger.warn({ err: error, intentId }, 'could not mark the intent enqueued'));
    logger.warn({ intentId }, 'confirmed intent had no job; queued it on a repeated tap');
    await audit.record({ event: 'confirm', userId, intentId, clientOrderId: stored.intent.clientOrderId, symbol: stored.intent.preview.symbol, outcome: 'queued-again' });
  }

  async function armStop(intent: OrderIntent) {
    if (!deps.stops) {
      logger.error({ intentId: intent.id }, 'a stop card was confirmed but the trading service has no stop arming (TradingServiceOptions.stops)');
      throw new AppError('INTERNAL', 'stop cards need TradingServiceOptions.stops');
    }
    try {
      return await deps.stops.armConfirmed(intent);
    } catch (error) {
      if (isAppError(error)) throw error;
      logger.error({ err: error, intentId: intent.id }, 'confirmed stop could not be armed');
      throw new AppError('REDIS_UNAVAILABLE', 'stop arming failed', {
        cause: error,
        userMessage: 'The stop could not be armed: the bot cannot reach its database. Nothing was sent; tap Confirm again in a minute.',
      });
    }
  }

  return async (intentId, userId) => {
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
      throw queueUnavailable(error);
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
  };
}
