/**
 * The served exchangeInfo is the real captured rules brought to 2026 (scripts/update-exchange-info-2026.ts,
 * binance-spot-api-docs CHANGELOG.md): the newer symbol flags, STP modes and filters, and the current
 * rate limits, with the captured filter values kept.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ExchangeInfo } from '../../src/binance/types.js';
import { simRequest, startTestSimulator, type TestSimulator } from '../support/simulator.js';

describe('exchangeInfo as Binance serves it in 2026', () => {
  let sim: TestSimulator;
  beforeAll(async () => {
    sim = await startTestSimulator();
  });
  afterAll(() => sim.close());

  test('symbol flags, STP modes, filters and rate limits', async () => {
    const info = (await simRequest<ExchangeInfo>(sim, 'GET', '/api/v3/exchangeInfo', { symbol: 'BTCUSDT' })).body;
    expect(info.rateLimits).toEqual([
      { rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: 6000 },
      { rateLimitType: 'ORDERS', interval: 'SECOND', intervalNum: 10, limit: 50 },
      { rateLimitType: 'ORDERS', interval: 'DAY', intervalNum: 1, limit: 160000 },
      { rateLimitType: 'RAW_REQUESTS', interval: 'MINUTE', intervalNum: 5, limit: 300000 },
    ]);
    const btc = info.symbols[0] as unknown as Record<string, unknown> & { filters: Array<Record<string, unknown>> };
    expect(btc).toMatchObject({
      symbol: 'BTCUSDT', ocoAllowed: true, otoAllowed: true, opoAllowed: true, amendAllowed: true, pegInstructionsAllowed: true,
      defaultSelfTradePreventionMode: 'EXPIRE_MAKER',
      allowedSelfTradePreventionModes: ['NONE', 'EXPIRE_TAKER', 'EXPIRE_MAKER', 'EXPIRE_BOTH', 'DECREMENT', 'TRANSFER'],
    });
    // The order of keys as rest-api.md's example shows them.
    const keys = Object.keys(btc);
    expect(keys.indexOf('opoAllowed')).toBe(keys.indexOf('otoAllowed') + 1);
    expect(keys.slice(keys.indexOf('cancelReplaceAllowed'), keys.indexOf('cancelReplaceAllowed') + 3)).toEqual(['cancelReplaceAllowed', 'amendAllowed', 'pegInstructionsAllowed']);
    // Captured values kept; the new filters added.
    expect(btc.filters).toContainEqual({ filterType: 'PRICE_FILTER', minPrice: '0.01000000', maxPrice: '1000000.00000000', tickSize: '0.01000000' });
    expect(btc.filters).toContainEqual({ filterType: 'ICEBERG_PARTS', limit: 100 });
    expect(btc.filters).toContainEqual({ filterType: 'MAX_NUM_ORDER_LISTS', maxNumOrderLists: 20 });
    expect(btc.filters).toContainEqual({ filterType: 'MAX_NUM_ORDER_AMENDS', maxNumOrderAmends: 10 });
  });
});
