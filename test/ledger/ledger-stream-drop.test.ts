/**
 * Fills from two sources, each counted once: the user data stream as it happens, and myTrades
 * after every reconnect. The stream is dropped again and again while orders fill on three symbols
 * (two quotes), so some fills arrive only by the stream, some only by the sync after a reconnect,
 * and many by both; at the end the ledger holds each of the exchange's fills exactly once and
 * agrees with a clean rebuild from myTrades to the last decimal.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NewOrderParams } from '../../src/binance/types.js';
import { eventually, startApp, type AppHarness } from '../support/app-harness.js';
import { exchangeTradeKeys, expectLedgerExact } from './ledger-support.js';

const SYMBOLS = ['BTCUSDT', 'ETHUSDT', 'ETHBTC'];
const ORDERS: NewOrderParams[] = [
  { symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: '0.02' },
  { symbol: 'ETHBTC', side: 'BUY', type: 'MARKET', quantity: '0.5' },
  { symbol: 'ETHUSDT', side: 'SELL', type: 'MARKET', quantity: '0.2' },
  { symbol: 'BTCUSDT', side: 'SELL', type: 'MARKET', quantity: '0.01' },
  { symbol: 'ETHBTC', side: 'SELL', type: 'MARKET', quantity: '0.3' },
  { symbol: 'ETHUSDT', side: 'BUY', type: 'MARKET', quantity: '0.1' },
];

describe('ledger: a stream dropped during fills', () => {
  let app: AppHarness;
  beforeAll(async () => {
    app = await startApp({
      userStream: true,
      ledger: true,
      sim: { balances: { USDT: '50000', BTC: '0.1', ETH: '1' }, prices: { BTCUSDT: '60000', ETHUSDT: '3000', ETHBTC: '0.05' } },
    });
    for (const symbol of SYMBOLS) app.sim.feed.setPrice(symbol, app.sim.feed.price(symbol)!);
  }, 60_000);
  afterAll(() => app?.close());

  it('every fill once, and the P&L of a clean rebuild', async () => {
    const rounds = 5;
    for (let round = 0; round < rounds; round++) {
      for (const [i, order] of ORDERS.entries()) {
        await app.exchange.newOrder(order);
        if (i % 2 === round % 2) app.sim.control.faults.dropUserStreams();
      }
    }
    const expected = (await exchangeTradeKeys(app.exchange, SYMBOLS)).length;
    expect(expected).toBeGreaterThanOrEqual(rounds * ORDERS.length);
    await eventually(async () => ((await app.ledger!.store.count()) === expected ? true : undefined), `${expected} fills in the ledger`, 30_000);
    await app.ledger!.idle();
    expect(app.userStream!.status().stream!.reconnects).toBeGreaterThanOrEqual(1);
    // The deposits (0.1 BTC, 1 ETH) have no known entry: sells beyond what was bought say so.
    const summary = await app.ledger!.reader.realized(0, Number.MAX_SAFE_INTEGER);
    expect(summary.trades).toBe(expected);
    await expectLedgerExact({
      ledger: app.ledger!.reader,
      members: () => app.ledger!.store.members(),
      redis: app.redis,
      exchange: app.exchange,
      symbols: app.exchangeInfo,
      tradedSymbols: SYMBOLS,
    });
  });
});
