/**
 * The exchange rules, fetched once and shared (GET /api/v3/exchangeInfo costs 20 weight: BINANCE.md
 * "Limits"). Every order card, every order job and every stop move reads the symbol's filters, so
 * this must be cheap, never stampede the exchange, and keep working through a short outage.
 *
 * - Single flight: however many callers ask at once, one load is in progress.
 * - Refresh ahead: once a value is `refreshAheadMs` from expiry, the next caller gets it at once
 *   and a reload starts in the background; callers never wait for a refresh of a live value.
 * - After expiry a caller waits for the reload. If it fails, the old value is served (with a
 *   warning in the log) until it is `maxStaleMs` old; past that the failure is thrown, because
 *   filters that old could let through an order Binance now refuses, or the reverse.
 * - After a failed reload, no new attempt for `retryDelayMs`: a down exchange is not hammered by
 *   every caller in turn.
 *
 * No timers: the clock is read on each call (`now` is injectable for tests), so nothing runs
 * when nobody asks and `close()` has nothing to stop but new calls.
 */
import { AppError, isAppError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { ExchangeInfo, RateLimit, SymbolInfo } from './types.js';

export interface ExchangeInfoCacheDeps {
  /** Fetches and validates exchangeInfo (the REST client's `exchangeInfo()`). */
  load: () => Promise<ExchangeInfo>;
  /** How long a load is fresh. Default 10 minutes. */
  ttlMs?: number;
  /** How old a value may be served while reloads fail. Default 1 hour (never less than ttlMs). */
  maxStaleMs?: number;
  /** Start a background reload this long before expiry. Default a fifth of ttlMs. */
  refreshAheadMs?: number;
  /** After a failed reload, wait this long before the next attempt. Default 15 seconds. */
  retryDelayMs?: number;
  logger: Logger;
  now?: () => number;
}

export interface ExchangeInfoCache {
  get(): Promise<ExchangeInfo>;
  /** The symbol's rules by exact name (upper-cased), or undefined when the exchange does not list it. */
  symbol(name: string): Promise<SymbolInfo | undefined>;
  /** Reloads now (joining a reload already under way); rejects if it fails, keeping the old value. */
  refresh(): Promise<void>;
  /** The rate limits of the current value; empty before the first load. */
  rateLimits(): RateLimit[];
  close(): void;
}

interface Loaded {
  info: ExchangeInfo;
  bySymbol: Map<string, SymbolInfo>;
  loadedAt: number;
}

export function createExchangeInfoCache(deps: ExchangeInfoCacheDeps): ExchangeInfoCache {
  const now = deps.now ?? Date.now;
  const ttlMs = deps.ttlMs ?? 10 * 60_000;
  const maxStaleMs = Math.max(deps.maxStaleMs ?? 60 * 60_000, ttlMs);
  const refreshAheadMs = Math.min(deps.refreshAheadMs ?? Math.floor(ttlMs / 5), ttlMs);
  const retryDelayMs = deps.retryDelayMs ?? 15_000;
  const logger = deps.logger.child({ module: 'exchange-info-cache' });

  let current: Loaded | undefined;
  let inFlight: Promise<Loaded> | undefined;
  let lastFailure: { at: number; error: unknown } | undefined;
  let closed = false;

  /** The one load under way, started if there is none. */
  function reload(): Promise<Loaded> {
    if (inFlight) return inFlight;
    const startedAt = now();
    inFlight = (async () => {
      try {
        const info = await deps.load();
        const bySymbol = new Map<string, SymbolInfo>();
        for (const s of info.symbols) bySymbol.set(s.symbol, s);
        const loaded: Loaded = { info, bySymbol, loadedAt: startedAt };
        if (!closed) current = loaded;
        lastFailure = undefined;
        logger.debug({ symbols: info.symbols.length, ms: now() - startedAt }, 'exchangeInfo loaded');
        return loaded;
      } catch (error) {
        lastFailure = { at: now(), error };
        throw error;
      } finally {
        inFlight = undefined;
      }
    })();
    return inFlight;
  }

  const coolingDown = (): boolean => lastFailure !== undefined && now() - lastFailure.at < retryDelayMs;

  function serveStale(value: Loaded, error: unknown): Loaded {
    const age = now() - value.loadedAt;
    if (age > maxStaleMs) throw unavailable(error, age);
    logger.warn({ err: error, ageMs: age, maxStaleMs }, 'exchangeInfo reload failed; serving the previous copy');
    return value;
  }

  async function loaded(): Promise<Loaded> {
    if (closed) throw new AppError('INTERNAL', 'exchange info cache is closed');
    const value = current;
    if (!value) return reload();
    const age = now() - value.loadedAt;
    if (age < ttlMs - refreshAheadMs) return value;
    if (age < ttlMs) {
      if (!inFlight && !coolingDown()) {
        reload().catch((error: unknown) => {
          logger.warn({ err: error, ageMs: now() - value.loadedAt }, 'background exchangeInfo refresh failed; keeping the current copy');
        });
      }
      return value;
    }
    // Expired: wait for a fresh copy, falling back to the old one while it is not too old.
    if (!inFlight && coolingDown()) return serveStale(value, lastFailure?.error);
    try {
      return await reload();
    } catch (error) {
      return serveStale(value, error);
    }
  }

  return {
    async get() {
      return (await loaded()).info;
    },
    async symbol(name) {
      return (await loaded()).bySymbol.get(name.toUpperCase());
    },
    async refresh() {
      if (closed) throw new AppError('INTERNAL', 'exchange info cache is closed');
      await reload();
    },
    rateLimits() {
      return current?.info.rateLimits ?? [];
    },
    close() {
      closed = true;
      current = undefined;
    },
  };
}

function unavailable(cause: unknown, ageMs: number): AppError {
  if (isAppError(cause)) return cause;
  return new AppError('EXCHANGE_UNAVAILABLE', `exchangeInfo could not be reloaded and the last copy is ${Math.round(ageMs / 1000)} s old`, {
    cause,
  });
}
