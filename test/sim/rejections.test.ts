/**
 * The simulator refuses what Binance refuses, with Binance's HTTP status, code and message
 * (errors.md, rest-api.md): clients match on these, so they are asserted verbatim.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { createSigner } from '../../src/binance/signing.js';
import { simRequest, startTestSimulator, type TestSimulator } from '../support/simulator.js';

const order = (over: Record<string, string> = {}) => ({
  symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', timeInForce: 'GTC', quantity: '0.01', price: '60000', ...over,
});

describe('rejections', () => {
  let sim: TestSimulator;

  beforeAll(async () => {
    sim = await startTestSimulator({ balances: { USDT: '10000', BTC: '1' } });
  });
  beforeEach(() => sim.control.reset());
  afterAll(() => sim.close());

  const expectError = async (res: Promise<{ status: number; body: unknown }>, status: number, code: number, msg: string) => {
    const r = await res;
    expect({ status: r.status, body: r.body }).toEqual({ status, body: { code, msg } });
  };

  test('a signature made with the wrong secret: -1022', async () => {
    const wrong = createSigner({ apiSecret: 'not-the-secret' });
    await expectError(simRequest(sim, 'POST', '/api/v3/order', order(), { signer: wrong }),
      400, -1022, 'Signature for this request is not valid.');
    expect(sim.control.orders()).toEqual([]);
  });

  test('a signature over different bytes than sent (a parameter changed after signing): -1022', async () => {
    const res = await simRequest(sim, 'GET', '/api/v3/account', {}, { timestamp: Date.now() });
    expect(res.status).toBe(200);
    // Sign one payload, send another: the signature covers exactly the received bytes.
    const ts = Date.now();
    const signature = sim.signer.sign(`timestamp=${ts}`);
    const tampered = await fetch(`${sim.restUrl}/api/v3/account?timestamp=${ts}&recvWindow=5000&signature=${signature}`, {
      headers: { 'X-MBX-APIKEY': sim.apiKey },
    });
    expect(tampered.status).toBe(400);
    expect(await tampered.json()).toEqual({ code: -1022, msg: 'Signature for this request is not valid.' });
  });

  test('an expired timestamp: -1021 outside the recvWindow', async () => {
    await expectError(simRequest(sim, 'POST', '/api/v3/order', order(), { timestamp: Date.now() - 6000 }),
      400, -1021, 'Timestamp for this request is outside of the recvWindow.');
    expect(sim.control.orders()).toEqual([]);
  });

  test('a timestamp a second ahead of the server: -1021', async () => {
    await expectError(simRequest(sim, 'GET', '/api/v3/account', {}, { timestamp: Date.now() + 1500 }),
      400, -1021, "Timestamp for this request was 1000ms ahead of the server's time.");
  });

  test('recvWindow widens the window', async () => {
    const res = await simRequest(sim, 'GET', '/api/v3/account', { recvWindow: 20000 }, { timestamp: Date.now() - 10_000 });
    expect(res.status).toBe(200);
  });

  test('no API key header: -2014; an unknown key: -2015', async () => {
    await expectError(simRequest(sim, 'GET', '/api/v3/account', {}, { apiKey: null }), 401, -2014, 'API-key format invalid.');
    await expectError(simRequest(sim, 'GET', '/api/v3/account', {}, { apiKey: 'a'.repeat(64) }),
      401, -2015, 'Invalid API-key, IP, or permissions for action.');
  });

  test('an off-tick price: -1013 PRICE_FILTER', async () => {
    await expectError(simRequest(sim, 'POST', '/api/v3/order', order({ price: '60000.005' })), 400, -1013, 'Filter failure: PRICE_FILTER');
  });

  test('a quantity below the LOT_SIZE minimum: -1013 LOT_SIZE', async () => {
    await expectError(simRequest(sim, 'POST', '/api/v3/order', order({ quantity: '0.000001' })), 400, -1013, 'Filter failure: LOT_SIZE');
  });

  test('a notional below the minimum: -1013 NOTIONAL', async () => {
    await expectError(simRequest(sim, 'POST', '/api/v3/order', order({ quantity: '0.00001' })), 400, -1013, 'Filter failure: NOTIONAL');
  });

  test('more decimals than the asset allows: -1111', async () => {
    await expectError(simRequest(sim, 'POST', '/api/v3/order', order({ quantity: '0.000000001' })),
      400, -1111, "Parameter 'quantity' has too much precision.");
  });

  test('a client order id already used by an OPEN order: -2010 Duplicate order sent.', async () => {
    const first = await simRequest(sim, 'POST', '/api/v3/order', order({ newClientOrderId: 'my-stop-1' }));
    expect(first.status).toBe(200);
    await expectError(simRequest(sim, 'POST', '/api/v3/order', order({ newClientOrderId: 'my-stop-1' })),
      400, -2010, 'Duplicate order sent.');
  });

  test('a filled order frees its client order id, and the lookup finds the newest', async () => {
    const market = { symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: '0.001', newClientOrderId: 'again' };
    const a = await simRequest<{ orderId: number }>(sim, 'POST', '/api/v3/order', market);
    const b = await simRequest<{ orderId: number }>(sim, 'POST', '/api/v3/order', market);
    expect([a.status, b.status]).toEqual([200, 200]);
    const found = await simRequest<{ orderId: number }>(sim, 'GET', '/api/v3/order', { symbol: 'BTCUSDT', origClientOrderId: 'again' });
    expect(found.body.orderId).toBe(b.body.orderId);
  });

  test('a SELL stop at or above the market: -2010 Order would trigger immediately.', async () => {
    const stop = order({ side: 'SELL', type: 'STOP_LOSS_LIMIT', price: '69500', stopPrice: '69600' });
    await expectError(simRequest(sim, 'POST', '/api/v3/order', stop), 400, -2010, 'Order would trigger immediately.');
    const atMarket = order({ side: 'SELL', type: 'STOP_LOSS_LIMIT', price: '69000', stopPrice: '69010.01' });
    await expectError(simRequest(sim, 'POST', '/api/v3/order', atMarket), 400, -2010, 'Order would trigger immediately.');
  });

  test('a BUY stop at or below the market: -2010 Order would trigger immediately.', async () => {
    const stop = order({ type: 'STOP_LOSS_LIMIT', price: '69000', stopPrice: '68000' });
    await expectError(simRequest(sim, 'POST', '/api/v3/order', stop), 400, -2010, 'Order would trigger immediately.');
  });

  test('more than the free balance: -2010 insufficient balance', async () => {
    await expectError(simRequest(sim, 'POST', '/api/v3/order', order({ quantity: '1' })),
      400, -2010, 'Account has insufficient balance for requested action.');
  });

  test('a market STOP_LOSS on a symbol that does not list it: -2010', async () => {
    const stop = { symbol: 'BTCUSDT', side: 'SELL', type: 'STOP_LOSS', quantity: '0.01', stopPrice: '60000' };
    await expectError(simRequest(sim, 'POST', '/api/v3/order', stop), 400, -2010, 'Stop loss orders are not supported for this symbol.');
  });

  test('parameter errors: -1102, -1106, -1100, -1121, -1117', async () => {
    await expectError(simRequest(sim, 'POST', '/api/v3/order', order({ price: '' })),
      400, -1102, "Mandatory parameter 'price' was not sent, was empty/null, or malformed.");
    await expectError(simRequest(sim, 'POST', '/api/v3/order', { symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: '0.01', price: '1' }),
      400, -1106, "Parameter 'price' sent when not required.");
    await expectError(simRequest(sim, 'POST', '/api/v3/order', order({ quantity: '1e-3' })),
      400, -1100, "Illegal characters found in parameter 'quantity'; legal range is '^([0-9]{1,20})(\\.[0-9]{1,20})?$'.");
    await expectError(simRequest(sim, 'POST', '/api/v3/order', order({ newClientOrderId: 'has space' })),
      400, -1100, "Illegal characters found in parameter 'newClientOrderId'; legal range is '^[a-zA-Z0-9-_]{1,36}$'.");
    await expectError(simRequest(sim, 'POST', '/api/v3/order', order({ symbol: 'NOPEUSDT' })), 400, -1121, 'Invalid symbol.');
    await expectError(simRequest(sim, 'GET', '/api/v3/exchangeInfo', { symbol: 'NOPEUSDT' }), 400, -1121, 'Invalid symbol.');
    await expectError(simRequest(sim, 'POST', '/api/v3/order', order({ side: 'HOLD' })), 400, -1117, 'Invalid side.');
  });

  test('unknown orders: -2013 on query, -2011 on cancel', async () => {
    await expectError(simRequest(sim, 'GET', '/api/v3/order', { symbol: 'BTCUSDT', orderId: 4242 }), 400, -2013, 'Order does not exist.');
    await expectError(simRequest(sim, 'DELETE', '/api/v3/order', { symbol: 'BTCUSDT', origClientOrderId: 'ghost' }),
      400, -2011, 'Unknown order sent.');
    await expectError(simRequest(sim, 'DELETE', '/api/v3/order', { symbol: 'BTCUSDT' }),
      400, -1102, "Param 'origClientOrderId' or 'orderId' must be sent, but both were empty/null!");
  });

  test('cancelling an order that already filled: -2011', async () => {
    const filled = await simRequest<{ orderId: number }>(sim, 'POST', '/api/v3/order', { symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: '0.001' });
    await expectError(simRequest(sim, 'DELETE', '/api/v3/order', { symbol: 'BTCUSDT', orderId: filled.body.orderId }),
      400, -2011, 'Unknown order sent.');
  });
});
