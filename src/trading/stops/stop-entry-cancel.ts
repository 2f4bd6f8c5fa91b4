/**
 * Cancelling a plan's LIMIT entry through the bot (/cancel, an /orders button). The exchange
 * cancels the entry's whole order list, so the plan's stop waiting there (PENDING_NEW,
 * ManagedStop.awaitsEntry) goes with it. The trader is told both in the one reply: the leg is
 * marked "cancelling" before the cancel, so its own cancel event is not pushed again, and the
 * stop is forgotten at once rather than at its pair's next close. Only a symbol that has a
 * waiting plan stop pays the lookup (GET order, weight 4) that names the order being cancelled.
 * The other way round, a waiting stop is never removed alone (`waitsWithEntry`).
 */
import { isPositive } from '../../decimal.js';
import { AppError } from '../../errors.js';
import type { ExchangeClient } from '../../binance/exchange-client.js';
import type { Logger } from '../../logger.js';
import type { AuditLog } from '../audit-log.js';
import type { OrderRecords } from '../orders/order-records.js';
import type { StopStore } from './stop-store.js';
import type { ManagedStop } from './stop-types.js';

type OrderRef = { symbol: string; orderId: number };

/**
 * Whether a plan's stop still waits (PENDING_NEW) beside its entry: then removing it alone would
 * cancel the entry too. A leg that cannot be read now stops the removal before anything is cancelled.
 */
export async function waitsWithEntry(exchange: Pick<ExchangeClient, 'getOrder'>, stop: ManagedStop): Promise<boolean> {
  if (stop.awaitsEntry === undefined || stop.orderId === undefined) return false;
  const leg = await exchange.getOrder({ symbol: stop.symbol, orderId: stop.orderId }).catch((error: unknown) => {
    throw new AppError('EXCHANGE_UNAVAILABLE', `plan stop leg ${stop.orderId} not read`, {
      cause: error,
      userMessage: `The exchange did not say whether the entry under the stop on ${stop.symbol} has filled, so nothing was cancelled for that stop. Try again in a minute.`,
    });
  });
  return leg.status === 'PENDING_NEW';
}

export interface StopEntryCancel {
  /** Before cancelling `ref`: the managed stop waiting on it as its plan's entry (its leg marked cancelling), if any. */
  prepare(ref: OrderRef): Promise<ManagedStop | undefined>;
  /** After the cancel (`cancelled` false: it failed): the reply's line about the stop, once it is forgotten. */
  settle(stop: ManagedStop, cancelled: boolean): Promise<string | undefined>;
}

export function createStopEntryCancel(deps: { exchange: Pick<ExchangeClient, 'getOrder'>; store: StopStore; records: OrderRecords; audit: AuditLog; logger: Logger }): StopEntryCancel {
  const { exchange, store, records } = deps;
  const log = deps.logger.child({ module: 'stop-entry-cancel' });
  const unmark = (stop: ManagedStop) => (stop.orderId !== undefined ? records.clearCancelling(stop.symbol, stop.orderId).catch(() => undefined) : undefined);

  return {
    async prepare(ref) {
      const waiting = (await store.bySymbol(ref.symbol)).filter((s) => s.awaitsEntry !== undefined && s.orderId !== undefined);
      if (waiting.length === 0) return undefined;
      const order = await exchange.getOrder(ref).catch(() => undefined);
      const stop = order && waiting.find((s) => s.awaitsEntry === order.clientOrderId);
      if (stop) await records.markCancelling(stop.symbol, stop.orderId!);
      return stop;
    },

    async settle(stop, cancelled) {
      if (!cancelled) return void (await unmark(stop));
      const entry = await exchange.getOrder({ symbol: stop.symbol, origClientOrderId: stop.awaitsEntry! }).catch(() => undefined);
      // Not told for sure: the stop's next evaluation reads the list and settles it.
      if (entry?.status !== 'CANCELED') return void (await unmark(stop));
      await store.withLock(stop.id, () => store.remove(stop.id));
      const bought = isPositive(entry.executedQty);
      log.info({ stopId: stop.id, entry: entry.clientOrderId, bought: entry.executedQty }, 'plan entry cancelled: its waiting stop went with it');
      await deps.audit.record({ event: 'stop', userId: stop.userId, intentId: stop.id, symbol: stop.symbol, orderId: stop.orderId, outcome: 'removed', detail: 'its plan entry was cancelled' });
      const line = `Its stop, order <code>${stop.orderId}</code>, waited in the same order list and was cancelled with it.`;
      return bought ? `${line} What filled before the cancel has no stop now: set one with /stop ${stop.symbol}.` : line;
    },
  };
}
