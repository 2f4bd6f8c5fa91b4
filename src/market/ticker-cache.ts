/**
 * The all-symbols 24 h ticker (GET /api/v3/ticker/24hr without `symbol`: weight 80, BINANCE.md
 * "Limits"), fetched for everyone at once. /top, its buttons and anything else that wants the
 * whole market share one copy:
 *
 * - **TTL** (default 30 s): a snapshot younger than that is served as is.
 * - **Single flight**: while a fetch is under way every caller awaits that same fetch.
 * - **One attempt per TTL**: a new upstream request starts at most once per `ttlMs`, counted from
 *   the start of the previous attempt, failed ones included. However many users press /top, the
 *   exchange sees at most one 80-weight request per 30 s from us; a 429/418 pushes the next
 *   attempt to the end of the exchange's Retry-After.
 * - **Bounded staleness**: when a refresh fails, the last good snapshot is served, marked
 *   `stale`, while it is younger than `maxStaleMs` (default 5 min); past that the error is thrown
 *   (the user gets its userMessage) rather than a ranking that no longer means anything.
 *
 * Nothing starts on import or construction: the first `get()` fetches.
 */
import { Counter, type Registry } from 'prom-client';
import { isExchangeError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Ticker24h } from '../binance/types.js';
import type { ExchangeClient } from '../binance/exchange-client.js';

export interface TickerCacheDeps {
  exchange: Pick<ExchangeClient, 'ticker24hAll'>;
  /** Fresh-enough age, and the shortest spacing of upstream attempts, ms. Default 30 000. */
  ttlMs?: number;
  /** Oldest snapshot served when a refresh fails, ms. Default 300 000. */
  maxStaleMs?: number;
  /** Epoch ms clock. Default Date.now. */
  now?: () => number;
  logger?: Logger;
  /** Where binance_chatops_ticker_cache_requests_total goes; none when absent. */
  registry?: Registry;
}

export interface TickerSnapshot {
  tickers: readonly Ticker24h[];
  /** Epoch ms when the exchange's answer arrived. */
  fetchedAt: number;
  /** True when a refresh failed and this older snapshot is served instead. */
  stale: boolean;
}

export interface TickerCache {
  /** The current snapshot, fetching when it is older than the TTL. Throws the fetch error when no usable snapshot exists. */
  get(): Promise<TickerSnapshot>;
  /** The snapshot held, without fetching (undefined before the first success). */
  peek(): TickerSnapshot | undefined;
}

type Outcome = 'hit' | 'shared' | 'fetched' | 'stale' | 'error';

export function createTickerCache(deps: TickerCacheDeps): TickerCache {
  const ttlMs = deps.ttlMs ?? 30_000;
  const maxStaleMs = deps.maxStaleMs ?? 300_000;
  const now = deps.now ?? Date.now;
  const log = deps.logger?.child({ module: 'ticker-cache' });
  const requests = deps.registry ? requestCounter(deps.registry) : undefined;

  let held: { tickers: readonly Ticker24h[]; fetchedAt: number } | undefined;
  let inFlight: Promise<TickerSnapshot> | undefined;
  let nextAttemptAt = 0;
  let lastError: unknown;

  const count = (outcome: Outcome) => requests?.inc({ outcome });

  function staleOrThrow(error: unknown): TickerSnapshot {
    if (held && now() - held.fetchedAt <= maxStaleMs) {
      count('stale');
      return { ...held, stale: true };
    }
    count('error');
    throw error;
  }

  async function refresh(request: Promise<readonly Ticker24h[]>): Promise<TickerSnapshot> {
    const startedAt = now();
    nextAttemptAt = startedAt + ttlMs;
    try {
      const tickers = await request;
      held = { tickers, fetchedAt: now() };
      lastError = undefined;
      count('fetched');
      return { ...held, stale: false };
    } catch (error) {
      lastError = error;
      if (isExchangeError(error) && error.retryAfterMs !== undefined) {
        nextAttemptAt = Math.max(nextAttemptAt, now() + error.retryAfterMs);
      }
      log?.warn({ err: error, heldAgeMs: held ? now() - held.fetchedAt : undefined }, 'all-symbols ticker refresh failed');
      return staleOrThrow(error);
    }
  }

  return {
    get() {
      const t = now();
      if (held && t - held.fetchedAt < ttlMs) {
        count('hit');
        return Promise.resolve({ ...held, stale: false });
      }
      if (inFlight) {
        count('shared');
        return inFlight;
      }
      if (t < nextAttemptAt) {
        // The last attempt, inside this TTL window, failed: answer from what we have.
        try {
          return Promise.resolve(staleOrThrow(lastError));
        } catch (error) {
          return Promise.reject(error);
        }
      }
      let request: Promise<readonly Ticker24h[]>;
      try {
        request = deps.exchange.ticker24hAll();
      } catch (error) {
        // Refused before it was made (the asking trader's request budget, src/bot/request-budget.ts):
        // that trader's answer, not an attempt the next trader should inherit.
        return Promise.reject(error as Error);
      }
      inFlight = refresh(request).finally(() => {
        inFlight = undefined;
      });
      return inFlight;
    },
    peek: () => (held ? { ...held, stale: lastError !== undefined } : undefined),
  };
}

function requestCounter(registry: Registry): Counter<'outcome'> {
  const name = 'binance_chatops_ticker_cache_requests_total';
  return (
    (registry.getSingleMetric(name) as Counter<'outcome'> | undefined) ??
    new Counter({
      name,
      help: 'Requests for the all-symbols 24h ticker by outcome: hit (cached), shared (joined a fetch), fetched, stale (served after a failed refresh), error.',
      labelNames: ['outcome'],
      registers: [registry],
    })
  );
}
