/**
 * The job of a confirmed /tp card on a managed stop (DESIGN.md §5b): under the stop's lease, the
 * lone stop order (or the stop's list) is replaced by one OCO list holding the same stop and the
 * target (stop-list-mover.ts: cancel, then the list; a stop crossed meanwhile sells at market).
 * It runs in the orders queue, so Confirm's exactly-once rules hold; a retried or taken-over job
 * first adopts what an earlier attempt placed (`settle`) and finds the target already set.
 */
import { eq } from '../../decimal.js';
import { AppError } from '../../errors.js';
import type { Order } from '../../binance/types.js';
import type { ExchangeClient } from '../../binance/exchange-client.js';
import type { StopMover } from '../stops/stop-mover.js';
import { resolvePlacing } from '../stops/stop-placing.js';
import type { OrderRecords } from '../orders/order-records.js';
import type { StopStore } from '../stops/stop-store.js';
import type { ManagedStop } from '../stops/stop-types.js';
import type { OrderIntent } from '../types.js';
import { stopDisplay } from '../stops/stop-alert-text.js';
import type { SymbolLookup } from '../orders/order-pricing.js';

export interface TakeProfitJobDeps {
  exchange: Pick<ExchangeClient, 'getOrder'>;
  symbols: SymbolLookup;
  store: StopStore;
  records: Pick<OrderRecords, 'get'>;
  mover: Pick<StopMover, 'settle' | 'addTarget'>;
}

/** The card's last word: the target leg (shown as the order) and a line naming the list. */
export interface TakeProfitDone {
  order: Order;
  note: string;
}

const refused = (reason: string) => new AppError('TAKE_PROFIT_REFUSED', `take-profit not set: ${reason}`, { userMessage: `The take-profit was not set: ${reason}` });

export function createTakeProfitJob(deps: TakeProfitJobDeps): (intent: OrderIntent) => Promise<TakeProfitDone> {
  const { store, mover } = deps;

  async function done(stop: ManagedStop): Promise<TakeProfitDone> {
    const target = stop.target!;
    const order = await deps.exchange.getOrder({ symbol: stop.symbol, orderId: target.orderId! });
    const d = stopDisplay(await deps.symbols.symbol(stop.symbol).catch(() => undefined));
    const note = `🛡 One OCO list <code>${target.orderListId}</code> holds both exits: target <b>${d.price(target.price)}</b>, stop <b>${d.price(stop.stopPrice ?? '0')}</b> (limit ${d.price(stop.limitPrice ?? '0')}).`;
    return { order, note };
  }

  return async (intent) => {
    const { stopId, price } = intent.takeProfit!;
    return store.withLock(stopId, async () => {
      let stored = await store.get(stopId);
      if (!stored) throw refused('the managed stop is gone (filled or removed).');
      if (stored.status === 'placing') {
        // Its first order went through the pipeline: its record says whether it rests.
        const placed = await resolvePlacing(stored, { records: deps.records, store });
        if (placed.kind !== 'active') throw refused('the stop order is not resting on the exchange.');
        stored = placed.stop;
      }
      const stop = await mover.settle(stored);
      if (stop.target?.orderListId !== undefined && eq(stop.target.price, price) && stop.moving === undefined) return done(stop);
      if (stop.status !== 'active') throw refused('the stop has no order on the exchange right now.');
      if (stop.awaitsEntry !== undefined) throw refused('the stop waits in one order list with its entry, and changing it now would cancel the entry.');
      const outcome = await mover.addTarget(stop, price);
      switch (outcome.kind) {
        case 'moved':
          return done(outcome.stop);
        case 'gone':
          throw refused(outcome.status === 'SOLD' ? 'the price fell to the stop while the orders were replaced, so the position was sold at market.' : 'the stop order was no longer open.');
        case 'unknown':
          // Retried: the next attempt adopts the list, or finishes the move, before deciding.
          throw new Error(`take-profit on stop ${stopId}: outcome unknown`);
        default:
          throw refused(outcome.reason);
      }
    });
  };
}
