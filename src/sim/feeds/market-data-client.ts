/**
 * Binance public market data over HTTP for the live feed (no key: data-api.binance.vision serves
 * market data only, BINANCE.md "Market data"). Every request has a timeout; a failed request is
 * retried a bounded number of times with exponential backoff and jitter; 4xx answers other than
 * 429/418 are not retried (they will not get better). A 429/418 reports its Retry-After so the
 * caller can stop asking until then (BINANCE.md "Limits").
 */
import { z } from 'zod';
import type { KlineInterval, KlineRow } from '../../binance/types.js';
import { backoffDelayMs } from '../../backoff.js';
import { isDecimal } from '../../decimal.js';
import { sleep } from '../../sleep.js';

export interface MarketDataClientOptions {
  /** Default 'https://data-api.binance.vision'. */
  baseUrl?: string;
  /** Per attempt. Default 5000. */
  timeoutMs?: number;
  /** Attempts per request (the first one included). Default 3. */
  attempts?: number;
  /** First retry step; doubles each retry, each wait between half and all of its step (src/backoff.ts). Default 500. */
  backoffMs?: number;
}

export interface MarketDataClient {
  /** GET /api/v3/ticker/price for several symbols in one request (weight 4). */
  prices(symbols: string[], signal?: AbortSignal): Promise<Map<string, string>>;
  /** GET /api/v3/klines (weight 2). */
  klines(symbol: string, interval: KlineInterval, query: { limit: number; startTime?: number }, signal?: AbortSignal): Promise<KlineRow[]>;
}

/** Why a request failed for good; `retryAfterMs` is set on 429/418. Messages name the path, never a URL with parameters. */
export class MarketDataError extends Error {
  override readonly name = 'MarketDataError';
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

const decimal = z.string().refine((v) => isDecimal(v), 'not a decimal string');
const tickerPrices = z.array(z.object({ symbol: z.string(), price: decimal }));
const klineRow = z.tuple([z.number().int(), decimal, decimal, decimal, decimal, decimal, z.number().int(), decimal, z.number().int(), decimal, decimal, z.string()]);
const klineRows = z.array(klineRow);

export function createMarketDataClient(options: MarketDataClientOptions = {}): MarketDataClient {
  const baseUrl = (options.baseUrl ?? 'https://data-api.binance.vision').replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? 5000;
  const attempts = Math.max(1, options.attempts ?? 3);
  const backoffMs = options.backoffMs ?? 500;

  async function getJson(path: string, query: URLSearchParams, signal?: AbortSignal): Promise<unknown> {
    let lastError: MarketDataError | undefined;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        if (attempt > 1) await sleep(backoffDelayMs(attempt - 2, { initialMs: backoffMs, maxMs: Infinity }), signal);
        const timeout = AbortSignal.timeout(timeoutMs);
        const response = await fetch(`${baseUrl}${path}?${query.toString()}`, { signal: signal ? AbortSignal.any([signal, timeout]) : timeout });
        const text = await response.text();
        if (response.ok) return JSON.parse(text) as unknown;
        const status = response.status;
        const body = binanceError(text);
        if (status === 429 || status === 418) {
          const retryAfter = Number(response.headers.get('retry-after') ?? '60');
          throw new MarketDataError(`${path} answered ${status}${body}`, status, (Number.isFinite(retryAfter) ? retryAfter : 60) * 1000);
        }
        lastError = new MarketDataError(`${path} answered ${status}${body}`, status);
        if (status < 500) throw lastError;
      } catch (err) {
        if (err instanceof MarketDataError && (err.status === undefined || err.status < 500)) throw err;
        if (signal?.aborted) throw new MarketDataError(`${path} aborted`, undefined);
        if (!(err instanceof MarketDataError)) {
          const reason = err instanceof Error && err.name === 'TimeoutError' ? `timed out after ${timeoutMs} ms` : errorReason(err);
          lastError = new MarketDataError(`${path} failed: ${reason}`, undefined);
        }
      }
    }
    throw new MarketDataError(`${lastError?.message ?? path} (gave up after ${attempts} attempts)`, lastError?.status);
  }

  return {
    async prices(symbols, signal) {
      const json = await getJson('/api/v3/ticker/price', new URLSearchParams({ symbols: JSON.stringify(symbols) }), signal);
      const parsed = tickerPrices.safeParse(json);
      if (!parsed.success) throw new MarketDataError('/api/v3/ticker/price returned an unexpected payload', undefined);
      return new Map(parsed.data.map((t) => [t.symbol, t.price]));
    },
    async klines(symbol, interval, query, signal) {
      const params = new URLSearchParams({ symbol, interval, limit: String(query.limit) });
      if (query.startTime !== undefined) params.set('startTime', String(query.startTime));
      const parsed = klineRows.safeParse(await getJson('/api/v3/klines', params, signal));
      if (!parsed.success) throw new MarketDataError(`/api/v3/klines returned an unexpected payload for ${symbol} ${interval}`, undefined);
      return parsed.data as KlineRow[];
    },
  };
}

/** `: -1121 Invalid symbol.` when the body is a Binance error, else nothing. */
function binanceError(text: string): string {
  try {
    const body = JSON.parse(text) as { code?: unknown; msg?: unknown };
    return typeof body.code === 'number' && typeof body.msg === 'string' ? `: ${body.code} ${body.msg}` : '';
  } catch {
    return '';
  }
}

function errorReason(err: unknown): string {
  const cause = (err as { cause?: { code?: string } }).cause;
  return cause?.code ?? (err instanceof Error ? err.message : String(err));
}
