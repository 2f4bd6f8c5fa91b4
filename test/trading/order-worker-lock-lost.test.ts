/**
 * An order worker that loses its job's lock while alive (a Redis failover, a
 * partition, a long pause) must not send beside the worker that takes the job over. Two real
 * order workers against real Redis and the simulator over HTTP; the lock is deleted as a
 * failover would lose it.
 */
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { createOrderRecords, isSendFenceLost } from '../../src/trading/orders/order-records.js';
import { uniquePrefix } from '../support/redis.js';
import { eventually } from '../support/wait.js';
import { startHarness, TRADER, type Harness } from './pipeline-harness.js';
import type { OrderRequest } from '../../src/trading/types.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const MARKET_BUY: OrderRequest = { symbol: 'BTCUSDT', side: 'BUY', amount: { kind: 'base', quantity: '0.001' } };

const lockKeyOf = (harness: Harness, jobId: string) => `${harness.prefix}:orders:${jobId}:lock`;

async function lockLostCount(registry: Registry): Promise<number> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === 'binance_chatops_order_jobs_total');
  const values = (metric as { values?: Array<{ value: number; labels: Record<string, string> }> } | undefined)?.values ?? [];
  return values.filter((v) => v.labels.outcome === 'lock-lost').reduce((sum, v) => sum + v.value, 0);
}

describe('order worker: job lock lost while the worker is alive', () => {
  it('a worker whose lock vanished during its re-validation reads does not send beside the worker that took the job over', async () => {
    // Long enough for the 4 s account read; nothing here waits on a time-out.
    h = await startHarness({ timeoutMs: 6_000 });
    const card = await h.service.prepareOrder(MARKET_BUY, TRADER);
    await h.service.attachCard(card.intentId, 950);
    // The first worker's re-validation is slow: its GET account takes 4 s.
    h.sim.control.faults.inject({ method: 'GET', path: '/api/v3/account', action: 'delay', delayMs: 4_000 });
    const firstRegistry = new Registry();
    const first = h.startWorker({ concurrency: 1, registry: firstRegistry });
    await h.service.confirm(card.intentId, TRADER.userId);

    // While it waits, its lock is lost.
    const lockKey = lockKeyOf(h, card.intentId);
    const firstToken = await eventually(() => h!.producer.get(lockKey).then((t) => t ?? undefined), 'the first worker to lock the job');
    await h.producer.del(lockKey);

    // A second worker takes the job over (stalled check), finds no mark and no order, and sends.
    h.startWorker({ concurrency: 1 });
    const settled = await h.settled(card.intentId);
    expect(settled.state).toBe('completed');
    expect(settled.returnvalue).toMatchObject({ adopted: false, status: 'FILLED' });
    expect(await h.producer.get(lockKey)).not.toBe(firstToken);

    // close() waits for the first worker's job run to end: by then it has sent, or been refused.
    await first.close();
    const orders = h.sim.control.orders('BTCUSDT').filter((o) => o.clientOrderId === `bco-${card.intentId}`);
    expect(orders, 'exchange orders under the client order id').toHaveLength(1);
    expect(h.orderPosts(), 'order requests that reached the exchange').toHaveLength(1);
    expect(await lockLostCount(firstRegistry), 'the first worker refused by the fence').toBe(1);
    // The card: one final edit, by the owner, matching the exchange; nothing from the first worker.
    const edits = await h.cardAlerts(card.intentId);
    expect(edits).toHaveLength(1);
    expect(edits[0]!.text).toContain('✅ Filled');
    expect(edits.some((e) => e.text.includes('Not placed'))).toBe(false);
  }, 30_000);

  it('a worker whose lock vanished leaves the card to the new owner when its own attempt is refused', async () => {
    // Enough USDT for one 0.001 BTC market buy, not two: the first worker's late balance read
    // (after the second worker's buy) refuses the order as final.
    h = await startHarness({ timeoutMs: 6_000, sim: { balances: { USDT: '100' } } });
    const card = await h.service.prepareOrder(MARKET_BUY, TRADER);
    await h.service.attachCard(card.intentId, 951);
    h.sim.control.faults.inject({ method: 'GET', path: '/api/v3/account', action: 'delay', delayMs: 3_000 });
    const firstRegistry = new Registry();
    const first = h.startWorker({ concurrency: 1, registry: firstRegistry });
    await h.service.confirm(card.intentId, TRADER.userId);
    const lockKey = lockKeyOf(h, card.intentId);
    await expect.poll(() => h!.producer.get(lockKey).then((t) => t ?? undefined), { message: 'the first worker to lock the job' }).toBeTruthy();
    await h.producer.del(lockKey);
    h.startWorker({ concurrency: 1 });
    expect((await h.settled(card.intentId)).returnvalue).toMatchObject({ adopted: false, status: 'FILLED' });
    await first.close();

    expect(h.sim.control.orders('BTCUSDT')).toHaveLength(1);
    // Not "❌ Not placed: not enough balance" over the filled order: the old owner wrote nothing.
    const edits = await h.cardAlerts(card.intentId);
    expect(edits.map((e) => e.key)).toEqual([expect.stringMatching(/^card-.*-filled-/)]);
    expect(edits[0]!.text).toContain('✅ Filled');
    expect(await lockLostCount(firstRegistry), 'the first worker knew it was no longer the owner').toBe(1);
  }, 30_000);

  it('a worker whose lock vanished after its fenced send mark lets the taker-over adopt its order', async () => {
    // A recvWindow longer than the delay: the slow request is executed, not refused for its timestamp.
    h = await startHarness({ timeoutMs: 3_000, recvWindowMs: 5_000 });
    const card = await h.service.prepareOrder(MARKET_BUY, TRADER);
    // The first worker's order request is slow on the wire: its lock is lost meanwhile.
    h.sim.control.faults.inject({ method: 'POST', path: '/api/v3/order', action: 'delay', delayMs: 1_500 });
    const first = h.startWorker({ concurrency: 1 });
    await h.service.confirm(card.intentId, TRADER.userId);
    const clientOrderId = `bco-${card.intentId}`;
    await expect.poll(() => h!.records.sendAttemptedAt(clientOrderId), { message: 'the first worker to mark its send' }).toBeTruthy();
    await h.producer.del(lockKeyOf(h, card.intentId));

    h.startWorker({ concurrency: 1 });
    const settled = await h.settled(card.intentId);
    expect(settled.state).toBe('completed');
    // The mark tells the second worker a request may be out: it looks the order up instead of sending.
    expect(settled.returnvalue).toMatchObject({ adopted: true });
    await first.close();
    expect(h.orderPosts()).toHaveLength(1);
    expect(h.sim.control.orders('BTCUSDT').filter((o) => o.clientOrderId === clientOrderId)).toHaveLength(1);
    const finals = (await h.cardAlerts(card.intentId)).map((e) => e.key);
    expect(new Set(finals).size).toBe(1);
  }, 30_000);
});

