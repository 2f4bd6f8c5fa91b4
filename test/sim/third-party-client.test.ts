/**
 * Independent Binance clients from npm (tiagosiebler's `binance` SDK, REST and WebSocket API, and
 * ccxt with its default options), unmodified but for their base URLs, trade against the
 * simulator: if the paper exchange drifted from Binance's paths, signatures or payloads, these
 * clients would be the first to notice.
 */
import { MainClient, WebsocketAPIClient, type DefaultLogger } from 'binance';
import ccxt from 'ccxt';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestSimulator, type TestSimulator } from '../support/simulator.js';

const silentLogger: DefaultLogger = { trace: () => undefined, info: () => undefined, error: () => undefined };

describe('the binance npm SDK against the simulator', () => {
  let sim: TestSimulator;
  let client: MainClient;

  beforeAll(async () => {
    sim = await startTestSimulator({ balances: { USDT: '10000', BTC: '0.5' } });
    client = new MainClient({ api_key: sim.apiKey, api_secret: sim.apiSecret!, baseUrl: sim.restUrl });
  });
  afterAll(() => sim.close());

  test('loads markets from exchangeInfo', async () => {
    const info = await client.getExchangeInfo();
    const btc = info.symbols.find((s) => s.symbol === 'BTCUSDT');
    expect(btc?.baseAsset).toBe('BTC');
    expect(btc?.filters.map((f) => f.filterType)).toContain('LOT_SIZE');
    // Filtered to what the feed prices.
    expect(info.symbols.map((s) => s.symbol).sort()).toEqual(['BTCUSDT', 'ETHUSDT']);
    expect(info.rateLimits.some((l) => l.rateLimitType === 'REQUEST_WEIGHT')).toBe(true);
  });

  test('fetches the balance', async () => {
    const account = await client.getAccountInformation();
    const usdt = account.balances.find((b) => b.asset === 'USDT');
    expect(usdt).toEqual({ asset: 'USDT', free: '10000.00000000', locked: '0.00000000' });
  });

  test('creates a MARKET order and gets its fills', async () => {
    const order = await client.submitNewOrder({ symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: 0.01 });
    expect(order).toMatchObject({ symbol: 'BTCUSDT', status: 'FILLED', executedQty: '0.01000000', type: 'MARKET' });
    expect('fills' in order && order.fills).toEqual([
      // The ask: one tick above the last price (the modelled book's spread on a feed without candles).
      { price: '69010.02000000', qty: '0.01000000', commission: '0.00001000', commissionAsset: 'BTC', tradeId: expect.any(Number) },
    ]);
  });

  test('creates a LIMIT order, fetches it and cancels it', async () => {
    const placed = await client.submitNewOrder({
      symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', timeInForce: 'GTC', quantity: 0.01, price: 60000,
    });
    expect(placed).toMatchObject({ status: 'NEW', price: '60000.00000000' });

    const fetched = await client.getOrder({ symbol: 'BTCUSDT', orderId: placed.orderId });
    expect(fetched).toMatchObject({ orderId: placed.orderId, status: 'NEW', isWorking: true, origQty: '0.01000000' });
    const open = await client.getOpenOrders({ symbol: 'BTCUSDT' });
    expect(open.map((o) => o.orderId)).toContain(placed.orderId);
    const locked = (await client.getAccountInformation()).balances.find((b) => b.asset === 'USDT');
    expect(locked?.locked).toBe('600.00000000');

    const canceled = await client.cancelOrder({ symbol: 'BTCUSDT', orderId: placed.orderId });
    expect(canceled).toMatchObject({ orderId: placed.orderId, status: 'CANCELED', origClientOrderId: placed.clientOrderId });
    const after = (await client.getAccountInformation()).balances.find((b) => b.asset === 'USDT');
    expect(after?.locked).toBe('0.00000000');
  });

  test('creates a STOP_LOSS_LIMIT order that triggers and fills when the price falls', async () => {
    const placed = await client.submitNewOrder({
      symbol: 'BTCUSDT', side: 'SELL', type: 'STOP_LOSS_LIMIT', timeInForce: 'GTC',
      quantity: 0.1, price: 64900, stopPrice: 65000, newOrderRespType: 'RESULT',
    });
    expect(placed).toMatchObject({ status: 'NEW', stopPrice: '65000.00000000', workingTime: -1 });

    sim.feed.setPrice('BTCUSDT', '64000');
    const filled = await client.getOrder({ symbol: 'BTCUSDT', origClientOrderId: placed.clientOrderId });
    // Triggered, it takes the bid where the price crossed 65000 (taker), not its 64900 limit.
    expect(filled).toMatchObject({ status: 'FILLED', executedQty: '0.10000000', cummulativeQuoteQty: '6500.00000000' });
  });

  test('surfaces Binance errors the way the SDK expects them', async () => {
    await expect(client.getOrder({ symbol: 'BTCUSDT', orderId: 999_999 })).rejects.toMatchObject({
      code: -2013,
      message: 'Order does not exist.',
    });
  });
});

