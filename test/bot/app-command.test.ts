/**
 * /app (DESIGN.md §12): a `web_app` button to the Mini App, and this chat's menu button too, when
 * WEBAPP_URL is set; a plain explanation when it is not, and in a group (Telegram opens web apps
 * only from private chats). The real bot on the fake Bot API.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createBot } from '../../src/bot/create-bot.js';
import { webAppPageUrl } from '../../src/bot/features/app.js';
import { messageUpdate } from '../support/fake-bot-api.js';
import { DESK_CHAT_ID, startApp, TRADER, type AppHarness } from '../support/app-harness.js';

describe('/app', () => {
  let app: AppHarness;
  let withUrl: ReturnType<typeof createBot>;
  beforeAll(async () => {
    app = await startApp({ workers: false, telegramGroups: true });
    withUrl = createBot({ ...app.deps, settings: { ...app.deps.settings, webAppUrl: 'https://desk.example.com' } });
  });
  afterAll(() => app.close());
  beforeEach(() => app.telegram!.reset());

  it('answers a web_app button to the page and points the chat menu button at it', async () => {
    await withUrl.handleUpdate(messageUpdate({ from: TRADER, text: '/app' }) as never);
    const [sent] = app.telegram!.calls('sendMessage');
    expect(String(sent!.payload.text)).toContain('Your dashboard');
    expect(sent!.payload.reply_markup).toEqual({ inline_keyboard: [[{ text: '📊 Dashboard', web_app: { url: 'https://desk.example.com/app/' } }]] });
    const [menu] = app.telegram!.calls('setChatMenuButton');
    expect(menu?.payload).toMatchObject({ chat_id: TRADER.id, menu_button: { type: 'web_app', text: 'Dashboard', web_app: { url: 'https://desk.example.com/app/' } } });
    expect(app.telegram!.calls().filter((c) => c.status !== 'ok')).toEqual([]);
  });

  it('without WEBAPP_URL says how to enable it; in a group, to ask in private', async () => {
    await app.send('/app');
    expect(app.lastMessage().text).toContain('<code>WEBAPP_URL</code>');
    await withUrl.handleUpdate(messageUpdate({ from: TRADER, text: '/app', chatId: DESK_CHAT_ID, chatType: 'supergroup' }) as never);
    expect(app.lastMessage(DESK_CHAT_ID).text).toContain('only in a private chat');
    expect(app.telegram!.calls('setChatMenuButton')).toHaveLength(0);
  });

  it('opens the /app/ page of a bare host, and keeps a path that is given', () => {
    expect(webAppPageUrl('https://desk.example.com')).toBe('https://desk.example.com/app/');
    expect(webAppPageUrl('https://desk.example.com/trading/app/')).toBe('https://desk.example.com/trading/app/');
  });
});
