/**
 * Account and open orders as the display views (/balance, /orders) show them: an answer is
 * reused for a couple of seconds, and while one is on its way every caller awaits that one, so 68
 * /orders in a burst cost one request (weight 80), not 68. The trader whose read misses pays it
 * (request-budget.ts); the others read for free.
 *
 * Only for what is shown. A decision reads afresh: which orders /cancel cancels comes from the
 * exchange (a list up to 2 s old could miss an order placed a moment ago), what a card may spend
 * from the balances the user data stream keeps current (trading/account-cache.ts) or the exchange.
 */
import type { Account, Order } from '../binance/types.js';
import type { ExchangeClient } from '../binance/exchange-client.js';
import { createSharedReads } from '../binance/shared-reads.js';

export type ViewReads = Pick<ExchangeClient, 'account' | 'openOrders'>;

export interface ViewCacheOptions {
  exchange: ViewReads;
  /** How long an answer is reused, ms. Default 2 000. */
  ttlMs?: number;
  /**
   * Subscribes to this process's writes to the exchange (RestClient `write` events): after an
   * order or a cancel, nothing read before it is shown again. Writes by another process (a
   * separate worker) are not heard: there a view may lag a fill by up to `ttlMs`.
   */
  forgetOn?: (listener: () => void) => void;
  now?: () => number;
}

export const VIEW_CACHE_TTL_MS = 2_000;

export function createViewCache(options: ViewCacheOptions): ViewReads {
  // load() throws when the asking trader is refused (request-budget.ts): a failure leaves no entry for others.
  const reads = createSharedReads({ ttlMs: options.ttlMs ?? VIEW_CACHE_TTL_MS, ...(options.now ? { now: options.now } : {}) });
  // Forgetting also drops a read in flight: it may have been answered before the write.
  options.forgetOn?.(() => reads.forget());
  return {
    account: () => reads.share<Account>('account', () => options.exchange.account()),
    openOrders: (symbol) => reads.share<Order[]>(`openOrders:${symbol ?? '*'}`, () => options.exchange.openOrders(symbol)),
  };
}
