/**
 * Start-up reconciliation of managed stops with the exchange's open orders (DESIGN.md §5: "at
 * start it is reconciled with the exchange's open orders (a stop that vanished was filled or
 * cancelled outside: find out which and alert)").
 *
 * For every stop, holding its lease:
 * - an answer lost in a crash is settled first (stop-settle.ts: the stop's next client
 *   order ids are looked up and adopted);
 * - a stop whose first order was in the pipeline is matched with its record or its job;
 * - a stop left "removing" by an interrupted /stop off is finished;
 * - a stop whose order is not among the open orders is looked up with GET /api/v3/order: filled
 *   (the user data stream reports the fill), cancelled by an interrupted move of ours (placed
 *   again), or cancelled outside the bot (alert) — and forgotten unless placed again; a plan's
 *   stop whose list ended before its entry bought anything is forgotten quietly (stop-entry.ts).
 *
 * Open orders are read once per symbol (weight 6), or once for all symbols (weight 80) when
 * that is cheaper. `sweep` repeats the checks between starts for the stops that need them, and
 * for every stop a reconciliation could not check (its lease still held by a worker that died).
 */
import type { Logger } from '../../logger.js';
import type { Order } from '../../binance/types.js';
import type { ExchangeClient } from '../../binance/exchange-client.js';
import type { OrderRecords } from '../orders/order-records.js';
import { isOrderNotFound } from '../orders/order-lookup.js';
import { notArmedText } from './stop-alert-text.js';
import type { StopMover } from './stop-mover.js';
import { resolvePlacing } from './stop-placing.js';
import type { StopStore } from './stop-store.js';
import type { ManagedStop } from './stop-types.js';
import type { AlertSink } from '../types.js';
import type { AuditLog } from '../audit-log.js';
import { createStopEntry } from './stop-entry.js';
import { OPEN } from './stop-settle.js';

export interface StopSweepDeps {
  exchange: ExchangeClient;
  store: StopStore;
  mover: StopMover;
  records: OrderRecords;
  alerts: AlertSink;
  logger: Logger;
  audit?: AuditLog;
  jobState?: (jobId: string) => Promise<string | undefined>;
  now?: () => number;
}

export interface StopSweepReport {
  stops: number;
  /** Stops whose order rests as expected. */
  intact: number;
  /** Stops whose lost move or first placement was adopted, or whose interrupted move was re-placed. */
  repaired: number;
  /** Stops forgotten: filled, cancelled outside, first order failed, or removal finished. */
  retired: number;
  /** Stops that could not be checked (logged; every sweep tries them again). */
  failed: number;
}

/** Per-symbol openOrders weighs 6, all symbols 80 (BINANCE.md "Limits"). */
const ALL_SYMBOLS_AFTER = 13;

