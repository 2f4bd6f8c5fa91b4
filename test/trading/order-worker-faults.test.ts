import { afterEach, describe, expect, it } from 'vitest';
import { startHarness, TRADER, usdtCap, type Harness } from './pipeline-harness.js';
import type { OrderRequest } from '../../src/trading/types.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const BUY_ODD_QTY: OrderRequest = { symbol: 'BTCUSDT', side: 'BUY', amount: { kind: 'base', quantity: '0.0012345' } };

describe('order worker: unknown outcomes and rate limits', () => {
  it('reconciles a 503 that came after the exchange accepted the order', async () => {
    h = await startHarness();
    h.startWorker();
    h.sim.control.faults.inject({ method: 'POST', path: '/api/v3/order', action: 'error-503-after-execute' });
    const card = await h.service.prepareOrder(BUY_ODD_QTY, TRADER);
    await h.service.confirm(card.intentId, TRADER.userId);
    expect((await h.settled(card.intentId)).state).toBe('completed');
    expect(h.orderPosts().map((p) => p.status)).toEqual([503]);
    expect(h.sim.control.orders('BTCUSDT')).toHaveLength(1);
    expect((await h.cardAlerts(card.intentId)).at(-1)!.text).toContain('✅ Filled');
  });

  it('reconciles a time-out after the request was sent', async () => {
    h = await startHarness({ timeoutMs: 400 });
    h.startWorker();
    h.sim.control.faults.inject({ method: 'POST', path: '/api/v3/order', action: 'timeout-after-execute', holdMs: 3_000 });
    const card = await h.service.prepareOrder(BUY_ODD_QTY, TRADER);
    await h.service.confirm(card.intentId, TRADER.userId);
    expect((await h.settled(card.intentId)).state).toBe('completed');
    expect(h.orderPosts()).toHaveLength(1);
    expect(h.sim.control.orders('BTCUSDT')).toHaveLength(1);
  });

  it('sends nothing until Retry-After has passed after a 429, then places the order', async () => {
    h = await startHarness();
    h.startWorker();
    h.sim.control.faults.inject({ method: 'POST', path: '/api/v3/order', action: 'rate-limit-429', retryAfterSeconds: 1 });
    const card = await h.service.prepareOrder(BUY_ODD_QTY, TRADER);
    await h.service.confirm(card.intentId, TRADER.userId);
    expect((await h.settled(card.intentId)).state).toBe('completed');
    const log = h.sim.control.requests();
    const limited = log.find((r) => r.status === 429)!;
    const later = log.filter((r) => r.receivedAt > limited.receivedAt);
    expect(later.some((r) => r.method === 'POST' && r.path === '/api/v3/order' && r.status === 200)).toBe(true);
    for (const r of later) expect(r.receivedAt - limited.receivedAt).toBeGreaterThanOrEqual(1_000);
    expect(h.sim.control.orders('BTCUSDT')).toHaveLength(1);
  });
});

