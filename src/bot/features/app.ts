/**
 * /app: the Mini App dashboard (DESIGN.md §12) behind a `web_app` button. With WEBAPP_URL set the
 * chat's menu button opens it too (setChatMenuButton: the default for every private chat at start,
 * see `setWebAppMenuButton`, and this chat's own on /app). Telegram opens web apps from buttons
 * only in private chats, and only over HTTPS; the page signs in with the initData Telegram gives
 * it, so the button carries no secret.
 */
import { Composer, InlineKeyboard, type Api, type Context } from 'grammy';
import type { BotDeps } from '../bot-deps.js';
import { replyHtml } from '../reply.js';
import { defineFeature, type CommandSpec } from './feature.js';

const SPEC: CommandSpec = {
  name: 'app',
  description: 'Open the dashboard: portfolio, orders, stops, charts',
  usage: '/app',
  example: '/app',
  details: ['A button that opens the Mini App: balances, open orders with Cancel, stops on a candle chart, net value, alerts and activity.'],
};

const BUTTON_TEXT = 'Dashboard';

/** The Mini App's page: WEBAPP_URL as given, or its /app/ when it names only the host. */
export function webAppPageUrl(webAppUrl: string): string {
  const url = new URL(webAppUrl);
  if (url.pathname === '/' || url.pathname === '') url.pathname = '/app/';
  return url.toString();
}

/** Every private chat's menu button opens the Mini App (the default menu button). */
export async function setWebAppMenuButton(api: Api, webAppUrl: string, chatId?: number): Promise<void> {
  await api.setChatMenuButton({
    ...(chatId !== undefined ? { chat_id: chatId } : {}),
    menu_button: { type: 'web_app', text: BUTTON_TEXT, web_app: { url: webAppPageUrl(webAppUrl) } },
  });
}

export function appCommand(deps: BotDeps): Composer<Context> {
  const composer = new Composer<Context>();
  composer.command('app', async (ctx) => {
    const url = deps.settings.webAppUrl;
    if (!url) {
      await replyHtml(ctx, 'The dashboard is not set up on this bot: the operator sets <code>WEBAPP_URL</code> to the HTTPS address of its <code>/app/</code> page.');
      return;
    }
    if (ctx.chat?.type !== 'private') {
      await replyHtml(ctx, 'Telegram opens the dashboard only in a private chat: send /app to me directly.');
      return;
    }
    await replyHtml(ctx, '📊 Your dashboard: portfolio, orders and stops, net value, alerts and activity.', new InlineKeyboard().webApp(`📊 ${BUTTON_TEXT}`, webAppPageUrl(url)));
    // The menu button of this chat too; a failure leaves the reply's button working.
    await setWebAppMenuButton(ctx.api, url, ctx.chat.id).catch((error: unknown) => deps.logger.warn({ err: error }, 'setChatMenuButton failed'));
  });
  return composer;
}

export const appFeature = defineFeature({
  name: 'app',
  commands: [SPEC],
  composer: ({ deps }) => appCommand(deps),
});
