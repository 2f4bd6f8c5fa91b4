/**
 * Each trader's share of the request weight (src/bot/request-budget.ts) and the display views'
 * 2 s cache (src/bot/view-cache.ts), on a hand-moved clock. End to end through the bot, the
 * simulator and Redis: test/chaos/weight-budget.test.ts.
 */
import { describe, expect, it } from 'vitest';
import type { Account, Order } from '../../src/binance/types.js';
import type { ExchangeClient } from '../../src/binance/exchange-client.js';
import { ExchangeError, isAppError } from '../../src/errors.js';
import { createRequestBudget, meteredExchange, weightLimitOf } from '../../src/bot/request-budget.js';
import { createViewCache } from '../../src/bot/view-cache.js';
import { createTickerCache } from '../../src/market/ticker-cache.js';

const ACCOUNT = { balances: [] } as unknown as Account;

function fakeExchange(overrides: Partial<ExchangeClient> = {}) {
  const calls: string[] = [];
  const exchange = {
    account: async () => (calls.push('account'), ACCOUNT),
    openOrders: async (symbol?: string) => (calls.push(`openOrders:${symbol ?? '*'}`), [] as Order[]),
    ...overrides,
  } as unknown as ExchangeClient;
  return { exchange, calls };
}

describe('request budget', () => {
  it('gives each trader 70 % of the limit divided by the traders: 2100 a minute each for two at 6000', () => {
    const budget = createRequestBudget({ weightLimit: () => 6_000, traders: 2, now: () => 0 });
    expect(budget.state(1)).toEqual({ tokens: 2_100, capacity: 2_100, refillPerSecond: 35 });
    expect(weightLimitOf([{ rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: 1_200 }], 6_000)).toBe(1_200);
    expect(weightLimitOf([], 6_000)).toBe(6_000);
  });

  it('refuses an update whose trader is in debt before anything is sent, says when to come back, and refills', async () => {
    let clock = 0;
    const budget = createRequestBudget({ weightLimit: () => 1_200, traders: 2, now: () => clock }); // 420 each, 7/s
    const { exchange, calls } = fakeExchange();
    const views = meteredExchange(exchange, budget);

    for (let i = 0; i < 6; i++) await budget.run(1, () => views.openOrders()); // 6 × 80 = 480: the sixth overdraws
    expect(budget.state(1).tokens).toBe(-60);
    const refused = await budget.run(1, () => views.openOrders()).catch((error: unknown) => error);
    expect(isAppError(refused) && refused.code).toBe('BOT_SLOW_DOWN');
    expect(isAppError(refused) && refused.userMessage).toBe('You are going too fast: try again in 9 s.');
    expect(calls).toHaveLength(6);

    // The other trader is not touched.
    await budget.run(2, () => views.account());
    expect(calls).toHaveLength(7);

    clock += 9_000;
    await budget.run(1, () => views.openOrders('BTCUSDT'));
    expect(calls.at(-1)).toBe('openOrders:BTCUSDT');
    expect(budget.state(1).tokens).toBeCloseTo(-3, 5);
  });

  it('never cuts an admitted update in half, and charges nothing outside an update', async () => {
    const budget = createRequestBudget({ weightLimit: () => 1_200, traders: 2, now: () => 0 });
    const { exchange, calls } = fakeExchange();
    const views = meteredExchange(exchange, budget);
    await budget.run(1, async () => {
      for (let i = 0; i < 7; i++) await views.openOrders();
    });
    expect(calls).toHaveLength(7);
    expect(budget.state(1).tokens).toBe(420 - 560);
    await views.account();
    expect(budget.state(1).tokens).toBe(420 - 560);
  });

  it("leaves one trader's refusal out of the fetches the caches share with the others", async () => {
    const budget = createRequestBudget({ weightLimit: () => 1_200, traders: 2, now: () => 0 });
    const { exchange, calls } = fakeExchange({
      ticker24hAll: async () => (calls.push('ticker24hAll'), []),
    });
    const views = meteredExchange(exchange, budget);
    const cache = createViewCache({ exchange: views, now: () => 0 });
    const tickers = createTickerCache({ exchange: views, now: () => 0 });
    await budget.run(1, async () => {
      for (let i = 0; i < 6; i++) await views.openOrders();
    });
    calls.length = 0;
    expect(budget.state(1).tokens).toBeLessThan(0);

    await expect(budget.run(1, () => cache.openOrders())).rejects.toMatchObject({ code: 'BOT_SLOW_DOWN' });
    await expect(budget.run(1, () => tickers.get())).rejects.toMatchObject({ code: 'BOT_SLOW_DOWN' });
    expect(calls.filter((c) => c === 'openOrders:*' || c === 'ticker24hAll')).toEqual([]);

    await expect(budget.run(2, () => cache.openOrders())).resolves.toEqual([]);
    await expect(budget.run(2, () => tickers.get())).resolves.toMatchObject({ stale: false });
    expect(calls.filter((c) => c === 'openOrders:*' || c === 'ticker24hAll')).toEqual(['openOrders:*', 'ticker24hAll']);
    expect(budget.state(2).tokens).toBe(420 - 80 - 80);
  });

  it('gives back the weight of a read the transport refused before sending it', async () => {
    const budget = createRequestBudget({ weightLimit: () => 1_200, traders: 2, now: () => 0 });
    const busy = new ExchangeError('EXCHANGE_BUSY', { kind: 'rate-limited', method: 'GET', path: '/api/v3/account', retryAfterMs: 5_000 });
    const { exchange } = fakeExchange({ account: () => Promise.reject(busy) });
    await expect(budget.run(1, () => meteredExchange(exchange, budget).account())).rejects.toBe(busy);
    expect(budget.state(1).tokens).toBe(420);
  });
});

describe('view cache', () => {
  it('answers a burst with one request, asks again after 2 s or after a write, and does not remember a failure', async () => {
    let clock = 0;
    let fail = false;
    const { exchange, calls } = fakeExchange({
      account: async () => {
        calls.push('account');
        if (fail) throw new Error('down');
        return ACCOUNT;
      },
    });
    const cache = createViewCache({ exchange, now: () => clock });

    await Promise.all(Array.from({ length: 68 }, () => cache.openOrders()));
    await cache.openOrders();
    expect(calls).toEqual(['openOrders:*']);
    await cache.openOrders('BTCUSDT');
    expect(calls).toEqual(['openOrders:*', 'openOrders:BTCUSDT']);

    clock += 2_000;
    await cache.openOrders();
    expect(calls.filter((c) => c === 'openOrders:*')).toHaveLength(2);

    // An order or a cancel from this process: nothing read before it is shown again.
    let forget: () => void = () => undefined;
    const watched = createViewCache({ exchange, now: () => clock, forgetOn: (listener) => (forget = listener) });
    await watched.openOrders('ETHUSDT');
    forget();
    await watched.openOrders('ETHUSDT');
    expect(calls.filter((c) => c === 'openOrders:ETHUSDT')).toHaveLength(2);

    fail = true;
    await expect(cache.account()).rejects.toThrow('down');
    fail = false;
    await expect(cache.account()).resolves.toBe(ACCOUNT);
    expect(calls.filter((c) => c === 'account')).toHaveLength(2);
  });
});
