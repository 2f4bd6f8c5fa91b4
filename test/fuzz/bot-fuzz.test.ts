/**
 * Fuzzing the bot: generated command texts and button presses (random arguments,
 * unicode, HTML, huge numbers, exponents, negative zero, 4,000-character lines, forged intent ids,
 * other users' intent ids) go through `bot.handleUpdate` from allowed users, against the real
 * trading service, simulator and Redis. No update may crash the bot or leave an unhandled
 * rejection, every call to Telegram must be one Telegram accepts (valid HTML, within the limits),
 * and nothing may reach the exchange as an order: a card needs its owner's Confirm, which the
 * fuzz never has. Seeded: `CHAOS_SEED=<seed> FUZZ_CASES=<n>` reproduces a run.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { FAKE_BOT_USER } from '../support/fake-bot-api.js';
import { startChaosStack, user, type ChaosStack } from '../chaos/support/chaos-stack.js';
import { recordFigures, tally } from '../chaos/support/figures.js';
import { budgetMs, scale } from '../chaos/support/scale.js';
import { createPrng, seedOf } from './prng.js';
import { checkCall, type ReplyProblem } from './reply-check.js';
import { generateCase, type FuzzCase } from './update-generator.js';

const SENDERS = [7501, 7502, 7503, 7504].map(user);
const VICTIM = user(7599);
const cases = scale.fuzzCases();
/** Updates in flight at once (different chats run in parallel, one chat in order). */
const PARALLEL = 16;
const CHECK_EVERY = 1_000;

let stack: ChaosStack | undefined;
afterAll(() => stack?.close());

describe('fuzz: generated commands and button presses through bot.handleUpdate', () => {
  it(
    `${cases} generated updates: no crash, only valid Telegram payloads, zero orders`,
    async () => {
      const prng = createPrng(seedOf(0xf022));
      stack = await startChaosStack({ allowedUsers: [...SENDERS, VICTIM].map((u) => u.id), alertsWorker: false, confirmTtlS: 3600 });
      const s = stack;
      const foreign: string[] = [];
      const addForeignCards = async () => {
        for (const command of ['/buy BTCUSDT 0.001', '/sell ETHUSDT 0.05 4000']) {
          const card = await s.orderCard(VICTIM, command);
          if (typeof card !== 'string') foreign.push(card.intentId);
        }
      };
      await addForeignCards();
      expect(foreign.length).toBeGreaterThan(0);
      const botMessages = new Map<number, number[]>();

      const unhandled: unknown[] = [];
      const onUnhandled = (reason: unknown) => void unhandled.push(reason);
      process.on('unhandledRejection', onUnhandled);
      const crashes: Array<{ summary: string; error: string }> = [];
      const problems: Array<ReplyProblem & { near: string }> = [];
      const kinds: Record<string, number> = {};
      const methods: Record<string, number> = {};
      let recent: FuzzCase[] = [];
      let telegramCalls = 0;
      let cardsShown = 0;

      const inspect = () => {
        for (const call of s.telegram.calls()) {
          telegramCalls++;
          tally(methods, `${call.method}:${call.status}`);
          if (call.method === 'sendMessage' && JSON.stringify(call.payload.reply_markup ?? '').includes('"oc:')) cardsShown++;
          const problem = checkCall(call);
          if (problem) problems.push({ ...problem, near: recent.map((c) => c.summary).join(' | ').slice(0, 600) });
          const result = call.method === 'sendMessage' && call.status === 'ok' ? Number(call.payload.chat_id) : undefined;
          if (result !== undefined) botMessages.set(result, []);
        }
        for (const chatId of botMessages.keys()) botMessages.set(chatId, s.telegram.messages(chatId).map((m) => m.message_id).slice(-20));
        s.telegram.reset();
      };

      try {
        for (let done = 0; done < cases; ) {
          const batch: FuzzCase[] = [];
          for (let i = 0; i < PARALLEL && done < cases; i++, done++) {
            batch.push(generateCase(prng, { senders: SENDERS, foreignIntentIds: () => foreign, botMessageIds: (chat) => botMessages.get(chat) ?? [], botUsername: FAKE_BOT_USER.username }));
          }
          recent = batch;
          await Promise.all(
            batch.map(async (c) => {
              tally(kinds, c.kind);
              try {
                await s.bot.handleUpdate(c.update as never);
              } catch (error) {
                crashes.push({ summary: c.summary, error: error instanceof Error ? error.message : String(error) });
              }
            }),
          );
          if (done % CHECK_EVERY < PARALLEL) {
            inspect();
            if (done % 20_000 < PARALLEL) await addForeignCards();
          }
        }
        inspect();
      } finally {
        process.off('unhandledRejection', onUnhandled);
      }

      const orderPosts = s.sim.control.requests().filter((r) => r.method === 'POST' && r.path.startsWith('/api/v3/order')).length;
      const jobs = await s.ordersQueue.queue.getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed', 'prioritized');
      const queued = Object.values(jobs).reduce((a, b) => a + b, 0);
      const hits = s.secretHits();
      recordFigures('fuzz', {
        seed: prng.seed,
        cases,
        kinds,
        telegramCalls,
        methods,
        cardsShown,
        crashes: crashes.length,
        unhandledRejections: unhandled.length,
        invalidPayloads: problems.length,
        exchangeRequests: s.sim.control.requests().length,
        orders: s.sim.control.orders().length,
        orderRequests: orderPosts,
        orderJobs: queued,
        secretsFound: hits.length,
      });
      expect(crashes.slice(0, 5)).toEqual([]);
      expect(unhandled.slice(0, 5)).toEqual([]);
      expect(problems.slice(0, 5)).toEqual([]);
      expect(orderPosts).toBe(0);
      expect(s.sim.control.orders()).toEqual([]);
      expect(queued).toBe(0);
      expect(hits).toEqual([]);
    },
    budgetMs(120_000, 15, cases),
  );
});