describe('the binance npm SDK: trade history, order lists and its WebSocket API client', () => {
  let sim: TestSimulator;
  let client: MainClient;

  beforeAll(async () => {
    sim = await startTestSimulator({ balances: { USDT: '10000', BTC: '0.5' }, prices: { BTCUSDT: '69000' } });
    client = new MainClient({ api_key: sim.apiKey, api_secret: sim.apiSecret!, baseUrl: sim.restUrl });
  });
  afterAll(() => sim.close());

  test('getAccountTradeList lists the fills of submitNewOrder', async () => {
    const order = await client.submitNewOrder({ symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: 0.01 });
    const trades = await client.getAccountTradeList({ symbol: 'BTCUSDT' });
    expect(trades.at(-1)).toMatchObject({
      // The ask, one tick over the last price on the modelled book.
      symbol: 'BTCUSDT', orderId: order.orderId, orderListId: -1, price: '69000.01000000', qty: '0.01000000', isBuyer: true, isMaker: false,
    });
  });

  test('submitNewOrderList places an OCO; cancelOrderList cancels it', async () => {
    const list = await client.submitNewOrderList({
      symbol: 'BTCUSDT', side: 'SELL', quantity: 0.1,
      aboveType: 'LIMIT_MAKER', abovePrice: 75000,
      belowType: 'STOP_LOSS_LIMIT', belowStopPrice: 65000, belowPrice: 64900, belowTimeInForce: 'GTC',
    });
    expect(list).toMatchObject({ contingencyType: 'OCO', listStatusType: 'EXEC_STARTED', listOrderStatus: 'EXECUTING' });
    expect(list.orderReports).toHaveLength(2);
    const open = await client.getAllOpenOCO();
    expect(open.map((l) => l.orderListId)).toEqual([list.orderListId]);
    const canceled = await client.cancelOCO({ symbol: 'BTCUSDT', orderListId: list.orderListId });
    expect(canceled).toMatchObject({ listOrderStatus: 'ALL_DONE' });
  });

  test('submitNewOCO (the deprecated /api/v3/order/oco) places the same OCO', async () => {
    const list = await client.submitNewOCO({
      symbol: 'BTCUSDT', side: 'SELL', quantity: 0.1, price: 75000, stopPrice: 65000, stopLimitPrice: 64900, stopLimitTimeInForce: 'GTC',
    });
    expect(list).toMatchObject({ contingencyType: 'OCO', listOrderStatus: 'EXECUTING' });
    expect((list as { orderReports: Array<{ type: string }> }).orderReports.map((r) => r.type)).toEqual(['STOP_LOSS_LIMIT', 'LIMIT_MAKER']);
    await client.cancelOCO({ symbol: 'BTCUSDT', orderListId: (list as { orderListId: number }).orderListId });
  });

  test('getOrderBook (served once /api/v3/depth exists)', async (ctx) => {
    const probe = await fetch(`${sim.restUrl}/api/v3/depth?symbol=BTCUSDT`);
    if (probe.status === 404) ctx.skip();
    const book = await client.getOrderBook({ symbol: 'BTCUSDT', limit: 5 });
    expect(Array.isArray(book.bids) && Array.isArray(book.asks)).toBe(true);
  });

  test('the WebSocket API client: order.place, order.status, openOrders.status, order.cancel, account.status', async () => {
    const ws = new WebsocketAPIClient({ api_key: sim.apiKey, api_secret: sim.apiSecret!, wsUrl: sim.streamUrl, beautify: false }, silentLogger);
    try {
      // Binance requires `timestamp` on every signed request; the SDK's type for order.place omits it.
      const placed = await ws.submitNewSpotOrder({
        symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', timeInForce: 'GTC', quantity: '0.01', price: '60000', timestamp: Date.now(),
      } as Parameters<typeof ws.submitNewSpotOrder>[0]);
      const order = placed.result as { orderId: number; status: string };
      expect(order.status).toBe('NEW');
      const status = await ws.getSpotOrderStatus({ symbol: 'BTCUSDT', orderId: order.orderId, timestamp: Date.now() });
      expect(status.result).toMatchObject({ orderId: order.orderId, status: 'NEW' });
      const open = await ws.getSpotOpenOrders({ symbol: 'BTCUSDT', timestamp: Date.now() });
      expect((open.result as Array<{ orderId: number }>).map((o) => o.orderId)).toContain(order.orderId);
      const canceled = await ws.cancelSpotOrder({ symbol: 'BTCUSDT', orderId: order.orderId, timestamp: Date.now() });
      expect(canceled.result).toMatchObject({ orderId: order.orderId, status: 'CANCELED' });
      const account = await ws.getSpotAccountInformation({ timestamp: Date.now() });
      expect(account.result).toMatchObject({ accountType: 'SPOT' });
    } finally {
      ws.getWSClient().closeAll(true);
    }
  });
});

