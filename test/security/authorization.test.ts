/**
 * Authorization (DESIGN.md §8): updates from people not on the allow-list — commands,
 * plain text, presses of real buttons of an allowed trader's card and of a real open order's
 * Cancel, forged presses, in private chats, in a group shared with the desk, from bots wearing
 * an allowed id, channel posts without a sender — must cause zero exchange requests, touch no
 * intent, and get nothing back but the one refusal line.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { REFUSAL } from '../../src/bot/auth.js';
import { escapeHtml } from '../../src/format.js';
import { callbackUpdate, FAKE_BOT_USER, messageUpdate, type UpdateUser } from '../support/fake-bot-api.js';
import { startChaosStack, user, type Card, type ChaosStack } from '../chaos/support/chaos-stack.js';
import { recordFigures, tally } from '../chaos/support/figures.js';
import { budgetMs, scale } from '../chaos/support/scale.js';
import { createPrng, seedOf } from '../fuzz/prng.js';
import { generateCase } from '../fuzz/update-generator.js';

const TRADER = user(7601);
const DESK = -1_009_000_000_000;
const updates = scale.authUpdates();

let stack: ChaosStack | undefined;
afterAll(() => stack?.close());

describe('authorization: users not on the allow-list', () => {
  it(
    `${updates} updates from strangers: zero exchange requests, no account data, intents untouched`,
    async () => {
      const prng = createPrng(seedOf(0xa075));
      stack = await startChaosStack({ allowedUsers: [TRADER.id], alertsWorker: false });
      const s = stack;
      // What a stranger would love to reach: a live card of the trader and a real open order.
      const cards: Card[] = [];
      for (const command of ['/buy BTCUSDT 0.001', '/sell ETHUSDT 0.05 4000']) {
        const card = await s.orderCard(TRADER, command);
        if (typeof card === 'string') throw new Error(card);
        cards.push(card);
      }
      const open = await s.exchange.newOrder({ symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', timeInForce: 'GTC', quantity: '0.001', price: '50000', newClientOrderId: 'auth-open-order' });
      const knownTexts = s.telegram.calls('sendMessage').map((c) => String(c.payload.text));
      s.telegram.reset();
      const requestsBefore = s.sim.control.requests().length;

      const strangers: UpdateUser[] = Array.from({ length: 50 }, (_, i) => user(8_000_000 + i));
      const kinds: Record<string, number> = {};
      let crashes = 0;
      for (let i = 0; i < updates; i++) {
        const from = prng.pick(strangers);
        const roll = prng.next();
        let update: Record<string, unknown>;
        if (roll < 0.5) {
          update = generateCase(prng, { senders: [from], foreignIntentIds: () => cards.map((c) => c.intentId), botMessageIds: () => cards.map((c) => c.messageId), botUsername: FAKE_BOT_USER.username }).update;
          tally(kinds, 'generated');
        } else if (roll < 0.7) {
          // The trader's own buttons, pressed by someone else, in the trader's chat or the desk.
          const card = prng.pick(cards);
          const data = prng.pick([card.confirmData, `od:${card.intentId}`, `k:BTCUSDT:${open.orderId}:${TRADER.id}`, `k:BTCUSDT:${open.orderId}:${from.id}`, 'b:all', 't:g:10:USDT']);
          update = callbackUpdate({ from, chatId: prng.pick([TRADER.id, DESK, from.id]), messageId: card.messageId, data });
          tally(kinds, 'real buttons');
        } else if (roll < 0.9) {
          const text = prng.pick(['/balance', '/orders', '/cancel all', `/cancel BTCUSDT ${open.orderId}`, '/buy BTCUSDT 0.001', '/status', '/pause', '/start', '/help', `/balance@${FAKE_BOT_USER.username}`, 'hi']);
          update = messageUpdate({ from, chatId: prng.pick([from.id, DESK]), text });
          tally(kinds, 'commands');
        } else if (roll < 0.95) {
          // A bot wearing the trader's id is still not the trader.
          update = messageUpdate({ from: { ...TRADER }, text: '/balance' });
          (update.message as { from: { is_bot: boolean } }).from.is_bot = true;
          tally(kinds, 'bot with an allowed id');
        } else {
          update = { update_id: 900_000_000 + i, channel_post: { message_id: i + 1, chat: { id: -1_001_111, type: 'channel', title: 'c' }, date: 1, text: '/balance' } };
          tally(kinds, 'channel post');
        }
        try {
          await s.bot.handleUpdate(update as never);
        } catch {
          crashes++;
        }
      }

      const exchangeRequests = s.sim.control.requests().slice(requestsBefore);
      const calls = s.telegram.calls();
      const refusalHtml = escapeHtml(REFUSAL);
      const leaks = calls.filter((c) => {
        if (c.method === 'answerCallbackQuery') return c.payload.text !== REFUSAL;
        if (c.method === 'sendMessage') return c.payload.text !== refusalHtml;
        return true;
      });
      const accountData = calls.filter((c) => /\d,\d{3}|USDT|BTC|ETH|orderId|Filled|Placed|balance/i.test(JSON.stringify(c.payload)) || knownTexts.some((t) => JSON.stringify(c.payload).includes(t)));
      const intents = await Promise.all(cards.map((c) => s.trading.intents.get(c.intentId)));
      const stillOpen = s.sim.control.orders('BTCUSDT').find((o) => o.orderId === open.orderId)?.status;
      const hits = s.secretHits();
      recordFigures('authorization', {
        seed: prng.seed,
        updates,
        kinds,
        crashes,
        exchangeRequests: exchangeRequests.length,
        refusalsSent: calls.filter((c) => c.method === 'sendMessage').length,
        buttonRefusals: calls.filter((c) => c.method === 'answerCallbackQuery').length,
        unauthorizedActions: leaks.length + accountData.length + intents.filter((i) => i?.state !== 'pending').length + (stillOpen === 'NEW' ? 0 : 1),
        secretsFound: hits.length,
      });
      expect(crashes).toBe(0);
      expect(exchangeRequests.map((r) => `${r.method} ${r.path}`)).toEqual([]);
      expect(leaks.slice(0, 3)).toEqual([]);
      expect(accountData.slice(0, 3)).toEqual([]);
      expect(intents.map((i) => i?.state)).toEqual(['pending', 'pending']);
      expect(stillOpen).toBe('NEW');
      expect(hits).toEqual([]);
    },
    budgetMs(60_000, 10, updates),
  );
});
