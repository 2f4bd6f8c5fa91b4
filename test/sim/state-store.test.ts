/**
 * Paper balances, orders and ids survive a restart of the simulator (same data dir), and a
 * restored stop keeps working.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { simRequest, startTestSimulator, type TestSimulator } from '../support/simulator.js';

describe('state across a restart', () => {
  let dataDir: string;
  let sim: TestSimulator | undefined;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'paper-state-'));
  });
  afterEach(async () => {
    await sim?.close();
    sim = undefined;
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('same balances, same open orders, ids continue, and a restored stop still triggers', async () => {
    const first = await startTestSimulator({ dataDir, balances: { USDT: '10000' } });
    const credentials = { apiKey: first.apiKey, apiSecret: first.apiSecret! };
    await simRequest(first, 'POST', '/api/v3/order', { symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: '0.1' });
    await simRequest(first, 'POST', '/api/v3/order', {
      symbol: 'BTCUSDT', side: 'SELL', type: 'STOP_LOSS_LIMIT', timeInForce: 'GTC', quantity: '0.05',
      stopPrice: '65000', price: '64900', newClientOrderId: 'protect-1',
    });
    await simRequest(first, 'POST', '/api/v3/order', {
      symbol: 'ETHUSDT', side: 'BUY', type: 'LIMIT', timeInForce: 'GTC', quantity: '1', price: '3000',
    });
    const balancesBefore = first.control.balances();
    const openBefore = (await simRequest<unknown[]>(first, 'GET', '/api/v3/openOrders')).body;
    await first.close();
    expect(readdirSync(dataDir).filter((f) => f.endsWith('.tmp'))).toEqual([]);

    sim = await startTestSimulator({ dataDir, credentials, balances: { USDT: '1' } });
    expect(sim.control.balances()).toEqual(balancesBefore);
    expect((await simRequest<unknown[]>(sim, 'GET', '/api/v3/openOrders')).body).toEqual(openBefore);
    const account = await simRequest<{ balances: Array<{ asset: string; free: string; locked: string }> }>(sim, 'GET', '/api/v3/account');
    expect(account.body.balances.find((b) => b.asset === 'BTC')).toEqual({ asset: 'BTC', free: '0.04990000', locked: '0.05000000' });

    const next = await simRequest<{ orderId: number; fills: Array<{ tradeId: number }> }>(sim, 'POST', '/api/v3/order', {
      symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: '0.001',
    });
    expect(next.body.orderId).toBe(4);
    expect(next.body.fills[0]!.tradeId).toBe(2);

    sim.feed.setPrice('BTCUSDT', '64000');
    const stop = await simRequest(sim, 'GET', '/api/v3/order', { symbol: 'BTCUSDT', origClientOrderId: 'protect-1' });
    expect(stop.body).toMatchObject({ status: 'FILLED', executedQty: '0.05000000' });
  });

  test('a state file that cannot be read stops the start instead of opening an empty account', async () => {
    writeFileSync(join(dataDir, 'paper-exchange.json'), '{"version":1,"bal');
    await expect(startTestSimulator({ dataDir })).rejects.toThrow(/paper-exchange\.json is not valid JSON/);
  });
});
