/**
 * Account and open orders as the display views (/balance, /orders) show them: an answer is
 * reused for a couple of seconds, and while one is on its way every caller awaits that one, so 68
 * /orders in a burst cost one request (weight 80), not 68. The trader whose read misses pays it
 * (request-budget.ts); the others read for free.
 *
 * Only for what is shown. A decision — which orders /cancel cancels, what a card may spend — reads
 * the exchange afresh: a list up to 2 s old could miss an order placed a moment ago.
 */
import type { Account, Order } from '../binance/types.js';
import type { ExchangeClient } from '../binance/exchange-client.js';

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
  const ttlMs = options.ttlMs ?? VIEW_CACHE_TTL_MS;
  const now = options.now ?? Date.now;
  const entries = new Map<string, { value: Promise<unknown>; until: number }>();
  // Clearing the map also drops a read in flight: it may have been answered before the write.
  options.forgetOn?.(() => entries.clear());

  function cached<T>(key: string, load: () => Promise<T>): Promise<T> {
    const held = entries.get(key);
    if (held && now() < held.until) return held.value as Promise<T>;
    // load() throws when the asking trader is refused (request-budget.ts): no entry is left for others.
    const entry = { value: load() as Promise<unknown>, until: Number.POSITIVE_INFINITY };
    entries.set(key, entry);
    entry.value.then(
      () => {
        if (entries.get(key) === entry) entry.until = now() + ttlMs;
      },
      // A failure is not remembered: the next caller asks again (and pays for it).
      () => {
        if (entries.get(key) === entry) entries.delete(key);
      },
    );
    return entry.value as Promise<T>;
  }

  return {
    account: () => cached<Account>('account', () => options.exchange.account()),
    openOrders: (symbol) => cached<Order[]>(`openOrders:${symbol ?? '*'}`, () => options.exchange.openOrders(symbol)),
  };
}
