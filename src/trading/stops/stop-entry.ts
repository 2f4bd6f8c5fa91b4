/**
 * A plan's stop still pending in its order list beside a LIMIT entry (ManagedStop.awaitsEntry,
 * DESIGN.md §5b). Binance puts an OTO's (or OTOCO's) pending orders on the book only once the
 * working order is fully filled, and cancelling either order, or cancel-replacing one, cancels the
 * whole list (rest-api.md "New Order list - OTO", "Cancel an Existing Order and Send a New
 * Order"). So a waiting stop is never moved: at each close of its pair the evaluator asks here,
 * under the stop's lease, whether the leg is on the book yet. Once it is, the stop's rule starts
 * at the entry's fill: the entry's average price is the stop's entry and its first high, and the
 * close that first sees the fill arms it, as a card's forming candle does (that candle counts by
 * its close; fractals formed and highs made after it count). A close, not the order's time: a
 * replayed paper market does not share the exchange's clock with its candles. From then on the
 * stop trails as any other, and a move of the leg, now alone on the book, cancels nothing else.
 *
 * Nothing is sent from here, so a worker that dies anywhere in it leaves the stop as it was, and
 * the next close (or the start-up check) asks again.
 *
 * A list that ended before its entry bought anything (the trader cancelled the entry, or it
 * expired) leaves nothing to protect: the stop is forgotten without the "cancelled outside the
 * bot" alarm, which stays for a position that is really left without its stop.
 */
import { isPositive } from '../../decimal.js';
import type { Logger } from '../../logger.js';
import type { ExchangeClient } from '../../binance/exchange-client.js';
import type { AuditLog } from '../audit-log.js';
import { averageFillPrice } from '../brackets/bracket-placement.js';
import { OPEN } from './stop-settle.js';
import type { StopStore } from './stop-store.js';
import type { ManagedStop } from './stop-types.js';

export interface StopEntryDeps {
  exchange: Pick<ExchangeClient, 'getOrder'>;
  store: StopStore;
  logger: Logger;
  audit?: AuditLog;
}

export type EntryState =
  /** The entry has not filled: the stop leg is still PENDING_NEW. */
  | { kind: 'waiting' }
  /** The entry filled and the stop leg is on the book: the stop as saved, armed at the fill. */
  | { kind: 'filled'; stop: ManagedStop }
  /** The stop leg is closed (`status`): filled, or the list ended. */
  | { kind: 'ended'; status: string }
  /** The stop was removed meanwhile (/stop off). */
  | { kind: 'gone' };

export interface StopEntry {
  /** For a stop with `awaitsEntry`, holding its lease, at the close ending at `closeTime`. */
  check(stop: ManagedStop, closeTime: number): Promise<EntryState>;
  /** The stop leg closed while it waited: true when the entry bought nothing and the stop was forgotten. */
  forgetUnfilled(stop: ManagedStop, status: string): Promise<boolean>;
}

export function createStopEntry(deps: StopEntryDeps): StopEntry {
  const { exchange, store } = deps;
  const log = deps.logger.child({ module: 'stop-entry' });

  return {
    async check(stop, closeTime) {
      if (stop.awaitsEntry === undefined || stop.orderId === undefined) return { kind: 'filled', stop };
      const leg = await exchange.getOrder({ symbol: stop.symbol, orderId: stop.orderId });
      if (leg.status === 'PENDING_NEW') return { kind: 'waiting' };
      if (!OPEN.has(leg.status)) return { kind: 'ended', status: leg.status };
      const entry = await exchange.getOrder({ symbol: stop.symbol, origClientOrderId: stop.awaitsEntry });
      const armedAt = closeTime + 1;
      const price = averageFillPrice(entry) ?? stop.entryPrice;
      const patch: Partial<ManagedStop> = {
        awaitsEntry: undefined,
        armedAt,
        ...(price !== undefined ? { entryPrice: price } : {}),
        ...(stop.high && price !== undefined ? { high: { price, openTime: armedAt } } : {}),
        candidate: undefined,
      };
      let current: ManagedStop | undefined = stop;
      for (let attempt = 0; attempt < 5 && current; attempt++) {
        const saved = await store.save({ ...current, ...patch });
        if (saved) {
          log.info({ stopId: stop.id, entry: price, armedAt }, 'the plan entry filled: its stop trails from now on');
          await deps.audit?.record({ event: 'stop', userId: stop.userId, intentId: stop.id, symbol: stop.symbol, outcome: 'entry-filled', detail: `entry ${price ?? '?'}`, orderId: entry.orderId });
          return { kind: 'filled', stop: saved };
        }
        current = await store.get(stop.id);
      }
      return { kind: 'gone' };
    },

    async forgetUnfilled(stop, status) {
      if (stop.awaitsEntry === undefined || status === 'FILLED') return false;
      const entry = await exchange.getOrder({ symbol: stop.symbol, origClientOrderId: stop.awaitsEntry }).catch(() => undefined);
      // Not found, or something was bought: the position may be unprotected, which is the alarm's case.
      if (!entry || isPositive(entry.executedQty)) return false;
      await store.remove(stop.id);
      log.info({ stopId: stop.id, status, entry: entry.status }, 'the plan entry ended unfilled: its waiting stop is forgotten');
      await deps.audit?.record({ event: 'stop', userId: stop.userId, intentId: stop.id, symbol: stop.symbol, outcome: 'entry-unfilled', detail: `${entry.status}; stop leg ${status}` });
      return true;
    },
  };
}
