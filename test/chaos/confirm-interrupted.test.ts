/**
 * A Confirm whose intent
 * flip reached Redis but whose enqueue never happened — the bot process died between the two, or
 * Redis was killed after persisting the flip but before answering — must not leave an intent that
 * the bot calls "already confirmed" while no job exists. The trader taps again at once (the
 * spinner hung, or the first tap was answered with an error); that tap must leave a job behind.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { isAppError } from '../../src/errors.js';
import { startHarness, TRADER, type Harness } from '../trading/pipeline-harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('a confirmation interrupted between the flip and the enqueue', () => {
  it('is queued by the next tap, even one made at once, and placed exactly once', async () => {
    h = await startHarness();
    const card = await h.service.prepareOrder({ symbol: 'BTCUSDT', side: 'BUY', amount: { kind: 'base', quantity: '0.001' } }, TRADER);
    // The first tap's flip landed; its process died before queue.add.
    await h.service.intents.confirm(card.intentId, TRADER.userId);
    expect(await h.ordersQueue.queue.getJob(card.intentId)).toBeUndefined();

    // The trader taps again straight away: whatever the answer, a job must now exist.
    const answer = await h.service.confirm(card.intentId, TRADER.userId).then(
      (outcome) => outcome.status,
      (error: unknown) => (isAppError(error) ? error.code : 'INTERNAL'),
    );
    expect(['queued', 'CONFIRM_ALREADY_USED']).toContain(answer);
    expect(await h.ordersQueue.queue.getJob(card.intentId)).toBeDefined();

    // A third tap (a double tap) adds nothing.
    await h.service.confirm(card.intentId, TRADER.userId).catch(() => undefined);
    h.startWorker();
    expect((await h.settled(card.intentId)).state).toBe('completed');
    expect(h.sim.control.orders('BTCUSDT').filter((o) => o.clientOrderId === `bco-${card.intentId}`)).toHaveLength(1);
    expect(h.orderPosts()).toHaveLength(1);
  });
});