describe('order worker: crashes and changed rules', () => {
  it('adopts the order of a worker killed while its request was in flight', async () => {
    h = await startHarness();
    const first = h.startWorker();
    h.sim.control.faults.inject({ method: 'POST', path: '/api/v3/order', action: 'delay', delayMs: 400 });
    const card = await h.service.prepareOrder(BUY_ODD_QTY, TRADER);
    await h.service.confirm(card.intentId, TRADER.userId);
    await expect.poll(() => h!.records.sendAttemptedAt(`bco-${card.intentId}`), { message: 'the send mark' }).toBeTruthy();
    await first.worker.close(true);
    h.startWorker();
    const settled = await h.settled(card.intentId);
    expect(settled.state).toBe('completed');
    expect(settled.returnvalue).toMatchObject({ adopted: true });
    expect(h.sim.control.orders('BTCUSDT')).toHaveLength(1);
  });

  it('waits out the send mark of a crashed worker before placing, then places once', async () => {
    h = await startHarness({ timeoutMs: 500, recvWindowMs: 300 });
    const card = await h.service.prepareOrder(BUY_ODD_QTY, TRADER);
    // A worker marked "send attempted" and died before its request reached the exchange.
    const markedAt = Date.now();
    await h.records.markSendAttempted(`bco-${card.intentId}`, markedAt);
    await h.service.confirm(card.intentId, TRADER.userId);
    h.startWorker();
    const settled = await h.settled(card.intentId);
    expect(settled.returnvalue).toMatchObject({ adopted: false, status: 'FILLED' });
    const posts = h.orderPosts();
    expect(posts).toHaveLength(1);
    // Not before that request could no longer have executed: mark + 2 time-outs + recvWindow + 1 s.
    expect(posts[0]!.receivedAt - markedAt).toBeGreaterThanOrEqual(2 * 500 + 300 + 1_000);
    const lookups = h.sim.control.requests().filter((r) => r.method === 'GET' && r.path === '/api/v3/order');
    expect(lookups.filter((r) => r.status === 400).length).toBeGreaterThanOrEqual(3);
    expect(h.sim.control.orders('BTCUSDT')).toHaveLength(1);
  });

  it('decides "not placed" after a 500 whose order never appears, and places it on the next attempt', async () => {
    h = await startHarness({ recvWindowMs: 300 });
    h.startWorker();
    h.sim.control.faults.inject({ method: 'POST', path: '/api/v3/order', action: 'error-500-before' });
    const card = await h.service.prepareOrder(BUY_ODD_QTY, TRADER);
    await h.service.confirm(card.intentId, TRADER.userId);
    expect((await h.settled(card.intentId)).state).toBe('completed');
    expect(h.orderPosts().map((p) => p.status)).toEqual([500, 200]);
    expect(h.sim.control.orders('BTCUSDT')).toHaveLength(1);
    // Two attempts: the one that decided "not placed", and the one that placed it.
    const job = await h.ordersQueue.queue.getJob(card.intentId);
    expect(job!.attemptsMade).toBe(2);
  });

  it('tells the trader when the attempts run out', async () => {
    h = await startHarness({ recvWindowMs: 300, attempts: 2 });
    h.startWorker();
    h.sim.control.faults.inject({ method: 'POST', path: '/api/v3/order', action: 'error-500-before', times: 10 });
    const card = await h.service.prepareOrder(BUY_ODD_QTY, TRADER);
    await h.service.attachCard(card.intentId, 901);
    await h.service.confirm(card.intentId, TRADER.userId);
    expect((await h.settled(card.intentId)).state).toBe('failed');
    expect(h.sim.control.orders('BTCUSDT')).toHaveLength(0);
    const edit = (await h.cardAlerts(card.intentId)).at(-1)!;
    expect(edit.text).toContain('❌ Not placed: The exchange did not confirm the order, and it does not have it. Gave up after 2 attempts.');
  });

  it('holds the queue through a 418 ban, alerts the trader, and places afterwards', async () => {
    h = await startHarness();
    h.startWorker();
    h.sim.control.faults.inject({ method: 'POST', path: '/api/v3/order', action: 'ban-418', retryAfterSeconds: 1 });
    const card = await h.service.prepareOrder(BUY_ODD_QTY, TRADER);
    await h.service.confirm(card.intentId, TRADER.userId);
    expect((await h.settled(card.intentId)).state).toBe('completed');
    const log = h.sim.control.requests();
    const banned = log.find((r) => r.status === 418)!;
    for (const r of log.filter((x) => x.receivedAt > banned.receivedAt)) expect(r.receivedAt - banned.receivedAt).toBeGreaterThanOrEqual(1_000);
    const alerts = await h.alertsQueue.queue.getJobs(['waiting', 'completed', 'delayed']);
    expect(alerts.some((j) => j.data.key.startsWith('ip-ban-') && j.data.text.includes('banned'))).toBe(true);
    expect(h.sim.control.orders('BTCUSDT')).toHaveLength(1);
  });

  it('refuses in the worker when a filter changed after the card, and says why', async () => {
    h = await startHarness();
    const card = await h.service.prepareOrder({ symbol: 'BTCUSDT', side: 'BUY', amount: { kind: 'base', quantity: '0.001' }, price: '60000.01' }, TRADER);
    await h.service.attachCard(card.intentId, 900);
    const cache = h.cache;
    h.startWorker({
      symbols: {
        async symbol(name) {
          const info = await cache.symbol(name);
          if (!info) return info;
          // The exchange moved BTCUSDT to a 0.10 tick since the card was priced.
          return { ...info, filters: info.filters.map((f) => (f.filterType === 'PRICE_FILTER' ? { ...f, tickSize: '0.10000000' } : f)) };
        },
      },
    });
    await h.service.confirm(card.intentId, TRADER.userId);
    const settled = await h.settled(card.intentId);
    expect(settled.state).toBe('failed');
    expect(settled.failedReason).toContain('The exchange rules changed since the card');
    expect(h.orderPosts()).toHaveLength(0);
    const edit = (await h.cardAlerts(card.intentId)).at(-1)!;
    expect(edit).toMatchObject({ editMessageId: 900, category: 'error' });
    expect(edit.text).toContain('❌ Not placed: The exchange rules changed since the card');
    expect(edit.text).toContain('0.1');
  });

  it('sends nothing once the sign-by deadline after its send mark has passed, clears the mark and retries', async () => {
    h = await startHarness({ attempts: 2 });
    const card = await h.service.prepareOrder({ symbol: 'BTCUSDT', side: 'BUY', amount: { kind: 'base', quantity: '0.001' } }, TRADER);
    // A deadline already past at the mark (a negative in-flight bound) makes every request late when
    // it is signed: what a worker held up in the gate or a clock resync past the bound meets.
    h.startWorker({ reconcile: { recvWindowMs: 1_000, inFlightBoundMs: -60_000, engineMarginMs: 300, firstDelayMs: 50, maxDelayMs: 200 } });
    await h.service.confirm(card.intentId, TRADER.userId);
    const settled = await h.settled(card.intentId);
    expect(settled.state).toBe('failed');
    expect(settled.failedReason).toContain('held up on its way out and was not sent');
    expect(h.orderPosts()).toHaveLength(0);
    expect(await h.records.sendAttemptedAt(`bco-${card.intentId}`)).toBeUndefined();
    const final = (await h.cardAlerts(card.intentId)).at(-1)!;
    expect(final.text).toContain('❌ Not placed');
    expect(final.text).toContain('Gave up after 2 attempts');
  });

  it('enforces MAX_ORDER_VALUE again in the worker', async () => {
    h = await startHarness();
    const card = await h.service.prepareOrder({ symbol: 'BTCUSDT', side: 'BUY', amount: { kind: 'quote', quoteQty: '150' } }, TRADER);
    h.startWorker({ orderCap: usdtCap('100') });
    await h.service.confirm(card.intentId, TRADER.userId);
    const settled = await h.settled(card.intentId);
    expect(settled.state).toBe('failed');
    expect(settled.failedReason).toBe('This order is worth about 150.00 USDT, over the limit of 100.00 USDT per order (MAX_ORDER_VALUE).');
    expect(h.orderPosts()).toHaveLength(0);
  });
});
