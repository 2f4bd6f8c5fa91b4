/**
 * Order lists over HTTP and the WebSocket API user stream (rest-api.md "Order lists",
 * user-data-stream.md "listStatus"): OCO, OTO, OTOCO placed, triggered, filled and cancelled the
 * way Binance does it, with one lock per OCO and the legs' filters applied.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { eq, gt, lte, sub } from '../../src/decimal.js';
import { wsSign } from '../../src/binance/signing.js';
import { parseUserDataFrame } from '../../src/binance/user-data-events.js';
import { bundledExchangeInfo } from '../../src/sim/engine/symbol-catalog.js';
import { simRequest, startTestSimulator, type TestSimulator } from '../support/simulator.js';
import { connectClient, type TestClient } from './ws-test-client.js';

type Body = Record<string, unknown>;
interface ListBody {
  orderListId: number;
  contingencyType: string;
  listStatusType: string;
  listOrderStatus: string;
  listClientOrderId: string;
  orders: Array<{ symbol: string; orderId: number; clientOrderId: string }>;
  orderReports: Body[];
}

const SELL_OCO = {
  symbol: 'BTCUSDT', side: 'SELL', quantity: '0.1',
  aboveType: 'LIMIT_MAKER', abovePrice: '72000', aboveClientOrderId: 'tp-1',
  belowType: 'STOP_LOSS_LIMIT', belowStopPrice: '65000', belowPrice: '64900', belowTimeInForce: 'GTC', belowClientOrderId: 'sl-1',
};

describe('order lists', () => {
  let sim: TestSimulator;
  beforeAll(async () => {
    sim = await startTestSimulator({ balances: { USDT: '10000', BTC: '1' }, prices: { BTCUSDT: '69000' } });
  });
  beforeEach(() => {
    sim.control.reset();
    sim.feed.setPrice('BTCUSDT', '69000');
  });
  afterAll(() => sim.close());

  const order = async (orderId: number) => (await simRequest<Body>(sim, 'GET', '/api/v3/order', { symbol: 'BTCUSDT', orderId })).body;
  const locked = (asset: string) => sim.control.balances()[asset]?.locked;

  async function subscribe(): Promise<TestClient> {
    const client = await connectClient(sim.wsApiUrl);
    const params = { apiKey: sim.apiKey, timestamp: Date.now() };
    client.send({ id: 'sub', method: 'userDataStream.subscribe.signature', params: { ...params, signature: wsSign(params, sim.signer) } });
    expect(await client.next()).toMatchObject({ id: 'sub', status: 200 });
    return client;
  }
  /** Takes frames until a listStatus arrives; returns every event seen. Each frame must pass the product's own parser. */
  async function untilListStatus(client: TestClient, status: string): Promise<Body[]> {
    const events: Body[] = [];
    for (;;) {
      const frame = await client.next();
      expect(parseUserDataFrame(frame).kind).toBe('event');
      const event = frame.event as Body;
      events.push(event);
      if (event.e === 'listStatus' && event.L === status) return events;
    }
  }

  test('OCO: placed with one lock, listed, and the limit leg filling expires the stop (OCO_TRIGGER)', async () => {
    const client = await subscribe();
    const placed = await simRequest<ListBody>(sim, 'POST', '/api/v3/orderList/oco', { ...SELL_OCO, listClientOrderId: 'bracket-1' });
    expect(placed.status).toBe(200);
    const list = placed.body;
    expect(list).toMatchObject({
      contingencyType: 'OCO', listStatusType: 'EXEC_STARTED', listOrderStatus: 'EXECUTING', listClientOrderId: 'bracket-1', symbol: 'BTCUSDT',
    });
    // The stop-loss leg first, as in the docs' example.
    expect(list.orders.map((o) => o.clientOrderId)).toEqual(['sl-1', 'tp-1']);
    expect(list.orderReports.map((r) => [r.type, r.status, r.orderListId])).toEqual([
      ['STOP_LOSS_LIMIT', 'NEW', list.orderListId], ['LIMIT_MAKER', 'NEW', list.orderListId],
    ]);
    expect(list.orderReports[0]).toMatchObject({ stopPrice: '65000.00000000', workingTime: -1, origQty: '0.10000000' });
    // Both legs sell the same 0.1 BTC: it is locked once.
    expect(locked('BTC')).toBe('0.1');

    const byId = await simRequest<ListBody>(sim, 'GET', '/api/v3/orderList', { orderListId: list.orderListId });
    expect(byId.body).toEqual({ ...list, orderReports: undefined, transactionTime: expect.any(Number) } as unknown as ListBody);
    expect(Object.keys(byId.body)).not.toContain('orderReports');
    const byClient = await simRequest<ListBody>(sim, 'GET', '/api/v3/orderList', { origClientOrderId: 'bracket-1' });
    expect(byClient.body.orderListId).toBe(list.orderListId);
    const open = await simRequest<ListBody[]>(sim, 'GET', '/api/v3/openOrderList');
    expect(open.body.map((l) => l.orderListId)).toEqual([list.orderListId]);
    expect((await order(list.orders[0]!.orderId)).orderListId).toBe(list.orderListId);

    const placedEvents = await untilListStatus(client, 'EXECUTING');
    expect(placedEvents.filter((e) => e.e === 'executionReport').map((e) => [e.x, e.X, e.g])).toEqual([
      ['NEW', 'NEW', list.orderListId], ['NEW', 'NEW', list.orderListId],
    ]);
    expect(placedEvents.at(-1)).toMatchObject({
      e: 'listStatus', s: 'BTCUSDT', g: list.orderListId, c: 'OCO', l: 'EXEC_STARTED', L: 'EXECUTING', r: 'NONE', C: 'bracket-1',
      O: [{ s: 'BTCUSDT', i: list.orders[0]!.orderId, c: 'sl-1' }, { s: 'BTCUSDT', i: list.orders[1]!.orderId, c: 'tp-1' }],
    });

    sim.feed.setPrice('BTCUSDT', '72100');
    const doneEvents = await untilListStatus(client, 'ALL_DONE');
    const reports = doneEvents.filter((e) => e.e === 'executionReport').map((e) => [e.c, e.x, e.X, e.eR ?? null, e.m]);
    // The limit leg fills first, then the stop is expired (CHANGELOG: OCO "Execution Order").
    expect(reports).toEqual([['tp-1', 'TRADE', 'FILLED', null, true], ['sl-1', 'EXPIRED', 'EXPIRED', 'OCO_TRIGGER', false]]);
    expect(doneEvents.at(-1)).toMatchObject({ e: 'listStatus', l: 'ALL_DONE', L: 'ALL_DONE' });
    expect(await order(list.orders[0]!.orderId)).toMatchObject({ status: 'EXPIRED', expiryReason: 'OCO_TRIGGER' });
    expect(await order(list.orders[1]!.orderId)).toMatchObject({ status: 'FILLED', executedQty: '0.10000000' });
    expect(sim.control.balances().BTC).toEqual({ free: '0.9', locked: '0' });
    expect((await simRequest<ListBody>(sim, 'GET', '/api/v3/orderList', { orderListId: list.orderListId })).body).toMatchObject({
      listStatusType: 'ALL_DONE', listOrderStatus: 'ALL_DONE',
    });
    expect((await simRequest<ListBody[]>(sim, 'GET', '/api/v3/openOrderList')).body).toEqual([]);
    client.ws.close();
  });

  test('OCO: a stop leg that triggers expires the limit leg first, then executes from the shared lock', async () => {
    const client = await subscribe();
    const list = (await simRequest<ListBody>(sim, 'POST', '/api/v3/orderList/oco', SELL_OCO)).body;
    await untilListStatus(client, 'EXECUTING');
    sim.feed.setPrice('BTCUSDT', '64950');
    const events = await untilListStatus(client, 'ALL_DONE');
    expect(events.filter((e) => e.e === 'executionReport').map((e) => [e.c, e.x, e.eR ?? null])).toEqual([
      ['tp-1', 'EXPIRED', 'OCO_TRIGGER'],
    ]);
    const stop = await order(list.orders[0]!.orderId);
    expect(stop).toMatchObject({ status: 'FILLED', isWorking: false });
    expect(await order(list.orders[1]!.orderId)).toMatchObject({ status: 'EXPIRED' });
    expect(sim.control.balances().BTC?.locked).toBe('0');
    expect(sim.control.balances().BTC?.free).toBe('0.9');
    client.ws.close();
  });

  test('BUY OCO: one quote lock at the dearer leg; the stop triggering expires the limit leg and fills from that lock', async () => {
    const list = (await simRequest<ListBody>(sim, 'POST', '/api/v3/orderList/oco', {
      symbol: 'BTCUSDT', side: 'BUY', quantity: '0.01',
      aboveType: 'STOP_LOSS_LIMIT', aboveStopPrice: '72000', abovePrice: '72100', aboveTimeInForce: 'GTC',
      belowType: 'LIMIT_MAKER', belowPrice: '65000',
    })).body;
    expect(list.orderReports.map((r) => r.type)).toEqual(['STOP_LOSS_LIMIT', 'LIMIT_MAKER']);
    expect(locked('USDT')).toBe('721');
    // The price path crosses the stop (72000) on its way to 72500: the stop-limit takes the modelled
    // asks around the stop as a taker (book-model.ts), within its 72100 limit, from the shared lock.
    sim.feed.setPrice('BTCUSDT', '72500');
    expect(await order(list.orders[1]!.orderId)).toMatchObject({ status: 'EXPIRED', expiryReason: 'OCO_TRIGGER' });
    const filled = await order(list.orders[0]!.orderId);
    expect(filled).toMatchObject({ status: 'FILLED' });
    const cost = (filled as unknown as { cummulativeQuoteQty: string }).cummulativeQuoteQty;
    expect(gt(cost, '720') && lte(cost, '721')).toBe(true);
    expect(sim.control.balances().USDT!.locked).toBe('0');
    expect(eq(sim.control.balances().USDT!.free, sub('10000', cost))).toBe(true);
  });

  test('cancelling one leg cancels the whole list; DELETE /api/v3/orderList answers with every leg', async () => {
    const first = (await simRequest<ListBody>(sim, 'POST', '/api/v3/orderList/oco', SELL_OCO)).body;
    const leg = await simRequest<Body>(sim, 'DELETE', '/api/v3/order', { symbol: 'BTCUSDT', origClientOrderId: 'tp-1' });
    expect(leg.body).toMatchObject({ status: 'CANCELED', orderListId: first.orderListId });
    expect(await order(first.orders[0]!.orderId)).toMatchObject({ status: 'CANCELED' });
    expect((await simRequest<ListBody>(sim, 'GET', '/api/v3/orderList', { orderListId: first.orderListId })).body.listOrderStatus).toBe('ALL_DONE');
    expect(locked('BTC')).toBe('0');

    const second = (await simRequest<ListBody>(sim, 'POST', '/api/v3/orderList/oco', { ...SELL_OCO, listClientOrderId: 'again' })).body;
    const canceled = await simRequest<ListBody>(sim, 'DELETE', '/api/v3/orderList', {
      symbol: 'BTCUSDT', listClientOrderId: 'again', newClientOrderId: 'cancel-all',
    });
    expect(canceled.status).toBe(200);
    expect(canceled.body).toMatchObject({ orderListId: second.orderListId, listStatusType: 'ALL_DONE', listOrderStatus: 'ALL_DONE' });
    expect(canceled.body.orderReports.map((r) => [r.origClientOrderId, r.clientOrderId, r.status])).toEqual([
      ['sl-1', 'cancel-all', 'CANCELED'], ['tp-1', 'cancel-all', 'CANCELED'],
    ]);
    const again = await simRequest(sim, 'DELETE', '/api/v3/orderList', { symbol: 'BTCUSDT', orderListId: second.orderListId });
    expect(again.body).toEqual({ code: -2011, msg: 'Unknown order sent.' });
    expect((await simRequest(sim, 'GET', '/api/v3/orderList', { orderListId: 999 })).body).toEqual({ code: -2013, msg: 'Order list does not exist.' });
    expect((await simRequest(sim, 'GET', '/api/v3/orderList', {})).body).toMatchObject({ code: -1102 });
    const all = await simRequest<ListBody[]>(sim, 'GET', '/api/v3/allOrderList');
    expect(all.body.map((l) => l.orderListId)).toEqual([second.orderListId, first.orderListId]);
  });

  test('OCO rules: leg types and sides, the price straddle, leg parameters, duplicate ids, and each leg\'s filters', async () => {
    const post = async (params: Record<string, string>) => (await simRequest(sim, 'POST', '/api/v3/orderList/oco', params)).body;
    expect(await post({ ...SELL_OCO, aboveType: 'STOP_LOSS_LIMIT', aboveStopPrice: '72000', aboveTimeInForce: 'GTC' })).toEqual({
      code: -1197, msg: 'A stop loss order in a sell OCO must be below.',
    });
    expect(await post({ ...SELL_OCO, side: 'BUY' })).toEqual({ code: -1196, msg: 'A stop loss order in a buy OCO must be above.' });
    expect(await post({ ...SELL_OCO, aboveType: 'LIMIT' })).toEqual({ code: -1158, msg: 'Order type not supported in OCO.' });
    // The stop above the market would trigger at once: the pair must straddle the last price.
    expect(await post({ ...SELL_OCO, belowStopPrice: '69500', belowPrice: '69400' })).toEqual({
      code: -2010, msg: 'The relationship of the prices for the orders is not correct.',
    });
    const { belowTimeInForce: _omitted, ...noTif } = SELL_OCO;
    expect(await post(noTif)).toEqual({
      code: -1102, msg: "Mandatory parameter 'belowTimeInForce' was not sent, was empty/null, or malformed.",
    });
    expect(await post({ ...SELL_OCO, abovePrice: '72000.001' })).toEqual({ code: -1013, msg: 'Filter failure: PRICE_FILTER' });
    expect(await post({ ...SELL_OCO, belowClientOrderId: 'tp-1' })).toEqual({ code: -2010, msg: 'Duplicate order sent.' });
    expect(await post({ ...SELL_OCO, quantity: '2' })).toEqual({ code: -2010, msg: 'Account has insufficient balance for requested action.' });
    expect(sim.control.orders()).toEqual([]);

    await post({ ...SELL_OCO, listClientOrderId: 'same' });
    expect(await post({ ...SELL_OCO, aboveClientOrderId: 'x1', belowClientOrderId: 'x2', listClientOrderId: 'same' })).toEqual({
      code: -2010, msg: 'Duplicate order sent.',
    });
    // MAX_NUM_ALGO_ORDERS (5 on BTCUSDT) counts each stop leg: 1 open + 3 more stops fill it to 4, a pair of stops would be 6.
    for (let i = 0; i < 3; i += 1) {
      await simRequest(sim, 'POST', '/api/v3/order', {
        symbol: 'BTCUSDT', side: 'SELL', type: 'STOP_LOSS_LIMIT', timeInForce: 'GTC', quantity: '0.01', stopPrice: '60000', price: '59900',
      });
    }
    expect(await post({
      ...SELL_OCO, aboveType: 'TAKE_PROFIT_LIMIT', aboveStopPrice: '72000', aboveTimeInForce: 'GTC', aboveClientOrderId: 'y1', belowClientOrderId: 'y2',
    })).toEqual({ code: -1013, msg: 'Filter failure: MAX_NUM_ALGO_ORDERS' });
  });

  test('OTO: the pending order is PENDING_NEW and locks nothing until the working order fills', async () => {
    const client = await subscribe();
    const placed = await simRequest<ListBody>(sim, 'POST', '/api/v3/orderList/oto', {
      symbol: 'BTCUSDT', listClientOrderId: 'oto-1',
      workingType: 'LIMIT', workingSide: 'BUY', workingPrice: '68000', workingQuantity: '0.01', workingTimeInForce: 'GTC',
      pendingType: 'LIMIT_MAKER', pendingSide: 'SELL', pendingPrice: '75000', pendingQuantity: '0.01', pendingClientOrderId: 'exit-1',
    });
    expect(placed.status).toBe(200);
    const list = placed.body;
    expect(list).toMatchObject({ contingencyType: 'OTO', listStatusType: 'EXEC_STARTED', listOrderStatus: 'EXECUTING' });
    expect(list.orderReports.map((r) => [r.type, r.side, r.status, r.workingTime === -1])).toEqual([
      ['LIMIT', 'BUY', 'NEW', false], ['LIMIT_MAKER', 'SELL', 'PENDING_NEW', true],
    ]);
    expect(locked('USDT')).toBe('680');
    expect(locked('BTC') ?? '0').toBe('0');
    expect((await simRequest<Body[]>(sim, 'GET', '/api/v3/openOrders', { symbol: 'BTCUSDT' })).body.map((o) => o.status)).toEqual(['NEW', 'PENDING_NEW']);
    await untilListStatus(client, 'EXECUTING');

    sim.feed.setPrice('BTCUSDT', '67990');
    const events = await untilListStatus(client, 'EXECUTING');
    expect(events.filter((e) => e.e === 'executionReport').map((e) => [e.c, e.x, e.X])).toEqual([
      [list.orders[0]!.clientOrderId, 'TRADE', 'FILLED'], ['exit-1', 'NEW', 'NEW'],
    ]);
    const exit = await order(list.orders[1]!.orderId);
    expect(exit).toMatchObject({ status: 'NEW', clientOrderId: 'exit-1', orderListId: list.orderListId, isWorking: true });
    expect(locked('BTC')).toBe('0.01');

    sim.feed.setPrice('BTCUSDT', '75100');
    const done = await untilListStatus(client, 'ALL_DONE');
    expect(done.filter((e) => e.e === 'executionReport').map((e) => [e.c, e.X])).toEqual([['exit-1', 'FILLED']]);
    client.ws.close();
  });

  test('OTOCO: the pending OCO goes on the book when the entry fills; a gap past the stop triggers it at once', async () => {
    const placed = await simRequest<ListBody>(sim, 'POST', '/api/v3/orderList/otoco', {
      symbol: 'BTCUSDT', newOrderRespType: 'FULL',
      workingType: 'LIMIT', workingSide: 'BUY', workingPrice: '68000', workingQuantity: '0.01', workingTimeInForce: 'GTC',
      pendingSide: 'SELL', pendingQuantity: '0.01',
      pendingAboveType: 'LIMIT_MAKER', pendingAbovePrice: '75000',
      pendingBelowType: 'STOP_LOSS_LIMIT', pendingBelowStopPrice: '65000', pendingBelowPrice: '64000', pendingBelowTimeInForce: 'GTC',
    });
    expect(placed.status).toBe(200);
    const list = placed.body;
    expect(list.contingencyType).toBe('OTO');
    expect(list.orderReports.map((r) => [r.type, r.status])).toEqual([
      ['LIMIT', 'NEW'], ['STOP_LOSS_LIMIT', 'PENDING_NEW'], ['LIMIT_MAKER', 'PENDING_NEW'],
    ]);
    expect(list.orderReports[0]!.fills).toEqual([]);

    // The entry fills on a tick already under the stop: the stop triggers at once, the take-profit expires.
    sim.feed.setPrice('BTCUSDT', '64500');
    expect(await order(list.orders[0]!.orderId)).toMatchObject({ status: 'FILLED' });
    expect(await order(list.orders[2]!.orderId)).toMatchObject({ status: 'EXPIRED', expiryReason: 'OCO_TRIGGER' });
    expect(await order(list.orders[1]!.orderId)).toMatchObject({ status: 'FILLED', executedQty: '0.01000000' });
    expect((await simRequest<ListBody>(sim, 'GET', '/api/v3/orderList', { orderListId: list.orderListId })).body.listOrderStatus).toBe('ALL_DONE');
    expect(sim.control.balances().BTC).toEqual({ free: '0.99999', locked: '0' });
  });

  test('OTO: a pending SELL of the full entry quantity is REJECTED when the commission was paid in the base asset', async () => {
    sim.control.setBalance('BTC', '0');
    const list = (await simRequest<ListBody>(sim, 'POST', '/api/v3/orderList/oto', {
      symbol: 'BTCUSDT',
      workingType: 'LIMIT', workingSide: 'BUY', workingPrice: '68000', workingQuantity: '0.01', workingTimeInForce: 'GTC',
      pendingType: 'LIMIT_MAKER', pendingSide: 'SELL', pendingPrice: '75000', pendingQuantity: '0.01',
    })).body;
    sim.feed.setPrice('BTCUSDT', '67990');
    // 0.01 bought, 0.00001 paid as commission: 0.00999 BTC cannot cover a 0.01 sell (user-data-stream.md eR REJECTED).
    expect(await order(list.orders[1]!.orderId)).toMatchObject({ status: 'EXPIRED', expiryReason: 'REJECTED' });
    expect((await simRequest<ListBody>(sim, 'GET', '/api/v3/orderList', { orderListId: list.orderListId })).body.listOrderStatus).toBe('ALL_DONE');
    expect(sim.control.balances().BTC).toEqual({ free: '0.00999', locked: '0' });
  });

  test('OTO: cancelling the working order cancels the pending one', async () => {
    const list = (await simRequest<ListBody>(sim, 'POST', '/api/v3/orderList/oto', {
      symbol: 'BTCUSDT',
      workingType: 'LIMIT', workingSide: 'BUY', workingPrice: '68000', workingQuantity: '0.01', workingTimeInForce: 'GTC',
      pendingType: 'MARKET', pendingSide: 'SELL', pendingQuantity: '0.01',
    })).body;
    await simRequest(sim, 'DELETE', '/api/v3/order', { symbol: 'BTCUSDT', orderId: list.orders[0]!.orderId });
    expect(await order(list.orders[1]!.orderId)).toMatchObject({ status: 'CANCELED' });
    expect(locked('USDT')).toBe('0');
    const typo = await simRequest(sim, 'POST', '/api/v3/orderList/oto', {
      symbol: 'BTCUSDT',
      workingType: 'MARKET', workingSide: 'BUY', workingPrice: '68000', workingQuantity: '0.01',
      pendingType: 'MARKET', pendingSide: 'SELL', pendingQuantity: '0.01',
    });
    expect(typo.body).toMatchObject({ code: -1106 });
  });

  test('OTO: cancelReplace of the pending stop cancels the whole list, entry included; once the entry filled it replaces the stop alone', async () => {
    const place = async (id: string) =>
      (await simRequest<ListBody>(sim, 'POST', '/api/v3/orderList/oto', {
        symbol: 'BTCUSDT', listClientOrderId: id,
        workingType: 'LIMIT', workingSide: 'BUY', workingPrice: '68000', workingQuantity: '0.01', workingTimeInForce: 'GTC',
        pendingType: 'STOP_LOSS_LIMIT', pendingSide: 'SELL', pendingStopPrice: '65000', pendingPrice: '64900', pendingQuantity: '0.009', pendingTimeInForce: 'GTC',
      })).body;
    const replace = (orderId: number, stopPrice: string) =>
      simRequest<Body>(sim, 'POST', '/api/v3/order/cancelReplace', {
        symbol: 'BTCUSDT', side: 'SELL', type: 'STOP_LOSS_LIMIT', timeInForce: 'GTC', quantity: '0.009', stopPrice, price: sub(stopPrice, '100'),
        cancelReplaceMode: 'STOP_ON_FAILURE', cancelOrderId: orderId, newOrderRespType: 'FULL',
      });
    // rest-api.md cancelReplace: "the result is the same as canceling the entire orderList".
    const waiting = await place('oto-wait');
    expect((await replace(waiting.orders[1]!.orderId, '66000')).status).toBe(200);
    expect(await order(waiting.orders[0]!.orderId)).toMatchObject({ status: 'CANCELED' });
    expect((await simRequest<ListBody>(sim, 'GET', '/api/v3/orderList', { orderListId: waiting.orderListId })).body.listOrderStatus).toBe('ALL_DONE');
    await simRequest(sim, 'DELETE', '/api/v3/openOrders', { symbol: 'BTCUSDT' });

    const filled = await place('oto-fill');
    sim.feed.setPrice('BTCUSDT', '67990');
    expect(await order(filled.orders[1]!.orderId)).toMatchObject({ status: 'NEW' });
    const moved = await replace(filled.orders[1]!.orderId, '67000');
    expect(moved.status).toBe(200);
    expect(await order(filled.orders[0]!.orderId)).toMatchObject({ status: 'FILLED' });
    expect(await order(filled.orders[1]!.orderId)).toMatchObject({ status: 'CANCELED' });
    const lone = (moved.body.newOrderResponse as Body).orderId as number;
    expect(await order(lone)).toMatchObject({ status: 'NEW', orderListId: -1, stopPrice: '67000.00000000' });
  });

  test('DELETE /api/v3/openOrders cancels lists too and shows each list once with its legs', async () => {
    const lone = (await simRequest<{ orderId: number }>(sim, 'POST', '/api/v3/order', {
      symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', timeInForce: 'GTC', quantity: '0.01', price: '60000',
    })).body;
    const list = (await simRequest<ListBody>(sim, 'POST', '/api/v3/orderList/oco', SELL_OCO)).body;
    const res = await simRequest<Body[]>(sim, 'DELETE', '/api/v3/openOrders', { symbol: 'BTCUSDT' });
    expect(res.status).toBe(200);
    expect(res.body).toHaveLength(2);
    expect(res.body[0]).toMatchObject({ orderId: lone.orderId, orderListId: -1, status: 'CANCELED' });
    expect(res.body[1]).toMatchObject({ orderListId: list.orderListId, contingencyType: 'OCO', listStatusType: 'ALL_DONE', listOrderStatus: 'ALL_DONE' });
    expect((res.body[1]!.orderReports as Body[]).map((r) => [r.origClientOrderId, r.status])).toEqual([['sl-1', 'CANCELED'], ['tp-1', 'CANCELED']]);
    expect(sim.control.balances().BTC).toEqual({ free: '1', locked: '0' });
  });
});

