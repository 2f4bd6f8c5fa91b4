/**
 * The allow-list (DESIGN.md §8): someone not on TELEGRAM_ALLOWED_USERS gets one refusal line
 * and nothing else happens — no command runs, the exchange hears nothing, nothing leaks.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../src/errors.js';
import { DESK_CHAT_ID, startApp, STRANGER, TRADER, type AppHarness } from '../support/app-harness.js';
import { FAKE_BOT_USER } from '../support/fake-bot-api.js';
import { expectEveryCallAccepted } from './bot-assertions.js';

describe('allow-list', () => {
  let app: AppHarness;
  let intentCard: { messageId: number; confirmData: string };

  beforeAll(async () => {
    app = await startApp();
    // A live card of an allowed trader, which a stranger will try to press.
    await app.send('/buy BTCUSDT 0.001');
    const card = app.lastMessage();
    const confirmData = (card.reply_markup as { inline_keyboard: Array<Array<{ callback_data: string }>> }).inline_keyboard[0]![0]!.callback_data;
    intentCard = { messageId: card.message_id, confirmData };
  });
  afterAll(() => app.close());
  beforeEach(async () => {
    await app.fresh();
    app.sim.control.reset();
  });
  afterEach(() => expectEveryCallAccepted(app));

  let strangers = 0;
  const exchangeRequests = () => app.sim.control.requests().length;
  const sentMessages = () => app.telegram!.calls().filter((c) => c.method !== 'answerCallbackQuery');

  it.each(['/balance', '/buy BTCUSDT 100USDT', '/orders', '/status', '/start', 'hello', '/cancel all'])(
    'answers %s in a private chat with exactly one refusal and no exchange request',
    async (text) => {
      // A different stranger each time: refusals to one person are throttled (checked below).
      const stranger = { ...STRANGER, id: STRANGER.id + ++strangers };
      await app.send(text, { from: stranger });
      const calls = sentMessages();
      expect(calls).toHaveLength(1);
      expect(calls[0]).toMatchObject({ method: 'sendMessage', status: 'ok', payload: { chat_id: stranger.id, text: ERROR_CODES.BOT_NOT_ALLOWED } });
      expect(exchangeRequests()).toBe(0);
      // The next message within the window is not answered again: the bot is no amplifier.
      await app.send(text, { from: stranger });
      expect(sentMessages()).toHaveLength(1);
      expect(exchangeRequests()).toBe(0);
    },
  );

  it('refuses a group command aimed at the bot once, and stays silent about group chatter', async () => {
    await app.send('Anyone up for a trade?', { from: STRANGER, chatId: DESK_CHAT_ID });
    await app.send(`/balance@someotherbot`, { from: STRANGER, chatId: DESK_CHAT_ID });
    expect(sentMessages()).toHaveLength(0);

    await app.send(`/balance@${FAKE_BOT_USER.username}`, { from: STRANGER, chatId: DESK_CHAT_ID });
    expect(sentMessages()).toHaveLength(1);
    expect(sentMessages()[0]).toMatchObject({ payload: { chat_id: DESK_CHAT_ID, text: ERROR_CODES.BOT_NOT_ALLOWED } });
    expect(exchangeRequests()).toBe(0);
  });

  it.each([
    ['a private chat', undefined],
    ['a group', DESK_CHAT_ID],
  ])("answers a stranger's button press in %s with the refusal and places nothing", async (_, chatId) => {
    await app.press(intentCard.messageId, intentCard.confirmData, { from: STRANGER, ...(chatId !== undefined ? { chatId } : {}) });
    await app.press(intentCard.messageId, 'k:BTCUSDT:1:6666', { from: STRANGER, ...(chatId !== undefined ? { chatId } : {}) });
    const answers = app.telegram!.calls('answerCallbackQuery');
    expect(answers).toHaveLength(2);
    expect(answers.every((a) => a.payload.text === ERROR_CODES.BOT_NOT_ALLOWED)).toBe(true);
    expect(sentMessages()).toHaveLength(0);
    expect(exchangeRequests()).toBe(0);
    expect(app.orderPosts()).toHaveLength(0);

    // The card is still the trader's: their press goes through.
    expect(app.telegram!.calls('editMessageText')).toHaveLength(0);
  });

  it('lets an allowed user through (the control case)', async () => {
    await app.send('/balance', { from: TRADER });
    expect(app.lastMessage().text).toMatch(/Balances/);
    expect(exchangeRequests()).toBeGreaterThan(0);
  });
});