describe('order records: the fenced send mark', () => {
  it('is taken only while the lock holds the token, and cleared only by its taker', async () => {
    h = await startHarness();
    const prefix = uniquePrefix('fence');
    const records = createOrderRecords({ redis: h.producer, prefix });
    const lock = `${prefix}:orders:job-1:lock`;
    const mine = { key: lock, token: 'worker-a:1' };
    const theirs = { key: lock, token: 'worker-b:7' };

    // No lock at all (deleted, expired, a failover that lost it): refused, nothing marked.
    const refused = await records.markSendAttempted('bco-x', 1_000, mine).catch((e: unknown) => e);
    expect(isSendFenceLost(refused)).toBe(true);
    expect((refused as { code: string }).code).toBe('ORDER_LOCK_LOST');
    expect(await records.sendAttemptedAt('bco-x')).toBeUndefined();

    // Someone else's lock: refused.
    await h.producer.set(lock, theirs.token);
    expect(isSendFenceLost(await records.markSendAttempted('bco-x', 1_000, mine).catch((e: unknown) => e))).toBe(true);
    expect(await records.sendAttemptedAt('bco-x')).toBeUndefined();

    // The holder marks; the mark reads as its time.
    await records.markSendAttempted('bco-x', 2_000, theirs);
    expect(await records.sendAttemptedAt('bco-x')).toBe(2_000);
    // The old owner's clear leaves the holder's mark; the holder's clears it.
    await records.clearSendAttempted('bco-x', mine);
    expect(await records.sendAttemptedAt('bco-x')).toBe(2_000);
    await records.clearSendAttempted('bco-x', theirs);
    expect(await records.sendAttemptedAt('bco-x')).toBeUndefined();

    // Unfenced marks (and marks written before the fence existed) still read and clear.
    await h.producer.set(`${prefix}:order-send:bco-y`, '3000');
    expect(await records.sendAttemptedAt('bco-y')).toBe(3_000);
    await records.clearSendAttempted('bco-y');
    expect(await records.sendAttemptedAt('bco-y')).toBeUndefined();
  });
});