describe('ccxt with its default options against the simulator', () => {
  let sim: TestSimulator;
  let exchange: InstanceType<typeof ccxt.binance>;

  beforeAll(async () => {
    sim = await startTestSimulator({ balances: { USDT: '10000', BTC: '0.5' }, prices: { BTCUSDT: '69000' } });
    exchange = new ccxt.binance({ apiKey: sim.apiKey, secret: sim.apiSecret! });
    // Only the host changes: every REST family ccxt knows points at the simulator.
    const api = exchange.urls.api as Record<string, string>;
    for (const key of Object.keys(api)) api[key] = api[key]!.replace(/^https:\/\/[^/]+/, sim.restUrl);
  });
  afterAll(() => sim.close());

  test('loadMarkets reads exchangeInfo and the default /sapi, /fapi, /dapi reads', async () => {
    const markets = await exchange.loadMarkets();
    expect(Object.keys(markets).sort()).toEqual(['BTC/USDT', 'ETH/USDT']);
    expect(markets['BTC/USDT']).toMatchObject({ spot: true, margin: false, active: true });
    expect(exchange.currencies.USDT?.id).toBe('USDT');
    const paths = new Set(sim.control.requests().map((r) => `${r.path} ${r.status}`));
    expect(paths).toEqual(new Set([
      '/sapi/v1/capital/config/getall 200', '/sapi/v1/margin/allPairs 200', '/sapi/v1/margin/isolated/allPairs 200',
      '/api/v3/exchangeInfo 200', '/fapi/v1/exchangeInfo 200', '/dapi/v1/exchangeInfo 200',
    ]));
  });

  test('fetchBalance, createOrder (market and limit), cancelOrder, fetchMyTrades, fetchTrades, fetchTradingFee', async () => {
    const balance = await exchange.fetchBalance();
    expect(balance.USDT?.free).toBe(10000);

    const market = await exchange.createOrder('BTC/USDT', 'market', 'buy', 0.01);
    // A market BUY pays the ask: one tick over the last price on the modelled book.
    expect(market).toMatchObject({ status: 'closed', filled: 0.01, average: 69000.01 });
    const limit = await exchange.createOrder('BTC/USDT', 'limit', 'buy', 0.01, 60000);
    expect(limit).toMatchObject({ status: 'open', price: 60000 });
    const canceled = await exchange.cancelOrder(String(limit.id), 'BTC/USDT');
    expect(canceled.status).toBe('canceled');

    const mine = await exchange.fetchMyTrades('BTC/USDT');
    expect(mine.map((t) => [t.order, t.side, t.price, t.amount, t.takerOrMaker])).toEqual([[market.id, 'buy', 69000.01, 0.01, 'taker']]);
    expect(mine[0]?.fee).toMatchObject({ currency: 'BTC', cost: 0.00001 });
    const trades = await exchange.fetchTrades('BTC/USDT');
    expect(trades.map((t) => [t.price, t.amount])).toEqual([[69000.01, 0.01]]);
    const fee = await exchange.fetchTradingFee('BTC/USDT');
    expect(fee).toMatchObject({ symbol: 'BTC/USDT', maker: 0.001, taker: 0.001 });
  });

  test('an OCO through ccxt\'s binance API (orderList/oco), then its leg fills and the other expires', async () => {
    const list = (await exchange.privatePostOrderListOco({
      symbol: 'BTCUSDT', side: 'SELL', quantity: '0.1',
      aboveType: 'LIMIT_MAKER', abovePrice: '75000',
      belowType: 'STOP_LOSS_LIMIT', belowStopPrice: '65000', belowPrice: '64900', belowTimeInForce: 'GTC',
    })) as { orderListId: number; orders: Array<{ orderId: number }> };
    expect(list.orders).toHaveLength(2);
    const open = await exchange.fetchOpenOrders('BTC/USDT');
    expect(open.map((o) => [o.type, o.price, o.triggerPrice ?? null])).toEqual([['limit', 64900, 65000], ['limit', 75000, null]]);
    sim.feed.setPrice('BTCUSDT', '75001');
    const legs = await Promise.all(list.orders.map((o) => exchange.fetchOrder(String(o.orderId), 'BTC/USDT')));
    expect(legs.map((o) => o.status)).toEqual(['expired', 'closed']);
  });

  test('fetchOrderBook (served once /api/v3/depth exists)', async (ctx) => {
    const probe = await fetch(`${sim.restUrl}/api/v3/depth?symbol=BTCUSDT`);
    if (probe.status === 404) ctx.skip();
    const book = await exchange.fetchOrderBook('BTC/USDT', 5);
    expect(book.symbol).toBe('BTC/USDT');
  });
});
