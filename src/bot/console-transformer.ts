/**
 * A grammY API transformer (grammy.dev/advanced/transformers) that answers Bot API calls
 * locally instead of over HTTP: what the bot would send to Telegram is printed to a terminal.
 *
 * Installed on the bot's `api` and on the alerts worker's `Api`, so card edits and push alerts
 * print in the same place as replies. It never calls `prev`: no request leaves the process, and
 * no token is needed or used.
 */
import type { Transformer } from 'grammy';
import type { InlineKeyboardMarkup, Message, UserFromGetMe } from 'grammy/types';
import { bold, dim, renderHtml, type RenderOptions } from './console-render.js';

export interface ConsoleButton {
  text: string;
  data: string;
}

export interface ConsoleMessage {
  messageId: number;
  chatId: number;
  text: string;
  buttons: ConsoleButton[];
}

export interface ConsoleScreen {
  /** Prints a block of lines without breaking the line the user is typing. */
  print(lines: string): void;
}

export interface ConsoleTransformer {
  readonly transformer: Transformer;
  /** The newest message that still has buttons: a typed number presses one of these. */
  latestWithButtons(): ConsoleMessage | undefined;
  message(chatId: number, messageId: number): ConsoleMessage | undefined;
}

type Payload = Record<string, unknown>;
type Reply = { ok: true; result: unknown } | { ok: false; error_code: number; description: string };

function buttonsOf(markup: unknown): ConsoleButton[] {
  const rows = (markup as InlineKeyboardMarkup | undefined)?.inline_keyboard ?? [];
  return rows.flat().map((b) => ({ text: b.text, data: 'callback_data' in b ? (b.callback_data ?? '') : '' }));
}

export function createConsoleTransformer(options: { screen: ConsoleScreen; botInfo: UserFromGetMe; render: RenderOptions }): ConsoleTransformer {
  const { screen, botInfo, render } = options;
  const messages: ConsoleMessage[] = [];
  let nextMessageId = 1;

  const find = (chatId: number, messageId: number) => messages.find((m) => m.chatId === chatId && m.messageId === messageId);

  const asTelegramMessage = (m: ConsoleMessage): Message =>
    ({
      message_id: m.messageId,
      date: Math.floor(Date.now() / 1000),
      chat: { id: m.chatId, type: 'private', first_name: 'Console' },
      from: botInfo,
      text: m.text,
      ...(m.buttons.length > 0 ? { reply_markup: { inline_keyboard: m.buttons.map((b) => [{ text: b.text, callback_data: b.data }]) } } : {}),
    }) as Message;

  const show = (m: ConsoleMessage, label: string) => {
    const body = renderHtml(m.text, render)
      .split('\n')
      .map((line) => `  ${line}`)
      .join('\n');
    const buttons = m.buttons.length > 0 ? `\n  ${m.buttons.map((b, i) => bold(`[${i + 1}] ${b.text}`, render)).join('  ')}` : '';
    screen.print(`${dim(label, render)}\n${body}${buttons}\n`);
  };

  const fail = (description: string): Reply => ({ ok: false, error_code: 400, description: `Bad Request: ${description}` });
  const ok = (result: unknown): Reply => ({ ok: true, result });

  const handle = (method: string, p: Payload): Reply => {
    switch (method) {
      case 'getMe':
        return ok(botInfo);
      case 'sendMessage':
      case 'sendPhoto': {
        const text = String(method === 'sendPhoto' ? `[chart image]${p.caption ? `\n${String(p.caption)}` : ''}` : (p.text ?? ''));
        const m: ConsoleMessage = { messageId: nextMessageId++, chatId: Number(p.chat_id), text, buttons: buttonsOf(p.reply_markup) };
        messages.push(m);
        show(m, p.disable_notification ? 'bot (silent):' : 'bot:');
        return ok(asTelegramMessage(m));
      }
      case 'editMessageText':
      case 'editMessageCaption':
      case 'editMessageReplyMarkup': {
        const m = find(Number(p.chat_id), Number(p.message_id));
        if (!m) return fail('message to edit not found');
        if (method === 'editMessageText') m.text = String(p.text ?? '');
        if (method === 'editMessageCaption') m.text = `[chart image]\n${String(p.caption ?? '')}`;
        m.buttons = buttonsOf(p.reply_markup);
        show(m, `bot (message ${m.messageId} updated):`);
        return ok(asTelegramMessage(m));
      }
      case 'deleteMessage': {
        const index = messages.findIndex((m) => m.chatId === Number(p.chat_id) && m.messageId === Number(p.message_id));
        if (index < 0) return fail('message to delete not found');
        messages.splice(index, 1);
        return ok(true);
      }
      case 'answerCallbackQuery':
        if (typeof p.text === 'string' && p.text !== '') screen.print(`${dim('bot (notice):', render)} ${p.text}\n`);
        return ok(true);
      case 'sendChatAction':
        return ok(true);
      case 'setMyCommands':
      case 'deleteMyCommands':
      case 'deleteWebhook':
      case 'setWebhook':
      case 'close':
        return ok(true);
      case 'getMyCommands':
      case 'getUpdates':
        return ok([]);
      default:
        return fail(`${method} is not available in the console`);
    }
  };

  const transformer = ((_prev: unknown, method: string, payload: Payload) => Promise.resolve(handle(method, payload ?? {}))) as unknown as Transformer;

  return {
    transformer,
    latestWithButtons: () => [...messages].reverse().find((m) => m.buttons.length > 0),
    message: find,
  };
}
