/**
 * TELEGRAM_GROUPS (DESIGN.md §3, §8): with groups off, the default, commands and
 * buttons that show or move the account answer only in private chats; in a group the bot says
 * to use a private chat and nothing reaches the exchange. Market views still answer there.
 * The real bot, the trading service and the workers, the simulator over HTTP, the fake Bot API;
 * the group updates are Telegram's own (../shared/fixtures/telegram) with our text and sender.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BUTTON_SCOPES, COMMAND_SCOPES, PRIVATE_CHAT_ONLY } from '../../src/bot/chat-scope.js';
import { COMMANDS } from '../../src/bot/command-table.js';
import { ERROR_CODES } from '../../src/errors.js';
import { startApp, TRADER, type AppHarness } from '../support/app-harness.js';
import { FAKE_BOT_USER, type UpdateUser } from '../support/fake-bot-api.js';
import { fixture } from '../support/fixtures.js';
import { expectEveryCallAccepted } from './bot-assertions.js';

type Update = Record<string, unknown> & { update_id: number; message: Record<string, unknown> & { chat: { id: number; type: string } } };
const captured = fixture<{ getUpdates_result: Update[] }>('telegram/telegram_updates_dev_TelegramBots.json').getUpdates_result;
/** A message in a basic group and one in a supergroup, as Telegram sent them. */
const GROUP_MESSAGE = captured.find((u) => u.message?.chat?.type === 'group')!;
const SUPERGROUP_MESSAGE = captured.find((u) => u.message?.chat?.type === 'supergroup' && typeof u.message.text === 'string')!;

let nextUpdateId = 900_000_000;
let nextMessageId = 70_000;

/** The captured group message, now carrying `text` (a command with its entity) from `from`. */
function groupCommand(template: Update, text: string, from: UpdateUser = TRADER): Update {
  const command = /^\/[a-z_]+(@\w+)?/.exec(text)![0];
  const { new_chat_members: _joined, ...message } = template.message;
  return {
    ...template,
    update_id: nextUpdateId++,
    message: {
      ...message,
      message_id: nextMessageId++,
      from: { is_bot: false, first_name: 'Trader', language_code: 'en', ...from },
      date: Math.floor(Date.now() / 1000),
      text,
      entities: [{ offset: 0, length: command.length, type: 'bot_command' }],
    },
  } as Update;
}

const ACCOUNT_COMMANDS = [
  '/balance',
  '/orders',
  '/orders BTCUSDT',
  '/buy BTCUSDT 0.001',
  '/sell BTCUSDT 0.001',
  '/stop BTCUSDT 60000',
  '/stops',
  '/cancel all',
  '/pause',
  '/resume',
  `/balance@${FAKE_BOT_USER.username}`,
];

