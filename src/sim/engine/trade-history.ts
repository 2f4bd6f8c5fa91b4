/**
 * The account's trades, recorded from the engine's own `executionReport` TRADE events (so a fill
 * is recorded exactly as the user data stream announced it: same id, price, quantity and
 * commission) and persisted with the rest of the paper state. Serves GET /api/v3/myTrades and,
 * as the simulator's only trades, GET /api/v3/trades.
 */
import type { AccountTrade } from '../../binance/types.js';
import type { ExecutionReportEvent, UserEventSource } from '../types.js';

/** One row of GET /api/v3/myTrades (rest-api.md "Account trade list"), as the client reads it, plus the field it ignores. */
export interface TradeRecord extends AccountTrade {
  isBestMatch: boolean;
}

export interface TradeQuery {
  orderId?: number;
  startTime?: number;
  endTime?: number;
  fromId?: number;
  limit: number;
}

export interface TradeHistory {
  /** Trades of one symbol, oldest first, as myTrades selects them. */
  query(symbol: string, q: TradeQuery): TradeRecord[];
  /** The most recent `limit` trades of the symbol, oldest first. */
  recent(symbol: string, limit: number): TradeRecord[];
  snapshot(): TradeRecord[];
  restore(trades: TradeRecord[]): void;
  clear(): void;
  close(): void;
}

export interface TradeHistoryOptions {
  /** Trades kept (oldest dropped first). Default 10 000. */
  keep?: number;
  /** Called when a trade was recorded (persistence). */
  onChange?: () => void;
}

export function createTradeHistory(events: UserEventSource, options: TradeHistoryOptions = {}): TradeHistory {
  const keep = options.keep ?? 10_000;
  let trades: TradeRecord[] = [];

  const record = (e: ExecutionReportEvent): void => {
    trades.push({
      symbol: e.s,
      id: e.t,
      orderId: e.i,
      orderListId: e.g,
      price: e.L,
      qty: e.l,
      quoteQty: e.Y,
      commission: e.n,
      commissionAsset: e.N ?? '',
      time: e.T,
      isBuyer: e.S === 'BUY',
      isMaker: e.m,
      isBestMatch: true,
    });
    if (trades.length > keep) trades = trades.slice(-keep);
    options.onChange?.();
  };

  const unsubscribe = events.onUserEvent((event) => {
    if (event.e === 'executionReport' && event.x === 'TRADE') record(event);
  });

  return {
    query(symbol, q) {
      let rows = trades.filter((t) => t.symbol === symbol);
      if (q.orderId !== undefined) rows = rows.filter((t) => t.orderId === q.orderId);
      if (q.fromId !== undefined) rows = rows.filter((t) => t.id >= q.fromId!);
      if (q.startTime !== undefined) rows = rows.filter((t) => t.time >= q.startTime!);
      if (q.endTime !== undefined) rows = rows.filter((t) => t.time <= q.endTime!);
      // fromId or a start: the oldest matching first; otherwise the most recent (rest-api.md "Account trade list").
      return q.fromId !== undefined || q.startTime !== undefined ? rows.slice(0, q.limit) : rows.slice(-q.limit);
    },
    recent: (symbol, limit) => trades.filter((t) => t.symbol === symbol).slice(-limit),
    snapshot: () => [...trades],
    restore(saved) {
      trades = [...saved];
    },
    clear() {
      trades = [];
    },
    close: unsubscribe,
  };
}
