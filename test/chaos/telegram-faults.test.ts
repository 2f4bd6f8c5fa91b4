/**
 * Telegram faults: the alerts worker delivers push alerts and card edits while the fake
 * Bot API answers 429 with retry_after (short ones are waited in-line by auto-retry, a longer one
 * holds the whole queue), 502, and slow responses. Every alert must arrive exactly once — delayed,
 * never dropped, never doubled — a key enqueued twice must still arrive once, and a card must end
 * on its latest state even when an older edit is retried after a newer one.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { BotApiFault } from '../support/fake-bot-api.js';
import { createPrng, seedOf, type Prng } from '../fuzz/prng.js';
import { startChaosStack, type ChaosStack } from './support/chaos-stack.js';
import { recordFigures, tally } from './support/figures.js';
import { budgetMs, FULL_RUN, scale } from './support/scale.js';

const CHATS = [7301, 7302, 7303, 7304, 7305, 7306, 7307, -1007300000001];
const alerts = scale.telegramAlerts();
/** Fault injections happen between batches; the short run has fewer (each 5xx costs 3 s of in-line backoff). */
const BATCHES = FULL_RUN ? 20 : 5;

function randomFault(prng: Prng): BotApiFault {
  return prng.weighted<BotApiFault>([
    [3, { kind: 'too-many-requests', retryAfter: prng.pick([1, 2]) }],
    [1, { kind: 'too-many-requests', retryAfter: 4 }],
    [3, { kind: 'server-error', status: prng.pick([500, 502, 503]) }],
    [3, { kind: 'delay', delayMs: prng.between(200, 1_500) }],
  ]);
}

let stack: ChaosStack | undefined;
afterAll(() => stack?.close());

describe('chaos: Telegram faults while alerts are delivered', () => {
  it(
    `${alerts} alerts and card edits through 429s, 5xx and slow answers arrive once each`,
    async () => {
      const prng = createPrng(seedOf(0x7e1e));
      // In-line waits up to 3 s (production: 30 s); retry_after 4 therefore holds the queue instead.
      stack = await startChaosStack({ allowedUsers: [], alertsWorker: { maxDelaySeconds: 3 } });
      const s = stack;
      const injected: Record<string, number> = {};

      // Cards to edit: each gets "placed" (rev 2), "partly filled" (rev 3) and "filled" (rev 4) edits,
      // queued in a shuffled order, so older edits often run after newer ones.
      const cards = await Promise.all(CHATS.map((chatId, i) => s.bot.api.sendMessage(chatId, `card ${i}: queued`, { parse_mode: 'HTML' })));
      const edits = cards.flatMap((card, i) =>
        ([2, 3, 4] as const).map((revision) => ({
          key: `edit-${i}-${revision}`,
          chatId: card.chat.id,
          editMessageId: card.message_id,
          revision,
          text: `card ${i}: <b>rev ${revision}</b>`,
          category: 'order' as const,
        })),
      );
      const pushes = Array.from({ length: alerts }, (_, i) => ({
        key: `push-${i}`,
        chatId: prng.pick(CHATS),
        text: `🔔 Alert <b>#${i}</b> &amp; ${'·'.repeat(prng.int(40))} <i>done</i>`,
        category: 'fill' as const,
      }));
      const all = [...pushes, ...edits].sort(() => prng.next() - 0.5);
      let duplicatesEnqueued = 0;
      for (let b = 0; b < BATCHES; b++) {
        for (let f = prng.between(1, 3); f > 0; f--) {
          const fault = randomFault(prng);
          s.telegram.injectFault(fault);
          tally(injected, fault.kind === 'too-many-requests' ? `429 retry_after ${fault.retryAfter}` : fault.kind === 'server-error' ? `${fault.status}` : 'slow');
        }
        const batch = all.slice(Math.floor((b * all.length) / BATCHES), Math.floor(((b + 1) * all.length) / BATCHES));
        for (const alert of batch) {
          await s.alertsQueue.enqueue(alert);
          // A stream reconnect or a retried job queues the same alert again: it must still arrive once.
          if (prng.chance(0.1)) {
            await s.alertsQueue.enqueue(alert);
            duplicatesEnqueued++;
          }
        }
      }

      const delivered = () => s.telegram.calls('sendMessage').filter((c) => c.status === 'ok');
      await expect.poll(async () => {
        const counts = await s.alertsQueue.queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
        return Object.values(counts).every((n) => n === 0) || undefined;
      }, { message: 'the alerts queue to drain', timeout: budgetMs(60_000, 300, all.length) }).toBeTruthy();

      let lost = 0;
      let doubled = 0;
      for (const push of pushes) {
        const copies = delivered().filter((c) => String(c.payload.text).includes(`<b>#${push.key.slice(5)}</b>`) && c.payload.chat_id === push.chatId).length;
        if (copies === 0) lost++;
        if (copies > 1) doubled++;
      }
      let rolledBack = 0;
      for (const [i, card] of cards.entries()) {
        if (s.telegram.message(card.chat.id, card.message_id)?.text !== `card ${i}: <b>rev 4</b>`) rolledBack++;
      }
      const failed = await s.alertsQueue.queue.getJobs(['failed']);
      const faultAnswers = s.telegram.calls().filter((c) => c.status !== 'ok').length;
      const hits = s.secretHits();
      recordFigures('telegram-faults', {
        seed: prng.seed,
        pushAlerts: pushes.length,
        cardEdits: edits.length,
        duplicatesEnqueued,
        faultsInjected: Object.values(injected).reduce((a, b) => a + b, 0),
        injected,
        faultAnswers,
        lostAlerts: lost,
        doubledAlerts: doubled,
        cardsRolledBack: rolledBack,
        failedJobs: failed.length,
        secretsFound: hits.length,
      });
      expect(failed.map((j) => `${j.data.key}: ${j.failedReason}`)).toEqual([]);
      expect(lost).toBe(0);
      expect(doubled).toBe(0);
      expect(rolledBack).toBe(0);
      expect(s.telegram.calls().some((c) => c.status === 429)).toBe(true);
      expect(hits).toEqual([]);
    },
    budgetMs(90_000, 300, alerts),
  );
});