describe('order lists: MAX_NUM_ORDER_LISTS', () => {
  test('a symbol with the filter refuses one list too many', async () => {
    const info = bundledExchangeInfo();
    const exchangeInfo = {
      ...info,
      symbols: info.symbols.map((s) => (s.symbol === 'BTCUSDT'
        // The bundled rules already carry Binance's MAX_NUM_ORDER_LISTS of 20: replace it.
        ? { ...s, filters: [...s.filters.filter((f) => f.filterType !== 'MAX_NUM_ORDER_LISTS'), { filterType: 'MAX_NUM_ORDER_LISTS' as const, maxNumOrderLists: 1 }] }
        : s)),
    };
    const sim = await startTestSimulator({ balances: { USDT: '10000', BTC: '1' }, prices: { BTCUSDT: '69000' }, exchangeInfo });
    try {
      expect((await simRequest(sim, 'POST', '/api/v3/orderList/oco', SELL_OCO)).status).toBe(200);
      expect((await simRequest(sim, 'POST', '/api/v3/orderList/oco', { ...SELL_OCO, aboveClientOrderId: 'a2', belowClientOrderId: 'b2' })).body).toEqual({
        code: -1013, msg: 'Filter failure: MAX_NUM_ORDER_LISTS',
      });
    } finally {
      await sim.close();
    }
  });
});