describe('account views and orders stay in private chats (TELEGRAM_GROUPS=off)', () => {
  let app: AppHarness;
  beforeAll(async () => {
    app = await startApp();
  });
  afterAll(() => app.close());
  beforeEach(async () => {
    await app.fresh();
    app.sim.control.reset();
  });
  afterEach(() => expectEveryCallAccepted(app));

  const exchangeRequests = () => app.sim.control.requests().length;

  it.each([
    ['a group', GROUP_MESSAGE],
    ['a supergroup', SUPERGROUP_MESSAGE],
  ])('in %s: every account command gets the one sentence and nothing reaches the exchange', async (_, template) => {
    const chatId = template.message.chat.id;
    for (const text of ACCOUNT_COMMANDS) await app.deliver(groupCommand(template, text));

    const sent = app.telegram!.calls('sendMessage');
    expect(sent).toHaveLength(ACCOUNT_COMMANDS.length);
    for (const call of sent) {
      expect(call.payload).toMatchObject({ chat_id: chatId, text: PRIVATE_CHAT_ONLY });
      expect(call.payload.reply_markup).toBeUndefined();
    }
    expect(exchangeRequests()).toBe(0);
    expect(await app.trading.isPaused()).toBe(false);
    const depths = await app.trading.queueDepths();
    expect(depths.orders.waiting + depths.orders.active + depths.orders.delayed).toBe(0);
  });

  it('says it in one plain sentence', () => {
    expect(PRIVATE_CHAT_ONLY).toBe(ERROR_CODES.BOT_PRIVATE_CHAT_ONLY);
    expect(PRIVATE_CHAT_ONLY).toMatch(/private chat/);
    expect(PRIVATE_CHAT_ONLY.split(/[.!?](\s|$)/).filter((s) => s?.trim()).length).toBe(1);
  });

  it("leaves another bot's command alone", async () => {
    await app.deliver(groupCommand(SUPERGROUP_MESSAGE, '/balance@someotherbot'));
    expect(app.telegram!.calls('sendMessage')).toHaveLength(0);
    expect(exchangeRequests()).toBe(0);
  });

  it('still answers market views in a group', async () => {
    const chatId = SUPERGROUP_MESSAGE.message.chat.id;
    await app.deliver(groupCommand(SUPERGROUP_MESSAGE, '/price BTCUSDT'));
    await app.deliver(groupCommand(SUPERGROUP_MESSAGE, '/help'));
    await app.deliver(groupCommand(SUPERGROUP_MESSAGE, '/status'));
    const texts = app.telegram!.calls('sendMessage').map((c) => String(c.payload.text));
    expect(texts).toHaveLength(3);
    expect(texts.every((t) => t !== PRIVATE_CHAT_ONLY)).toBe(true);
    expect(texts[0]).toContain('BTCUSDT');
    expect(texts[2]).toContain('Status');
    expect(app.telegram!.calls('sendMessage').every((c) => c.payload.chat_id === chatId)).toBe(true);
  });

  it('answers the same commands in a private chat', async () => {
    await app.send('/balance');
    expect(app.lastMessage().text).toContain('USDT');
    expect(app.lastMessage().text).not.toBe(PRIVATE_CHAT_ONLY);
    expect(app.sim.control.requests().some((r) => r.path === '/api/v3/account')).toBe(true);
  });

  it("refuses a card's Confirm pressed in a group (a card left from when groups were on): no order", async () => {
    // The card as it would be in the group; the press carries the group chat.
    await app.send('/buy BTCUSDT 0.001');
    const card = app.lastMessage();
    const [confirm] = (card.reply_markup as { inline_keyboard: Array<Array<{ callback_data: string }>> }).inline_keyboard.flat();
    // Not reset: the fake must keep the card for the private Confirm below.
    const before = app.telegram!.calls().length;
    app.sim.control.reset();

    await app.press(card.message_id, confirm!.callback_data, { chatId: SUPERGROUP_MESSAGE.message.chat.id });
    await app.press(card.message_id, 'b:all', { chatId: SUPERGROUP_MESSAGE.message.chat.id });
    await app.press(card.message_id, 'k:BTCUSDT:1:1001', { chatId: SUPERGROUP_MESSAGE.message.chat.id });
    const calls = app.telegram!.calls().slice(before);
    expect(calls.map((c) => c.method)).toEqual(['answerCallbackQuery', 'answerCallbackQuery', 'answerCallbackQuery']);
    for (const a of calls) expect(a.payload).toMatchObject({ text: PRIVATE_CHAT_ONLY, show_alert: true });
    expect(exchangeRequests()).toBe(0);
    await new Promise((r) => setTimeout(r, 300));
    expect(app.orderPosts()).toHaveLength(0);

    // The same card in the private chat is confirmed as before.
    await app.press(card.message_id, confirm!.callback_data);
    await app.waitForText(card.message_id, /filled/i);
    expect(app.orderPosts()).toHaveLength(1);
  });
});

describe('TELEGRAM_GROUPS=on keeps a desk in a group', () => {
  let app: AppHarness;
  beforeAll(async () => {
    app = await startApp({ telegramGroups: true, workers: false });
  });
  afterAll(() => app.close());

  it('shows balances and cards in the group', async () => {
    const chatId = SUPERGROUP_MESSAGE.message.chat.id;
    await app.deliver(groupCommand(SUPERGROUP_MESSAGE, '/balance'));
    await app.deliver(groupCommand(SUPERGROUP_MESSAGE, '/buy BTCUSDT 0.001'));
    const [balance, card] = app.messages(chatId);
    expect(balance!.text).toContain('USDT');
    expect(balance!.text).not.toBe(PRIVATE_CHAT_ONLY);
    expect(card!.reply_markup).toBeDefined();
  });
});

describe('the scope tables', () => {
  it('classify every command and every button', () => {
    expect(Object.keys(COMMAND_SCOPES).sort()).toEqual(COMMANDS.map((c) => c.name).sort());
    expect(Object.keys(BUTTON_SCOPES).sort()).toEqual([
      'alert-setting',
      'balance-all',
      'cancel-order',
      'confirm-cancel',
      'confirm-order',
      'dismiss-cancel',
      'dismiss-order',
      'ledger-keep',
      'ledger-rebuild',
      'period-page',
      'pnl-page',
      'positions-page',
      'price-alert-buy',
      'price-alert-chart',
      'price-alert-off',
      'refresh-balance',
      'refresh-equity',
      'refresh-orders',
      'refresh-periods',
      'refresh-price',
      'refresh-price-alerts',
      'refresh-signals',
      'refresh-status',
      'refresh-stops',
      'retry-protection',
      'sell-unprotected',
      'top-ranking',
      'trades-page',
    ]);
  });
});
