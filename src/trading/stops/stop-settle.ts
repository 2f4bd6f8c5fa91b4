/**
 * Settling a managed stop's lost answers (DESIGN.md §5): a worker that crashed or timed out
 * mid-move left a "send attempted" mark on the stop's next client order ids (`bst-<stop>-<n>`).
 * They are looked up before anything else is sent (the order lookup's horizon, order-lookup.ts);
 * an open order found is adopted as the stop's current one and the trader hears what it did,
 * under the alert key the attempt itself would have used, so the alerts queue delivers it once.
 */
import { normalize } from '../../decimal.js';
import type { Logger } from '../../logger.js';
import type { ExchangeClient } from '../../binance/exchange-client.js';
import type { SymbolLookup } from '../orders/order-pricing.js';
import type { OrderRecords } from '../orders/order-records.js';
import type { OrderLookup } from '../orders/order-lookup.js';
import { movedText, replacedText } from './stop-alert-text.js';
import type { StopOrders } from './stop-orders.js';
import { stopOrderClientId, type ManagedStop } from './stop-types.js';

/** Order statuses in which a stop's order still protects the position. */
export const OPEN = new Set(['NEW', 'PARTIALLY_FILLED', 'PENDING_NEW']);

export interface StopSettleDeps {
  exchange: ExchangeClient;
  records: OrderRecords;
  symbols: SymbolLookup;
  lookup: OrderLookup;
  orders: Pick<StopOrders, 'alert' | 'audit' | 'markOld' | 'adopt'>;
  log: Logger;
}

/** Adopts the order of an earlier attempt whose answer was lost; returns the stop as it now is. */
export function createStopSettle(deps: StopSettleDeps): (stop: ManagedStop) => Promise<ManagedStop> {
  const { exchange, records, lookup, log } = deps;
  const { alert, audit, markOld, adopt } = deps.orders;

  /**
   * An order of an earlier attempt was adopted (its answer was lost in a crash or a time-out):
   * the trader hears what it did, under the key the attempt itself would have used.
   */
  async function tellAdopted(before: ManagedStop, after: ManagedStop, n: number): Promise<void> {
    if (before.orderId === after.orderId) return;
    const info = await deps.symbols.symbol(before.symbol).catch(() => undefined);
    if (before.stopPrice === undefined || normalize(before.stopPrice) !== after.stopPrice) {
      await audit(after, before.orderId === undefined ? 'placed' : 'moved', `${before.stopPrice ?? 'none'} -> ${after.stopPrice}`, after.orderId);
      if (after.lastMove) await alert(after, `moved-${before.id}-${n}`, movedText(before, after, info));
      else log.warn({ stopId: before.id, orderId: after.orderId }, 'adopted a moved stop whose basis is unknown; not told');
      return;
    }
    // Same price, another order: the old stop placed again after a refused move (409).
    const target = { stopPrice: before.moving?.stopPrice ?? before.candidate?.stopPrice ?? after.stopPrice! };
    await audit(after, 're-placed', 'adopted after a restart', after.orderId);
    await alert(after, `replaced-${before.id}-${n}`, replacedText(after, target, 'the bot restarted before it could tell why', info));
  }

  return async function settle(stop: ManagedStop): Promise<ManagedStop> {
    let current = stop;
    for (const n of [stop.orders + 2, stop.orders + 1]) {
      const id = stopOrderClientId(stop.id, n);
      const markedAt = await records.sendAttemptedAt(id);
      if (markedAt === undefined) continue;
      const found = await lookup.find({ symbol: stop.symbol, clientOrderId: id }, lookup.signedByFromMark(markedAt));
      if (found && OPEN.has(found.status)) {
        log.warn({ stopId: stop.id, clientOrderId: id, orderId: found.orderId }, 'adopting a stop order whose answer was lost');
        if (current.orderId !== undefined && current.orderId !== found.orderId) await markOld(current, { status: 'CANCELED' });
        const before = current;
        current = await adopt(current, found, n, undefined);
        await tellAdopted(before, current, n);
        break;
      }
      if (!found && current.clientOrderId && current.orderId !== undefined && (await records.get(current.clientOrderId))?.replacedBy === id) {
        // The move placed nothing. With the old order still open it never happened at all, so a
        // later cancel of that order is the trader's (tell, let go), not our move's (place it
        // again). With the old order cancelled it may have been our 409: the claim stays, and the
        // stop is placed again (vanished), the protective reading.
        const old = await exchange.getOrder({ symbol: stop.symbol, orderId: current.orderId }).catch(() => undefined);
        if (old && OPEN.has(old.status)) await markOld(current, { replacedBy: undefined });
      }
      await records.clearSendAttempted(id);
    }
    return current;
  };
}
