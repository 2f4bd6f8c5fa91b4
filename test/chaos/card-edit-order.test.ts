/**
 * A card must end on its latest state even
 * when an older edit's request is overtaken — it waited in-line on a 429 (auto-retry) or was slow,
 * and reached Telegram after the newer edit. The revision claim is taken before the request, so on
 * its own it cannot stop an older request that is already on its way.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { startChaosStack, type ChaosStack } from './support/chaos-stack.js';

let stack: ChaosStack | undefined;
afterAll(() => stack?.close());

const CHAT = 7351;

describe('card edits overtaken on the way to Telegram', () => {
  it.each([
    ['waited out a 429 in-line', { kind: 'too-many-requests', retryAfter: 1 }],
    ['was slow', { kind: 'delay', delayMs: 1_500 }],
  ] as const)('ends on the newest state when the older edit %s', async (_what, fault) => {
    stack ??= await startChaosStack({ allowedUsers: [] });
    const s = stack;
    const card = await s.bot.api.sendMessage(CHAT, 'queued', { parse_mode: 'HTML' });
    const edit = (revision: number) => ({ key: `order-${card.message_id}-${revision}`, chatId: CHAT, editMessageId: card.message_id, revision, text: `<b>rev ${revision}</b>`, category: 'order' as const });

    s.telegram.injectFault({ method: 'editMessageText', ...fault });
    await s.alertsQueue.enqueue(edit(3));
    // The older edit has claimed its revision and its request is held (429 wait or slow answer).
    await expect.poll(async () => (await s.alertsQueue.queue.getJob(edit(3).key))?.isActive(), { message: 'the older edit to be in flight' }).toBeTruthy();
    await expect.poll(() => s.telegram.calls('editMessageText').length > 0 || fault.kind === 'delay', { message: 'the first attempt to reach Telegram' }).toBeTruthy();
    await s.alertsQueue.enqueue(edit(4));
    await expect.poll(async () => (await s.alertsQueue.queue.getJob(edit(4).key))?.isCompleted(), { message: 'the newer edit to be delivered' }).toBeTruthy();
    await expect.poll(async () => (await s.alertsQueue.queue.getJob(edit(3).key))?.isCompleted(), { message: 'the older edit to finish' }).toBeTruthy();
    expect(s.telegram.message(CHAT, card.message_id)?.text).toBe('<b>rev 4</b>');
  });
});
