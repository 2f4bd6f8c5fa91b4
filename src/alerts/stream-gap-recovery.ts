/**
 * After a gap in the user data stream (start, reconnect, a lost lease taken over), find over REST
 * what happened to our orders meanwhile and report it exactly as the live stream would have,
 * once (DESIGN.md §6: "on every (re)connect, open orders are reconciled over REST").
 *
 * Which orders (rest-api.md "Current open orders", "All orders", "Query order"):
 * - every open order (`GET openOrders` without a symbol, weight 80, once per reconnect);
 * - for each symbol we know (seen in events, on recent order records, or given by the caller),
 *   the orders created since the stream was last heard minus an overlap (`GET allOrders` with
 *   `startTime`, weight 20, paged);
 * - every order we last knew as open but found in neither list (it was created before the
 *   window and ended during the gap): `GET order` each (weight 4).
 *
 * Each order's cumulative state goes through `applyOrderUpdate`, which alerts only what the
 * order's mark says was not yet reported: a fill that executed during the gap is reported once,
 * as "executed since the last report", and a live event for the same execution arriving later
 * (a slow or replayed frame) finds the mark already past it and stays silent (execution-alerts.ts).
 *
 * The very first run (no "last heard" time stored) records the state of every order silently: a
 * new deployment must not replay the account's history as alerts.
 */
import { isExchangeError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Order } from '../binance/types.js';
import type { ExchangeClient } from '../binance/exchange-client.js';
import type { OrderRecords } from '../trading/orders/order-records.js';
import { gt } from '../decimal.js';
import type { AlertLedger } from './alert-ledger.js';
import type { ExecutionAlerts } from './execution-alerts.js';
import { updateFromOrder } from './order-update.js';

export interface StreamGapRecoveryDeps {
  exchange: Pick<ExchangeClient, 'openOrders' | 'allOrders' | 'getOrder'>;
  alerts: ExecutionAlerts;
  ledger: AlertLedger;
  records: OrderRecords;
  logger: Logger;
  /** More symbols to check (managed stops, say). */
  extraSymbols?: () => Promise<readonly string[]> | readonly string[];
  /** Looked back before the last heard moment: clock skew and frames in flight. Default 60 000 ms. */
  overlapMs?: number;
  /** Window on the very first run (orders are recorded silently). Default 24 h. */
  firstRunWindowMs?: number;
  /** Pages of `allOrders` (1000 orders each) per symbol at most. Default 5. */
  maxPages?: number;
  now?: () => number;
}

export interface GapRecoveryReport {
  firstRun: boolean;
  /** Start of the window, epoch ms. */
  since: number;
  symbols: string[];
  orders: number;
  /** Orders we had as open that the exchange no longer knows (-2013): dropped from tracking. */
  vanished: number;
}

export interface StreamGapRecovery {
  /** Reconciles every order that may have changed since the stream was last heard. */
  reconcile(): Promise<GapRecoveryReport>;
}

const PAGE = 1000;
const key = (o: { symbol: string; orderId: number }) => `${o.symbol}:${o.orderId}`;

/** Of two views of one order, the later one (more executed, or ended). */
function later(a: Order, b: Order): Order {
  if (gt(b.executedQty, a.executedQty)) return b;
  if (gt(a.executedQty, b.executedQty)) return a;
  return (b.updateTime ?? 0) >= (a.updateTime ?? 0) ? b : a;
}

export function createStreamGapRecovery(deps: StreamGapRecoveryDeps): StreamGapRecovery {
  const now = deps.now ?? Date.now;
  const log = deps.logger.child({ module: 'stream-gap-recovery' });
  const overlapMs = deps.overlapMs ?? 60_000;
  const maxPages = deps.maxPages ?? 5;

  async function ordersSince(symbol: string, since: number): Promise<Order[]> {
    const found: Order[] = [];
    let startTime = since;
    for (let page = 0; page < maxPages; page++) {
      const batch = await deps.exchange.allOrders(symbol, { startTime, limit: PAGE });
      found.push(...batch);
      if (batch.length < PAGE) break;
      const last = Math.max(...batch.map((o) => o.time ?? startTime));
      // Same-millisecond orders repeat on the next page; the map below drops the repeats.
      if (last <= startTime) break;
      startTime = last;
    }
    return found;
  }

  return {
    async reconcile() {
      const startedAt = now();
      const heard = await deps.ledger.heardAt();
      const firstRun = heard === undefined;
      const since = firstRun ? startedAt - (deps.firstRunWindowMs ?? 24 * 3_600_000) : heard - overlapMs;

      const byKey = new Map<string, Order>();
      const add = (o: Order) => {
        const k = key(o);
        const seen = byKey.get(k);
        byKey.set(k, seen ? later(seen, o) : o);
      };
      for (const o of await deps.exchange.openOrders()) add(o);

      const symbols = new Set<string>([...byKey.values()].map((o) => o.symbol));
      for (const s of await deps.ledger.symbolsSince(since - 24 * 3_600_000)) symbols.add(s);
      for (const r of await deps.records.recent(200)) if (r.updatedAt >= since) symbols.add(r.symbol);
      for (const s of (await deps.extraSymbols?.()) ?? []) symbols.add(s);
      const tracked = await deps.ledger.openOrders();
      for (const t of tracked) symbols.add(t.symbol);

      for (const symbol of symbols) for (const o of await ordersSince(symbol, since)) add(o);

      let vanished = 0;
      for (const t of tracked) {
        if (byKey.has(key(t))) continue;
        try {
          add(await deps.exchange.getOrder({ symbol: t.symbol, orderId: t.orderId }));
        } catch (error) {
          if (isExchangeError(error) && error.code === 'EXCHANGE_ORDER_NOT_FOUND') {
            // Archived or never existed: nothing more can be learned about it.
            await deps.ledger.trackOpen(t, false);
            vanished += 1;
            continue;
          }
          throw error;
        }
      }

      const orders = [...byKey.values()].sort((a, b) => (a.updateTime ?? a.time ?? 0) - (b.updateTime ?? b.time ?? 0));
      for (const o of orders) {
        await deps.alerts.applyOrderUpdate(updateFromOrder(o), { mode: 'reconcile', silentIfUnseenBefore: firstRun ? Infinity : since });
      }
      const report = { firstRun, since, symbols: [...symbols].sort(), orders: orders.length, vanished };
      log.info(report, 'orders reconciled');
      return report;
    },
  };
}