export function createStopSweep(deps: StopSweepDeps) {
  const { exchange, store, mover } = deps;
  const log = deps.logger.child({ module: 'stop-sweep' });
  const entries = createStopEntry({ exchange, store, logger: deps.logger, ...(deps.audit ? { audit: deps.audit } : {}) });
  /**
   * Stops a reconciliation could not check. After a crash that is, above all, the stop the dead
   * worker was moving: its lease outlives the restart (30 s, longer than the wait for it), so the
   * start-up pass skips exactly the stop it exists for. Every sweep tries them again until done.
   */
  const unchecked = new Set<string>();

  async function openOrders(stops: ManagedStop[]): Promise<Map<number, Order>> {
    const symbols = [...new Set(stops.filter((s) => s.orderId !== undefined || s.status === 'placing').map((s) => s.symbol))];
    const orders: Order[] = [];
    if (symbols.length > ALL_SYMBOLS_AFTER) orders.push(...(await exchange.openOrders()));
    else for (const symbol of symbols) orders.push(...(await exchange.openOrders(symbol)));
    return new Map(orders.map((o) => [o.orderId, o]));
  }

  async function statusOf(stop: ManagedStop, open: Map<number, Order>): Promise<string> {
    if (open.has(stop.orderId!)) return open.get(stop.orderId!)!.status;
    try {
      return (await exchange.getOrder({ symbol: stop.symbol, orderId: stop.orderId! })).status;
    } catch (error) {
      if (isOrderNotFound(error)) return 'MISSING';
      throw error;
    }
  }

  async function reconcileOne(id: string, open: Map<number, Order>): Promise<'intact' | 'repaired' | 'retired'> {
    let stop = await store.get(id);
    if (!stop) return 'retired';
    if (stop.status === 'removing') {
      // The /stop off that left it here died: finish it (an order already gone answers -2011).
      if (stop.orderId !== undefined) await exchange.cancelOrder({ symbol: stop.symbol, orderId: stop.orderId }).catch(() => undefined);
      await store.remove(id);
      log.info({ stopId: id }, 'finished an interrupted /stop off');
      return 'retired';
    }
    if (stop.status === 'placing') {
      const placed = await resolvePlacing(stop, { records: deps.records, store, ...(deps.now ? { now: deps.now } : {}), ...(deps.jobState ? { jobState: deps.jobState } : {}) });
      if (placed.kind === 'pending') return 'intact';
      if (placed.kind === 'failed') {
        await store.remove(id);
        await deps.alerts.enqueue({ key: `stop-not-armed-${id}`, chatId: stop.chatId, userId: stop.userId, category: 'stop', text: notArmedText(stop) });
        return 'retired';
      }
      if (placed.kind === 'closed') {
        await mover.retire(placed.stop, placed.status);
        return 'retired';
      }
      stop = placed.stop;
    }
    const before = stop.orderId;
    stop = await mover.settle(stop);
    const repaired = stop.orderId !== before;
    if (stop.orderId === undefined) return repaired ? 'repaired' : 'intact';
    const status = await statusOf(stop, open);
    if (OPEN.has(status)) return repaired ? 'repaired' : 'intact';
    if (await entries.forgetUnfilled(stop, status)) return 'retired';
    const outcome = await mover.vanished(stop, status);
    return outcome.kind === 'gone' ? 'retired' : 'repaired';
  }

  return {
    /**
     * Between starts: stops whose first order is in the pipeline, and stops whose order record
     * (kept current by the user data stream, src/alerts) says the order ended, are checked like
     * at start. Reads Redis only, unless a record says an order ended.
     */
    async sweep(): Promise<StopSweepReport> {
      const stops = await store.all();
      const report: StopSweepReport = { stops: stops.length, intact: 0, repaired: 0, retired: 0, failed: 0 };
      const ids = new Set(stops.map((s) => s.id));
      for (const id of unchecked) if (!ids.has(id)) unchecked.delete(id);
      for (const stop of stops) {
        // Placing: its order may have been placed or failed. Removing: we hold its lease, so the /stop off that set it is gone.
        let due = unchecked.has(stop.id) || stop.status === 'placing' || stop.status === 'removing';
        if (!due && stop.status === 'active' && stop.clientOrderId) {
          const record = await deps.records.get(stop.clientOrderId);
          due = record !== undefined && !OPEN.has(record.status);
        }
        if (!due) {
          report.intact++;
          continue;
        }
        try {
          report[await store.withLock(stop.id, () => reconcileOne(stop.id, new Map()))]++;
          unchecked.delete(stop.id);
        } catch (error) {
          report.failed++;
          log.error({ err: error, stopId: stop.id }, 'stop sweep failed');
        }
      }
      if (report.repaired + report.retired + report.failed > 0) log.info(report, 'managed stops swept');
      return report;
    },

    async checkStops(): Promise<StopSweepReport> {
      const stops = await store.all();
      const report: StopSweepReport = { stops: stops.length, intact: 0, repaired: 0, retired: 0, failed: 0 };
      if (stops.length === 0) return report;
      const open = await openOrders(stops);
      for (const stop of stops) {
        try {
          report[await store.withLock(stop.id, () => reconcileOne(stop.id, open))]++;
          unchecked.delete(stop.id);
        } catch (error) {
          report.failed++;
          unchecked.add(stop.id);
          log.error({ err: error, stopId: stop.id }, 'stop reconciliation failed');
        }
      }
      log.info(report, unchecked.size > 0 ? 'managed stops reconciled with the exchange; the sweep retries those that failed' : 'managed stops reconciled with the exchange');
      return report;
    },
  };
}

export type StopSweep = ReturnType<typeof createStopSweep>;
