import { afterEach, describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { startHarness, TRADER, type Harness } from './pipeline-harness.js';
import type { OrderRequest } from '../../src/trading/types.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const BUY_ODD_QTY: OrderRequest = { symbol: 'BTCUSDT', side: 'BUY', amount: { kind: 'base', quantity: '0.0012345' } };

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'ok';
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  }
}

describe('order worker: the happy path', () => {
  it('floors the card quantity to the step, places exactly one order and edits the card to filled', async () => {
    h = await startHarness();
    const card = await h.service.prepareOrder(BUY_ODD_QTY, TRADER);
    expect(card.text).toContain('Quantity: <b>0.00123 BTC</b>');
    expect(card.text).toContain('Quantity rounded down from 0.0012345 to 0.00123 (step 0.00001).');
    await h.service.attachCard(card.intentId, 777);
    const registry = new Registry();
    h.startWorker({ registry });

    const outcome = await h.service.confirm(card.intentId, TRADER.userId);
    expect(outcome.status).toBe('queued');
    expect(outcome.text).toContain('Confirmed by alice');
    const settled = await h.settled(card.intentId);
    expect(settled.state).toBe('completed');
    expect(settled.returnvalue).toMatchObject({ status: 'FILLED', adopted: false });

    expect(h.orderPosts()).toHaveLength(1);
    const [order, ...others] = h.sim.control.orders('BTCUSDT');
    expect(others).toHaveLength(0);
    expect(order).toMatchObject({ clientOrderId: `bco-${card.intentId}`, side: 'BUY', type: 'MARKET', status: 'FILLED' });
    expect(order!.origQty).toMatch(/^0\.00123(0*)$/);

    const edit = (await h.cardAlerts(card.intentId)).at(-1)!;
    expect(edit).toMatchObject({ chatId: TRADER.chatId, editMessageId: 777, category: 'order', revision: 4 });
    // A market BUY pays the ask: one tick over the last price on the paper exchange's modelled book.
    expect(edit.text).toContain('✅ Filled: <b>0.00123 BTC</b> at avg <b>65,000.01 USDT</b>');
    expect(edit.text).toContain(`Order <code>${order!.orderId}</code>`);

    const record = await h.records.get(`bco-${card.intentId}`);
    expect(record).toMatchObject({ intentId: card.intentId, userId: TRADER.userId, cardMessageId: 777, status: 'FILLED' });
    const events = (await h.audit.recent()).map((e) => `${e.event}:${e.outcome}`);
    expect(events).toEqual(expect.arrayContaining(['intent:card', 'confirm:queued', 'placement:filled']));

    expect(await registry.getSingleMetricAsString('binance_chatops_order_jobs_total')).toContain('binance_chatops_order_jobs_total{outcome="placed"} 1');
    expect(await registry.getSingleMetricAsString('binance_chatops_order_confirm_to_placed_seconds')).toContain('binance_chatops_order_confirm_to_placed_seconds_count 1');
  });

  it('leaves a LIMIT order resting and says so on the card', async () => {
    h = await startHarness();
    const card = await h.service.prepareOrder({ symbol: 'BTCUSDT', side: 'BUY', amount: { kind: 'base', quantity: '0.001' }, price: '60000.005' }, TRADER);
    expect(card.text).toContain('Limit price: <b>60,000.00 USDT</b>');
    expect(card.text).toContain('Price rounded down from 60,000.005 to 60,000 (tick 0.01).');
    expect(card.text).toContain('Free after: 9,940.00 USDT');
    await h.service.attachCard(card.intentId, 778);
    h.startWorker();
    await h.service.confirm(card.intentId, TRADER.userId);
    expect((await h.settled(card.intentId)).returnvalue).toMatchObject({ status: 'NEW' });
    const edit = (await h.cardAlerts(card.intentId)).at(-1)!;
    expect(edit.text).toMatch(/✅ Placed: order <code>\d+<\/code>, resting at 60,000\.00 USDT\./);
    expect(edit.revision).toBe(2);
  });
});

describe('order worker: exactly once', () => {
  it('answers a double tap and a replay after completion without a second order', async () => {
    h = await startHarness();
    h.startWorker();
    const card = await h.service.prepareOrder(BUY_ODD_QTY, TRADER);
    await h.service.confirm(card.intentId, TRADER.userId);
    expect(await codeOf(h.service.confirm(card.intentId, TRADER.userId))).toBe('CONFIRM_ALREADY_USED');
    await h.settled(card.intentId);
    expect(await codeOf(h.service.confirm(card.intentId, TRADER.userId))).toBe('CONFIRM_ALREADY_USED');
    // Even a replayed enqueue (a second bot instance that lost the flip) adds nothing: jobId = intent id.
    const stored = await h.service.intents.get(card.intentId);
    await h.ordersQueue.enqueue(stored!.intent, Date.now());
    expect((await h.ordersQueue.queue.getJob(card.intentId))!.finishedOn).toBeDefined();
    await new Promise((r) => setTimeout(r, 300));
    expect(h.orderPosts()).toHaveLength(1);
  });

  it('lets one of two racing confirms through', async () => {
    h = await startHarness();
    h.startWorker();
    const card = await h.service.prepareOrder(BUY_ODD_QTY, TRADER);
    const results = await Promise.all([1, 2, 3].map(() => codeOf(h!.service.confirm(card.intentId, TRADER.userId))));
    expect(results.sort()).toEqual(['CONFIRM_ALREADY_USED', 'CONFIRM_ALREADY_USED', 'ok']);
    await h.settled(card.intentId);
    expect(h.orderPosts()).toHaveLength(1);
  });

  it('places each order once with two workers racing on one queue', async () => {
    h = await startHarness();
    h.startWorker();
    h.startWorker();
    const cards = await Promise.all(
      Array.from({ length: 8 }, () => h!.service.prepareOrder({ symbol: 'ETHUSDT', side: 'BUY', amount: { kind: 'quote', quoteQty: '20' } }, TRADER)),
    );
    await Promise.all(cards.map((c) => h!.service.confirm(c.intentId, TRADER.userId)));
    for (const c of cards) expect((await h.settled(c.intentId)).state).toBe('completed');
    const ids = h.sim.control.orders('ETHUSDT').map((o) => o.clientOrderId);
    expect(ids).toHaveLength(8);
    expect(new Set(ids)).toEqual(new Set(cards.map((c) => `bco-${c.intentId}`)));
    expect(h.orderPosts()).toHaveLength(8);
  });
});
