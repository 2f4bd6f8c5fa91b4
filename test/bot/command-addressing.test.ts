/**
 * Through the real grammY bot and the fake Bot API: a missing argument is named
 * with the usage and an example; a command written /cmd@name runs when name is this bot (how
 * Telegram sends commands picked from the menu in a group) and is left to the other bot when
 * it is not.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DESK_CHAT_ID, startApp, TRADER, type AppHarness } from '../support/app-harness.js';
import { FAKE_BOT_USER } from '../support/fake-bot-api.js';
import { expectEveryCallAccepted } from './bot-assertions.js';

const ME = FAKE_BOT_USER.username;

describe('command arguments and addressing', () => {
  let app: AppHarness;
  beforeAll(async () => {
    app = await startApp({ workers: false, telegramGroups: true });
  });
  afterAll(() => app.close());
  beforeEach(() => app.telegram!.reset());

  const replyTo = async (text: string, chatId?: number) => {
    const before = app.messages(chatId).length;
    await app.send(text, chatId !== undefined ? { chatId } : {});
    return app.messages(chatId).slice(before);
  };

  it('/sell all names SYMBOL, with the usage and the input as an example', async () => {
    const [reply, ...more] = await replyTo('/sell all');
    expect(more).toEqual([]);
    expect(reply!.text).toBe(['SYMBOL is missing: name the pair first.', 'Usage: /sell SYMBOL AMOUNT|all|N% [PRICE]', 'Example: /sell BTCUSDT all'].join('\n'));
    expect((await replyTo('/sell BTCUSDT'))[0]!.text).toMatch(/^AMOUNT, all or N% is missing\.\nUsage: \/sell /);
    expect((await replyTo('/buy'))[0]!.text).toMatch(/^SYMBOL and AMOUNT are missing\.\nUsage: \/buy SYMBOL AMOUNT \[PRICE\] \[sl=STOP\] \[tp=TARGET\]\nExample: \/buy BTCUSDT 100USDT$/);
    expect((await replyTo('/price'))[0]!.text).toMatch(/^SYMBOL is missing\.\n/);
    expect((await replyTo('/cancel'))[0]!.text).toMatch(/^ORDER_ID, SYMBOL or all is missing\.\n/);
    expect(app.orderPosts()).toHaveLength(0);
    expectEveryCallAccepted(app);
  });

  it(`/buy@${ME} works in a private chat and in a group, as /buy does`, async () => {
    const [card] = await replyTo(`/buy@${ME} BTCUSDT 100USDT`);
    expect(card!.text).toMatch(/Confirm order: <b>BUY BTCUSDT/);
    const [groupCard] = await replyTo(`/price@${ME.toUpperCase()} BTCUSDT`, DESK_CHAT_ID);
    expect(groupCard!.text).toMatch(/BTCUSDT/);
    expect(groupCard!.text).not.toMatch(/Unknown command/);
    expectEveryCallAccepted(app);
  });

  it('/cmd@otherbot is left alone in a group, and explained in a private chat', async () => {
    expect(await replyTo('/buy@other_bot BTCUSDT 100USDT', DESK_CHAT_ID)).toEqual([]);
    expect(await replyTo('/nonsense@other_bot', DESK_CHAT_ID)).toEqual([]);
    const [reply] = await replyTo('/buy@yourbot BTCUSDT 100USDT');
    expect(reply!.text).toBe(`That command is addressed to @yourbot; this bot is @${ME}. Send /buy without the @ part.`);
    expect(app.orderPosts()).toHaveLength(0);
    expect(app.telegram!.calls('sendMessage').every((c) => c.payload.chat_id === TRADER.id)).toBe(true);
  });
});
