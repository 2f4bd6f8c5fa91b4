import { afterEach, describe, expect, it } from 'vitest';
import { createExchangeInfoCache, type ExchangeInfoCache, type ExchangeInfoCacheDeps } from '../../src/binance/exchange-info-cache.js';
import { parseExchangeInfo } from '../../src/binance/exchange-info.js';
import type { ExchangeInfo } from '../../src/binance/types.js';
import { AppError, ExchangeError } from '../../src/errors.js';
import { createLogger } from '../../src/logger.js';
import { EXCHANGE_INFO_FIXTURES, fixture } from '../support/fixtures.js';
import { startHarness } from './rest-client-harness.js';

const MIN = 60_000;
const V2024 = () => parseExchangeInfo(fixture(EXCHANGE_INFO_FIXTURES.testnet2024));
const V2023 = () => parseExchangeInfo(fixture(EXCHANGE_INFO_FIXTURES.mainnet2023SymbolsOnly));

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}
function deferred<T>(): Deferred<T> {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A loader the test answers by hand, a clock it moves by hand, and the log lines. */
function rig(options: Partial<ExchangeInfoCacheDeps> = {}) {
  let clock = 1_000_000;
  const loads: Deferred<ExchangeInfo>[] = [];
  const lines: { level: number; msg: string; ageMs?: number }[] = [];
  const logger = createLogger({ level: 'debug', destination: { write: (l: string) => void lines.push(JSON.parse(l)) } });
  const cache = createExchangeInfoCache({
    load: () => {
      const d = deferred<ExchangeInfo>();
      loads.push(d);
      return d.promise;
    },
    ttlMs: 10 * MIN,
    maxStaleMs: 60 * MIN,
    refreshAheadMs: 2 * MIN,
    retryDelayMs: 15_000,
    logger,
    now: () => clock,
    ...options,
  });
  caches.push(cache);
  return {
    cache,
    loads,
    lines,
    warnings: () => lines.filter((l) => l.level === 40),
    advance: (ms: number) => void (clock += ms),
    /** Answers the newest pending load. */
    answer: async (value: ExchangeInfo | Error) => {
      const d = loads.at(-1)!;
      if (value instanceof Error) d.reject(value);
      else d.resolve(value);
      await flush();
    },
  };
}

const caches: ExchangeInfoCache[] = [];
afterEach(() => {
  for (const c of caches.splice(0)) c.close();
});
const flush = () => new Promise((r) => setImmediate(r));

/** The rejection of a promise (handled from the start, so the test's own answer() cannot leave it unhandled). */
const caught = (p: Promise<unknown>): Promise<unknown> => p.then(() => new Error('expected a rejection'), (e: unknown) => e);

/** Whether a promise has settled yet, without waiting for it. */
async function settled(p: Promise<unknown>): Promise<boolean> {
  let done = false;
  p.then(
    () => (done = true),
    () => (done = true),
  );
  await flush();
  return done;
}

describe('exchangeInfo cache', () => {
  it('100 concurrent get() calls make one request to the exchange (real REST client over loopback)', async () => {
    const h = await startHarness();
    try {
      h.stub.route('GET /api/v3/exchangeInfo', { body: fixture(EXCHANGE_INFO_FIXTURES.testnet2024), delayMs: 50 });
      const cache = createExchangeInfoCache({ load: () => h.client.exchangeInfo(), logger: h.logger });
      caches.push(cache);
      const results = await Promise.all(Array.from({ length: 100 }, () => cache.get()));
      expect(h.stub.requestsTo('GET /api/v3/exchangeInfo')).toHaveLength(1);
      expect(new Set(results).size).toBe(1);
      expect(results[0]!.symbols).toHaveLength(1248);
      // And then it is served from memory.
      await Promise.all(Array.from({ length: 100 }, (_, i) => (i % 2 ? cache.get() : cache.symbol('BTCUSDT'))));
      expect(h.stub.requestsTo('GET /api/v3/exchangeInfo')).toHaveLength(1);
    } finally {
      await h.close();
    }
  });

  it('finds a symbol through the index built at load, in any case', async () => {
    const r = rig();
    const pending = r.cache.symbol('btcusdt');
    await r.answer(V2024());
    expect((await pending)?.symbol).toBe('BTCUSDT');
    expect(await r.cache.symbol('ETHBTC')).toBe((await r.cache.get()).symbols.find((s) => s.symbol === 'ETHBTC'));
    expect(await r.cache.symbol('NOPEUSDT')).toBeUndefined();
    expect(r.loads).toHaveLength(1);
  });

  it('serves the value without reloading while fresh, and exposes its rate limits', async () => {
    const r = rig();
    expect(r.cache.rateLimits()).toEqual([]);
    const first = r.cache.get();
    await r.answer(V2024());
    const info = await first;
    r.advance(8 * MIN - 1);
    expect(await r.cache.get()).toBe(info);
    expect(r.loads).toHaveLength(1);
    expect(r.cache.rateLimits()).toContainEqual({ rateLimitType: 'ORDERS', interval: 'SECOND', intervalNum: 10, limit: 50 });
  });

  it('refreshes in the background before expiry: callers get the current value at once, one reload for all', async () => {
    const r = rig();
    const first = r.cache.get();
    await r.answer(V2024());
    const old = await first;
    r.advance(8 * MIN + 1); // inside the refresh-ahead window
    const during = await Promise.all(Array.from({ length: 20 }, () => r.cache.get()));
    expect(during.every((v) => v === old)).toBe(true);
    expect(r.loads).toHaveLength(2); // the background reload, started once
    await r.answer(V2023());
    const fresh = await r.cache.get();
    expect(fresh).not.toBe(old);
    expect(fresh.symbols).toHaveLength(1289);
    expect(await r.cache.symbol('LUNCBUSD')).toBeDefined(); // the index was rebuilt with the load
    expect(r.loads).toHaveLength(2);
  });

  it('after expiry a caller waits for the reload rather than act on expired rules', async () => {
    const r = rig();
    const first = r.cache.get();
    await r.answer(V2024());
    await first;
    r.advance(10 * MIN + 1);
    const waiting = r.cache.get();
    expect(await settled(waiting)).toBe(false);
    await r.answer(V2023());
    expect((await waiting).symbols).toHaveLength(1289);
  });

  it('a failed reload serves the stale copy with a warning, backs off, and stops at maxStaleMs', async () => {
    const r = rig();
    const first = r.cache.get();
    await r.answer(V2024());
    const old = await first;
    r.advance(11 * MIN);
    const stale = r.cache.get();
    await r.answer(new Error('connect ECONNREFUSED'));
    expect(await stale).toBe(old);
    expect(r.warnings().map((l) => l.msg)).toEqual(['exchangeInfo reload failed; serving the previous copy']);
    expect(r.warnings()[0]?.ageMs).toBe(11 * MIN);

    // Within the retry delay: no new request, still the stale copy.
    r.advance(10_000);
    expect(await r.cache.get()).toBe(old);
    expect(r.loads).toHaveLength(2);

    // After it: one new attempt.
    r.advance(10_000);
    const again = r.cache.get();
    expect(r.loads).toHaveLength(3);
    await r.answer(new Error('still down'));
    expect(await again).toBe(old);

    // Past maxStaleMs the failure surfaces: rules an hour old are not used for orders.
    r.advance(50 * MIN);
    const tooOld = caught(r.cache.get());
    await r.answer(new Error('down for good'));
    const error = await tooOld;
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('EXCHANGE_UNAVAILABLE');
  });

  it('passes a typed exchange error through once the copy is too old', async () => {
    const r = rig({ maxStaleMs: 10 * MIN });
    const first = r.cache.get();
    await r.answer(V2024());
    await first;
    r.advance(10 * MIN + 1);
    const failing = caught(r.cache.get());
    const banned = new ExchangeError('EXCHANGE_IP_BANNED', { kind: 'rate-limited', method: 'GET', path: '/api/v3/exchangeInfo', httpStatus: 418 });
    await r.answer(banned);
    expect(await failing).toBe(banned);
  });

  it('a failed background refresh is logged and the current copy kept', async () => {
    const r = rig();
    const first = r.cache.get();
    await r.answer(V2024());
    const old = await first;
    r.advance(9 * MIN);
    expect(await r.cache.get()).toBe(old);
    await r.answer(new Error('timeout'));
    expect(r.warnings().map((l) => l.msg)).toEqual(['background exchangeInfo refresh failed; keeping the current copy']);
    expect(await r.cache.get()).toBe(old);
    expect(r.loads).toHaveLength(2); // no retry storm inside the retry delay
  });

  it('a failed first load rejects every waiting caller; the next call tries again', async () => {
    const r = rig();
    const callers = Array.from({ length: 5 }, () => caught(r.cache.get()));
    await r.answer(new Error('boom'));
    for (const c of callers) expect(await c).toMatchObject({ message: 'boom' });
    const retry = r.cache.get();
    expect(r.loads).toHaveLength(2);
    await r.answer(V2024());
    expect((await retry).symbols).toHaveLength(1248);
  });

  it('refresh() reloads now, and rejects without losing the current copy', async () => {
    const r = rig();
    const first = r.cache.get();
    await r.answer(V2024());
    const old = await first;
    const forced = caught(r.cache.refresh());
    await r.answer(new Error('nope'));
    expect(await forced).toMatchObject({ message: 'nope' });
    expect(await r.cache.get()).toBe(old);
    const ok = r.cache.refresh();
    await r.answer(V2023());
    await ok;
    expect((await r.cache.get()).symbols).toHaveLength(1289);
  });

  it('close() refuses further calls', async () => {
    const r = rig();
    r.cache.close();
    await expect(r.cache.get()).rejects.toThrow(/closed/);
    expect(r.loads).toHaveLength(0);
  });
});
