/**
 * The REST client's endpoints against a stub Binance on loopback: parameters as sent, signatures
 * verified by the server, responses validated at the edge, Binance errors mapped to our codes.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isAppError } from '../../src/errors.js';
import { EXCHANGE_INFO_FIXTURES, KLINE_FIXTURES, TICKER_FIXTURE, fixture } from '../support/fixtures.js';
import { API_KEY, DOC_CANCELLED_ORDER, DOC_ORDER_FULL, failureOf, startHarness, type Harness } from './rest-client-harness.js';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

describe('signed requests', () => {
  it('syncs the clock first, then sends a query the server verifies, with the key header', async () => {
    h.stub.route('GET /api/v3/account', { body: { makerCommission: 10, takerCommission: 10, canTrade: true, canWithdraw: true, canDeposit: true, updateTime: 1, accountType: 'SPOT', balances: [{ asset: 'BTC', free: '0.5', locked: '0.00000000' }], permissions: ['SPOT'] } });
    const account = await h.client.account();
    expect(account.balances).toEqual([{ asset: 'BTC', free: '0.5', locked: '0.00000000' }]);

    const [first, second] = h.stub.requests;
    expect(`${first!.method} ${first!.path}`).toBe('GET /api/v3/time');
    expect(second!.signatureValid).toBe(true);
    expect(second!.headers['x-mbx-apikey']).toBe(API_KEY);
    expect(second!.rawQuery).toMatch(/^omitZeroBalances=true&recvWindow=5000&timestamp=\d+&signature=[0-9a-f]{64}$/);
    expect(first!.headers['x-mbx-apikey']).toBeUndefined();
  });

  it('places an order with its parameters in order, FULL by default, and reads the fills', async () => {
    h.stub.route('POST /api/v3/order', { body: DOC_ORDER_FULL });
    const order = await h.client.newOrder({ symbol: 'BTCUSDT', side: 'SELL', type: 'MARKET', quantity: '10', newClientOrderId: 'intent-42' });
    expect(order.status).toBe('FILLED');
    expect(order.fills).toHaveLength(5);
    const sent = h.stub.requestsTo('POST /api/v3/order')[0]!;
    expect(sent.signatureValid).toBe(true);
    expect(sent.body).toBe('');
    expect(sent.rawQuery).toMatch(
      /^symbol=BTCUSDT&side=SELL&type=MARKET&quantity=10&newClientOrderId=intent-42&newOrderRespType=FULL&recvWindow=5000&timestamp=\d+&signature=/,
    );
  });

  it('signs the percent-encoded form of a non-ASCII symbol, as sent', async () => {
    h.stub.route('POST /api/v3/order/test', { body: {} });
    await h.client.testOrder({ symbol: '１２３４５６', side: 'BUY', type: 'LIMIT', timeInForce: 'GTC', quantity: '1', price: '0.1' });
    const sent = h.stub.requestsTo('POST /api/v3/order/test')[0]!;
    expect(sent.rawQuery.startsWith('symbol=%EF%BC%91%EF%BC%92%EF%BC%93%EF%BC%94%EF%BC%95%EF%BC%96&side=BUY')).toBe(true);
    expect(sent.signatureValid).toBe(true);
  });

  it('refuses an exponent or a bad client id before anything is sent', async () => {
    const bad = await failureOf(h.client.newOrder({ symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: '1e-7' }));
    expect(isAppError(bad) && bad.code).toBe('ORDER_INVALID_INPUT');
    const badId = await failureOf(h.client.newOrder({ symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: '1', newClientOrderId: 'no spaces!' }));
    expect(isAppError(badId) && badId.code).toBe('ORDER_INVALID_INPUT');
    expect(h.stub.requestsTo('POST /api/v3/order')).toHaveLength(0);
  });

  it('queries, cancels and lists orders', async () => {
    const open = { ...DOC_CANCELLED_ORDER, status: 'NEW', executedQty: '0.00000000', time: 1, updateTime: 1, isWorking: true };
    h.stub.route('GET /api/v3/order', { body: open });
    h.stub.route('DELETE /api/v3/order', { body: DOC_CANCELLED_ORDER });
    h.stub.route('GET /api/v3/openOrders', { body: [open] });
    h.stub.route('GET /api/v3/allOrders', { body: [open, DOC_CANCELLED_ORDER] });
    h.stub.route('DELETE /api/v3/openOrders', {
      body: [
        DOC_CANCELLED_ORDER,
        { orderListId: 1929, contingencyType: 'OCO', listStatusType: 'ALL_DONE', listOrderStatus: 'ALL_DONE', symbol: 'LTCBTC', orders: [], orderReports: [{ ...DOC_CANCELLED_ORDER, orderId: 29 }, { ...DOC_CANCELLED_ORDER, orderId: 30 }] },
      ],
    });

    expect((await h.client.getOrder({ symbol: 'LTCBTC', origClientOrderId: 'myOrder1' })).status).toBe('NEW');
    expect((await h.client.getOrder({ symbol: 'LTCBTC', orderId: 28 })).orderId).toBe(28);
    expect((await h.client.cancelOrder({ symbol: 'LTCBTC', orderId: 28, newClientOrderId: 'cancel-1' })).status).toBe('CANCELED');
    expect(await h.client.openOrders('LTCBTC')).toHaveLength(1);
    expect(await h.client.allOrders('LTCBTC', { limit: 10 })).toHaveLength(2);
    expect((await h.client.cancelOpenOrders('LTCBTC')).map((o) => o.orderId)).toEqual([28, 29, 30]);

    const queries = h.stub.requests.filter((r) => r.path !== '/api/v3/time').map((r) => `${r.method} ${r.rawQuery.replace(/&recvWindow.*$/, '')}`);
    expect(queries).toEqual([
      'GET symbol=LTCBTC&origClientOrderId=myOrder1',
      'GET symbol=LTCBTC&orderId=28',
      'DELETE symbol=LTCBTC&orderId=28&newClientOrderId=cancel-1',
      'GET symbol=LTCBTC',
      'GET symbol=LTCBTC&limit=10',
      'DELETE symbol=LTCBTC',
    ]);
    expect(h.stub.requests.every((r) => r.path === '/api/v3/time' || r.signatureValid)).toBe(true);
  });
});

describe('market data (real captured payloads)', () => {
  it('decodes klines rows and reads the all-symbols ticker and exchangeInfo', async () => {
    const rows = fixture<unknown[]>(KLINE_FIXTURES.raw5m);
    h.stub.route('GET /api/v3/klines', { body: rows });
    h.stub.route('GET /api/v3/ticker/24hr', { body: fixture(TICKER_FIXTURE) });
    h.stub.route('GET /api/v3/exchangeInfo', { body: fixture(EXCHANGE_INFO_FIXTURES.testnet2024) });

    const klines = await h.client.klines('BTCUSDT', '5m', { limit: 1000 });
    expect(klines).toHaveLength(rows.length);
    const [row] = rows as [[number, string, string, string, string, string, number, string, number]];
    expect(klines[0]).toEqual({ openTime: row[0], open: row[1], high: row[2], low: row[3], close: row[4], volume: row[5], closeTime: row[6], quoteVolume: row[7], trades: row[8] });
    expect(await h.client.ticker24hAll()).toHaveLength(2519);
    const info = await h.client.exchangeInfo({ symbols: ['BTCUSDT', 'ETHUSDT'] });
    expect(info.symbols.length).toBeGreaterThan(0);

    expect(h.stub.requestsTo('GET /api/v3/klines')[0]!.rawQuery).toBe('symbol=BTCUSDT&interval=5m&limit=1000');
    expect(h.stub.requestsTo('GET /api/v3/exchangeInfo')[0]!.params.get('symbols')).toBe('["BTCUSDT","ETHUSDT"]');
    // Public data goes out unsigned and without the key.
    expect(h.stub.requests.every((r) => r.headers['x-mbx-apikey'] === undefined && !r.rawQuery.includes('signature'))).toBe(true);
  });

  it('asks for compressed answers and reads them as Binance sends them (gzip, deflate, brotli)', async () => {
    const tickers = fixture<unknown[]>(TICKER_FIXTURE);
    for (const encoding of ['gzip', 'deflate', 'br'] as const) {
      h.stub.route('GET /api/v3/ticker/24hr', { body: tickers, encoding });
      expect(await h.client.ticker24hAll()).toHaveLength(2519);
    }
    expect(h.stub.requestsTo('GET /api/v3/ticker/24hr')[0]!.headers['accept-encoding']).toMatch(/gzip/);
  });

  it('reads ping, time, one ticker, price and average price', async () => {
    const one = fixture<Array<{ symbol: string }>>(TICKER_FIXTURE).find((t) => t.symbol === 'BTCUSDT');
    h.stub.route('GET /api/v3/ticker/24hr', { body: one });
    h.stub.route('GET /api/v3/ticker/price', (r) => ({ body: r.params.get('symbol') ? { symbol: 'BTCUSDT', price: '68000.01' } : [{ symbol: 'BTCUSDT', price: '68000.01' }] }));
    h.stub.route('GET /api/v3/avgPrice', { body: { mins: 5, price: '67990.5', closeTime: 1 } });
    await h.client.ping();
    expect(Math.abs((await h.client.serverTime()) - Date.now())).toBeLessThan(5_000);
    expect((await h.client.ticker24h('BTCUSDT')).symbol).toBe('BTCUSDT');
    expect((await h.client.tickerPrice('BTCUSDT')).price).toBe('68000.01');
    expect(await h.client.tickerPriceAll()).toEqual([{ symbol: 'BTCUSDT', price: '68000.01' }]);
    expect((await h.client.avgPrice('BTCUSDT')).price).toBe('67990.5');
  });

  it('tolerates an absent reference price', async () => {
    h.stub.queue('GET /api/v3/referencePrice', { body: { symbol: 'BTCUSDT', referencePrice: '68000.00', timestamp: 1 } });
    expect((await h.client.referencePrice('BTCUSDT'))?.referencePrice).toBe('68000.00');
    h.stub.queue('GET /api/v3/referencePrice', { body: { symbol: 'BTCUSDT', referencePrice: null, timestamp: 1 } });
    expect(await h.client.referencePrice('BTCUSDT')).toBeNull();
    h.stub.queue('GET /api/v3/referencePrice', { status: 400, body: { code: -1121, msg: 'Invalid symbol.' } });
    expect(await h.client.referencePrice('BTCUSDT')).toBeNull();
    // No route at all: the stub answers 404 with an HTML page, like an older deployment.
    expect(await h.client.referencePrice('ETHUSDT')).toBeNull();
  });

  it('remembers for a while that a symbol, or the server, has no reference price', async () => {
    let clock = Date.now();
    const client = h.makeClient({ now: () => clock });
    const asked = () => h.stub.requestsTo('GET /api/v3/referencePrice').length;
    h.stub.route('GET /api/v3/referencePrice', { status: 400, body: { code: -2043, msg: "This symbol doesn't have a reference price." } });
    expect(await client.referencePrice('BTCUSDT')).toBeNull();
    expect(await client.referencePrice('BTCUSDT')).toBeNull();
    expect(asked()).toBe(1);
    // Another symbol is asked on its own.
    h.stub.route('GET /api/v3/referencePrice', { body: { symbol: 'ETHUSDT', referencePrice: '3500.00', timestamp: 1 } });
    expect((await client.referencePrice('ETHUSDT'))?.referencePrice).toBe('3500.00');
    expect(asked()).toBe(2);
    // Ten minutes later the exchange is asked again.
    clock += 10 * 60_000 + 1;
    h.stub.route('GET /api/v3/referencePrice', { body: { symbol: 'BTCUSDT', referencePrice: '68000.00', timestamp: 1 } });
    expect((await client.referencePrice('BTCUSDT'))?.referencePrice).toBe('68000.00');
    expect(asked()).toBe(3);
  });

  it('a malformed body is EXCHANGE_BAD_RESPONSE: not retried on a read, unknown-outcome on a write', async () => {
    h.stub.route('GET /api/v3/ticker/price', { body: { symbol: 'BTCUSDT', price: 68000.01 } });
    const read = await failureOf(h.client.tickerPrice('BTCUSDT'));
    expect([read.code, read.kind]).toEqual(['EXCHANGE_BAD_RESPONSE', 'transient']);
    expect(h.stub.requestsTo('GET /api/v3/ticker/price')).toHaveLength(1);

    h.stub.route('POST /api/v3/order', { raw: '<html>oops</html>' });
    const write = await failureOf(h.client.newOrder({ symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: '1' }));
    expect([write.code, write.kind, write.httpStatus]).toEqual(['EXCHANGE_BAD_RESPONSE', 'unknown-outcome', 200]);
  });
});

describe('Binance error mapping (errors.md)', () => {
  const order = { symbol: 'BTCUSDT', side: 'SELL', type: 'STOP_LOSS_LIMIT', timeInForce: 'GTC', quantity: '0.001', price: '60000', stopPrice: '60100' } as const;
  const cases: Array<[number, number, string, string]> = [
    [400, -1013, 'Filter failure: LOT_SIZE', 'ORDER_FILTER_LOT_SIZE'],
    [400, -1013, 'Filter failure: PERCENT_PRICE_BY_SIDE', 'ORDER_FILTER_PERCENT_PRICE'],
    [400, -1013, 'Filter failure: NOTIONAL', 'ORDER_FILTER_NOTIONAL'],
    [400, -2010, 'Account has insufficient balance for requested action.', 'EXCHANGE_INSUFFICIENT_BALANCE'],
    [400, -2010, 'Order would trigger immediately.', 'EXCHANGE_WOULD_TRIGGER'],
    [400, -2010, 'Duplicate order sent.', 'EXCHANGE_DUPLICATE_ORDER'],
    [400, -2010, 'Market is closed.', 'EXCHANGE_REJECTED'],
    [400, -1022, 'Signature for this request is not valid.', 'EXCHANGE_BAD_SIGNATURE'],
    [401, -2015, 'Invalid API-key, IP, or permissions for action.', 'EXCHANGE_PERMISSION'],
    [400, -1121, 'Invalid symbol.', 'EXCHANGE_UNKNOWN_SYMBOL'],
  ];
  for (const [status, code, msg, expected] of cases) {
    it(`${status} ${code} "${msg}" → ${expected}, rejected, sent once`, async () => {
      h.stub.route('POST /api/v3/order', { status, body: { code, msg } });
      const error = await failureOf(h.client.newOrder(order));
      expect(error.code).toBe(expected);
      expect(error.kind).toBe('rejected');
      expect([error.httpStatus, error.binanceCode, error.binanceMessage]).toEqual([status, code, msg]);
      expect(error.userMessage).not.toContain(msg);
      expect(error.userMessage).toMatch(/^[A-Z].*\.$/);
      expect(h.stub.requestsTo('POST /api/v3/order')).toHaveLength(1);
    });
  }

  it('-2013 on a lookup → EXCHANGE_ORDER_NOT_FOUND', async () => {
    h.stub.route('GET /api/v3/order', { status: 400, body: { code: -2013, msg: 'Order does not exist.' } });
    const error = await failureOf(h.client.getOrder({ symbol: 'BTCUSDT', origClientOrderId: 'gone' }));
    expect([error.code, error.kind]).toEqual(['EXCHANGE_ORDER_NOT_FOUND', 'rejected']);
  });
});

describe('cancel-replace', () => {
  // rest-api.md "Cancel an Existing Order and Send a New Order", 409 response example.
  const partial = {
    code: -2021,
    msg: 'Order cancel-replace partially failed.',
    data: {
      cancelResult: 'SUCCESS',
      newOrderResult: 'FAILURE',
      cancelResponse: { ...DOC_CANCELLED_ORDER, symbol: 'BTCUSDT', type: 'LIMIT_MAKER' },
      newOrderResponse: { code: -2010, msg: 'Order would immediately match and take.' },
    },
  };
  const params = { symbol: 'BTCUSDT', side: 'SELL', type: 'STOP_LOSS_LIMIT', timeInForce: 'GTC', quantity: '0.001', price: '59000', stopPrice: '59100', cancelReplaceMode: 'STOP_ON_FAILURE', cancelOrigClientOrderId: 'stop-1', newClientOrderId: 'stop-2' } as const;

  it('409: the error carries which step failed in details.cancelReplace', async () => {
    h.stub.route('POST /api/v3/order/cancelReplace', { status: 409, body: partial });
    const error = await failureOf(h.client.cancelReplace(params));
    expect([error.kind, error.httpStatus, error.binanceCode]).toEqual(['rejected', 409, -2021]);
    expect(error.details.cancelReplace).toEqual(partial.data);
    const sent = h.stub.requestsTo('POST /api/v3/order/cancelReplace')[0]!;
    expect(sent.rawQuery).toMatch(/^symbol=BTCUSDT&side=SELL&type=STOP_LOSS_LIMIT&cancelReplaceMode=STOP_ON_FAILURE&timeInForce=GTC&quantity=0.001&price=59000&stopPrice=59100&cancelOrigClientOrderId=stop-1&newClientOrderId=stop-2&newOrderRespType=FULL&/);
  });

  it('the code names the failed step: a new stop refused for balance → EXCHANGE_INSUFFICIENT_BALANCE', async () => {
    const body = { ...partial, data: { ...partial.data, newOrderResponse: { code: -2010, msg: 'Account has insufficient balance for requested action.' } } };
    h.stub.route('POST /api/v3/order/cancelReplace', { status: 409, body });
    expect((await failureOf(h.client.cancelReplace(params))).code).toBe('EXCHANGE_INSUFFICIENT_BALANCE');
  });

  it('200: both steps done', async () => {
    h.stub.route('POST /api/v3/order/cancelReplace', {
      body: { cancelResult: 'SUCCESS', newOrderResult: 'SUCCESS', cancelResponse: DOC_CANCELLED_ORDER, newOrderResponse: { ...DOC_ORDER_FULL, status: 'NEW', fills: [] } },
    });
    const result = await h.client.cancelReplace(params);
    expect([result.cancelResult, result.newOrderResult]).toEqual(['SUCCESS', 'SUCCESS']);
  });
});
