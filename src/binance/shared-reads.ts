/**
 * Single flight with a short memory: callers asking for the same key while a read is in flight,
 * or within `ttlMs` after it succeeded, share its answer. A failure is not remembered (the next
 * caller asks again), and `forget()` drops everything, a read in flight included, since it may
 * have been answered before whatever made the caller forget.
 */
import type { ExchangeClient } from './exchange-client.js';

export interface SharedReads {
  share<T>(key: string, load: () => Promise<T>): Promise<T>;
  forget(): void;
}

export function createSharedReads(options: { ttlMs: number; now?: () => number }): SharedReads {
  const now = options.now ?? Date.now;
  const entries = new Map<string, { value: Promise<unknown>; until: number }>();
  return {
    share<T>(key: string, load: () => Promise<T>): Promise<T> {
      const held = entries.get(key);
      if (held && now() < held.until) return held.value as Promise<T>;
      const entry = { value: load() as Promise<unknown>, until: Number.POSITIVE_INFINITY };
      entries.set(key, entry);
      entry.value.then(
        () => {
          if (entries.get(key) === entry) entry.until = now() + options.ttlMs;
        },
        () => {
          if (entries.get(key) === entry) entries.delete(key);
        },
      );
      return entry.value as Promise<T>;
    },
    forget: () => entries.clear(),
  };
}

/**
 * How long after its answer a market read is still shared: none. Pricings of one symbol share
 * a read while it is in flight only. A window (250 ms was tried) let the worker's send-time cap
 * check read a price from before the card, older than its own start (test/bot/order-cap.test.ts).
 */
export const MARKET_READ_SHARING_MS = 0;

/**
 * `client` whose last, reference and average price reads of a symbol are single flight: fifty
 * confirmations of BTCUSDT arriving together ask once per read in flight, not a hundred and fifty
 * times, and every answer is at least as fresh as the call that receives it. Every other method is
 * the client's own (a Proxy, as in trading/account-cache.ts, since the clients carry more than the
 * contract).
 */
export function sharingMarketReads<T extends ExchangeClient>(client: T, options: { ttlMs?: number; now?: () => number } = {}): T {
  const reads = createSharedReads({ ttlMs: options.ttlMs ?? MARKET_READ_SHARING_MS, ...(options.now ? { now: options.now } : {}) });
  const shared: Partial<Record<PropertyKey, unknown>> = {
    tickerPrice: (symbol: string) => reads.share(`tickerPrice:${symbol}`, () => client.tickerPrice(symbol)),
    referencePrice: (symbol: string) => reads.share(`referencePrice:${symbol}`, () => client.referencePrice(symbol)),
    avgPrice: (symbol: string) => reads.share(`avgPrice:${symbol}`, () => client.avgPrice(symbol)),
  };
  return new Proxy(client, {
    get(target, property, receiver) {
      return shared[property] ?? Reflect.get(target, property, receiver);
    },
  });
}
