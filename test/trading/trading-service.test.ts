import { mul } from '../../src/decimal.js';
import { afterEach, describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import type { OrderRequest } from '../../src/trading/types.js';
import { OTHER_TRADER, startHarness, TRADER, type Harness, type HarnessOptions } from './pipeline-harness.js';
import { sleep } from '../support/wait.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function refusal(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

async function withHarness(options: HarnessOptions = {}): Promise<Harness> {
  h = await startHarness(options);
  return h;
}

const buy = (amount: OrderRequest['amount'], extra: Partial<OrderRequest> = {}): OrderRequest => ({ symbol: 'BTCUSDT', side: 'BUY', amount, ...extra });

describe('trading service: orders that get no card', () => {
  it('refuses below the minimum, naming the limit', async () => {
    const { service } = await withHarness();
    const error = await refusal(service.prepareOrder(buy({ kind: 'base', quantity: '0.00005' }), TRADER));
    expect(error.code).toBe('ORDER_FILTER_NOTIONAL');
    expect(error.userMessage).toMatch(/5 USDT/);
  });

  it('refuses when the free balance is short, naming both amounts', async () => {
    const { service } = await withHarness();
    const error = await refusal(service.prepareOrder(buy({ kind: 'base', quantity: '1' }), TRADER));
    expect(error.code).toBe('ORDER_INSUFFICIENT_BALANCE');
    expect(error.userMessage).toBe('Not enough free USDT: this order needs about 65,000.00 USDT and 10,000.00 USDT is free.');
    const sell = await refusal(service.prepareOrder({ symbol: 'BTCUSDT', side: 'SELL', amount: { kind: 'base', quantity: '0.6' } }, TRADER));
    expect(sell.userMessage).toContain('Not enough free BTC');
  });

  it('refuses a symbol the exchange does not list, with suggestions when offered', async () => {
    const { service } = await withHarness();
    const plain = await refusal(service.prepareOrder({ ...buy({ kind: 'base', quantity: '1' }), symbol: 'QQQQQQQQ' }, TRADER));
    expect(plain.code).toBe('EXCHANGE_UNKNOWN_SYMBOL');
    expect(plain.userMessage).toBe('The exchange does not list QQQQQQQQ.');
    // The exchangeInfo cache lists every symbol, so near misses get a did-you-mean.
    const hinted = await refusal(service.prepareOrder({ ...buy({ kind: 'base', quantity: '1' }), symbol: 'BTCUSD' }, TRADER));
    expect(hinted.userMessage).toMatch(/^The exchange does not list BTCUSD\. Did you mean BTCUSDT(, [A-Z]+)*\?$/);
  });

  it('refuses over MAX_ORDER_VALUE with a sentence naming the limit', async () => {
    const { service } = await withHarness({ maxOrderValue: '100' });
    const error = await refusal(service.prepareOrder(buy({ kind: 'quote', quoteQty: '150' }), TRADER));
    expect(error.code).toBe('ORDER_OVER_MAX_VALUE');
    expect(error.userMessage).toBe('This order is worth about 150.00 USDT, over the limit of 100.00 USDT per order (MAX_ORDER_VALUE).');
    expect((await h!.audit.recent()).map((e) => `${e.event}:${e.outcome}:${e.detail}`)).toContain('intent:refused:ORDER_OVER_MAX_VALUE');
  });

  it('sends no request to place anything for a refused order', async () => {
    const { service, sim } = await withHarness({ maxOrderValue: '100' });
    await refusal(service.prepareOrder(buy({ kind: 'quote', quoteQty: '150' }), TRADER));
    await refusal(service.prepareOrder(buy({ kind: 'base', quantity: '0.00005' }), TRADER));
    expect(sim.control.requests().filter((r) => r.method !== 'GET')).toHaveLength(0);
    expect(await h!.ordersQueue.queue.getJobCounts()).toMatchObject({ waiting: 0, active: 0, completed: 0 });
  });
});

describe('trading service: sizing', () => {
  it('sends a quote amount as quoteOrderQty for a MARKET order when the symbol allows it', async () => {
    const { service } = await withHarness();
    const card = await service.prepareOrder(buy({ kind: 'quote', quoteQty: '100', asset: 'USDT' }), TRADER);
    const { intent } = (await service.intents.get(card.intentId))!;
    // The exchange floors the bought quantity to the step: the estimate is what that costs, not the amount named.
    expect(intent.preview).toMatchObject({ quoteOrderQty: '100', estimatedQuantity: '0.00153', estimatedNotional: mul('0.00153', intent.preview.lastPrice) });
    expect(intent.preview.quantity).toBeUndefined();
    expect(card.text).toContain('Spend: <b>100.00 USDT</b>');
    expect(card.text).toContain('Estimated quantity: ≈ 0.00153 BTC');
  });

  it('turns a quote amount into a quantity at the limit price, floored to the step', async () => {
    const { service } = await withHarness();
    const card = await service.prepareOrder(buy({ kind: 'quote', quoteQty: '100' }, { price: '60000' }), TRADER);
    const { intent } = (await service.intents.get(card.intentId))!;
    expect(intent.preview).toMatchObject({ type: 'LIMIT', timeInForce: 'GTC', quantity: '0.00166', price: '60000.00' });
  });

  it('sells all or a share of the free base balance', async () => {
    const { service } = await withHarness();
    const all = await service.prepareOrder({ symbol: 'BTCUSDT', side: 'SELL', amount: { kind: 'all' } }, TRADER);
    expect((await service.intents.get(all.intentId))!.intent.preview.quantity).toBe('0.50000');
    const half = await service.prepareOrder({ symbol: 'BTCUSDT', side: 'SELL', amount: { kind: 'percent', percent: '33' } }, TRADER);
    const preview = (await service.intents.get(half.intentId))!.intent.preview;
    expect(preview.quantity).toBe('0.16500');
    expect(preview).toMatchObject({ feeAsset: 'USDT', remainingFree: { asset: 'BTC', amount: '0.335' } });
  });
});

describe('trading service: confirmation', () => {
  it('refuses an expired, a foreign and a dismissed card with their codes, and queues nothing', async () => {
    const { service } = await withHarness({ confirmTtlS: 1 });
    h!.startWorker();
    const stale = await service.prepareOrder(buy({ kind: 'base', quantity: '0.001' }), TRADER);
    const foreign = await service.prepareOrder(buy({ kind: 'base', quantity: '0.001' }), TRADER);
    const dismissed = await service.prepareOrder(buy({ kind: 'base', quantity: '0.001' }), TRADER);
    expect((await refusal(service.confirm(foreign.intentId, OTHER_TRADER.userId))).code).toBe('CONFIRM_FOREIGN');
    expect(await service.dismiss(dismissed.intentId, TRADER.userId)).toContain('✖️ Cancelled. Nothing was sent.');
    expect((await refusal(service.confirm(dismissed.intentId, TRADER.userId))).code).toBe('CONFIRM_CANCELLED');
    await sleep(1_100);
    expect((await refusal(service.confirm(stale.intentId, TRADER.userId))).code).toBe('CONFIRM_EXPIRED');
    expect((await refusal(service.confirm(foreign.intentId, TRADER.userId))).code).toBe('CONFIRM_EXPIRED');
    await sleep(200);
    expect(await h!.ordersQueue.queue.getJobCounts()).toMatchObject({ waiting: 0, active: 0, completed: 0, failed: 0 });
    expect(h!.orderPosts()).toHaveLength(0);
  });

  it('confirms a card within its TTL after the bot restarted, once', async () => {
    const { service } = await withHarness();
    const card = await service.prepareOrder(buy({ kind: 'base', quantity: '0.001' }), TRADER);
    await service.attachCard(card.intentId, 321);
    const restarted = h!.newService();
    h!.startWorker();
    expect((await restarted.confirm(card.intentId, TRADER.userId)).status).toBe('queued');
    expect((await refusal(service.confirm(card.intentId, TRADER.userId))).code).toBe('CONFIRM_ALREADY_USED');
    expect((await h!.settled(card.intentId)).state).toBe('completed');
    expect(h!.orderPosts()).toHaveLength(1);
    expect((await h!.cardAlerts(card.intentId)).at(-1)!.editMessageId).toBe(321);
  });

  it('queues a Confirm while paused and places it only after resume', async () => {
    const { service } = await withHarness();
    h!.startWorker();
    await service.pause(TRADER);
    expect(await service.isPaused()).toBe(true);
    const card = await service.prepareOrder(buy({ kind: 'base', quantity: '0.001' }), TRADER);
    const outcome = await service.confirm(card.intentId, TRADER.userId);
    expect(outcome.status).toBe('queued-paused');
    expect(outcome.text).toContain('Automation is paused: the order leaves after /resume.');
    await sleep(500);
    expect(h!.orderPosts()).toHaveLength(0);
    expect((await service.queueDepths()).orders).toMatchObject({ waiting: 1, paused: true });
    await service.resume(TRADER);
    expect((await h!.settled(card.intentId)).state).toBe('completed');
    expect(h!.orderPosts()).toHaveLength(1);
    const events = (await h!.audit.recent()).map((e) => `${e.event}:${e.outcome}`);
    expect(events).toEqual(expect.arrayContaining(['pause:paused', 'confirm:queued-paused', 'resume:resumed']));
  });

  it('cancels one open order at once and audits it', async () => {
    const { service, sim } = await withHarness();
    h!.startWorker();
    const card = await service.prepareOrder(buy({ kind: 'base', quantity: '0.001' }, { price: '60000' }), TRADER);
    await service.confirm(card.intentId, TRADER.userId);
    const { returnvalue } = await h!.settled(card.intentId);
    const orderId = (returnvalue as { orderId: number }).orderId;
    const text = await service.cancelOrder({ symbol: 'BTCUSDT', orderId }, TRADER);
    expect(text).toContain(`✖️ Cancelled order <code>${orderId}</code>: BUY 0.00100 BTC on BTCUSDT at 60,000.00 USDT.`);
    expect(sim.control.orders('BTCUSDT')[0]!.status).toBe('CANCELED');
    expect((await h!.records.get(`bco-${card.intentId}`))!.status).toBe('CANCELED');
    const again = await refusal(service.cancelOrder({ symbol: 'BTCUSDT', orderId }, TRADER));
    expect(again.userMessage).toBe(`There is no open order ${orderId} on BTCUSDT: it may have filled or been cancelled already.`);
    const events = (await h!.audit.recent()).map((e) => `${e.event}:${e.outcome}:${e.userId}`);
    expect(events).toEqual(expect.arrayContaining([`cancel:canceled:${TRADER.userId}`, `cancel:failed:${TRADER.userId}`]));
  });
});
