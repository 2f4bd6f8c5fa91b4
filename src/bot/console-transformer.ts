/**
 * A grammY API transformer (grammy.dev/advanced/transformers) that answers Bot API calls
 * locally instead of over HTTP: what the bot would send to Telegram is printed to a terminal.
 *
 * Installed on the bot's `api` and on the alerts worker's `Api`, so card edits and push alerts
 * print in the same place as replies. It never calls `prev`: no request leaves the process, and
 * no token is needed or used.
 *
 * A message with buttons is printed with its number, and each button as `[message.button]`, so
 * a typed press names the message it means; a chart is written to a PNG file whose path is printed.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { InputFile, type Transformer } from 'grammy';
import type { InlineKeyboardMarkup, Message, UserFromGetMe } from 'grammy/types';
import { escapeHtml } from '../format.js';
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
  /**
   * Set when one of the buttons is pressed, cleared when the bot sends the message a new keyboard:
   * Telegram would still show the old buttons until the bot edits them, but a console press by
   * number must not act twice on a card that was already answered.
   */
  pressed: boolean;
  /** When the message last showed a keyboard (a counter): the newest is the one at the bottom of the screen. */
  keyboardShown?: number;
  /** The chart's file (or why there is none) for a photo; its caption is `text`. */
  photo?: string;
}

export interface ConsoleScreen {
  /** Prints a block of lines without breaking the line the user is typing. */
  print(lines: string): void;
}

export interface ConsoleTransformer {
  readonly transformer: Transformer;
  /** Messages whose buttons can be pressed (not pressed since they were shown), oldest first. */
  pressable(): ConsoleMessage[];
  message(chatId: number, messageId: number): ConsoleMessage | undefined;
  /** Called as a button is pressed: the message's buttons are spent until the bot gives it new ones. */
  markPressed(message: ConsoleMessage): void;
  /** The message that showed a keyboard last, whether or not its buttons are still there. */
  newestKeyboard(): ConsoleMessage | undefined;
}

export interface ConsoleTransformerOptions {
  screen: ConsoleScreen;
  botInfo: UserFromGetMe;
  render: RenderOptions;
  /** Where sent photos (the /fractals chart) are written. Default ./data/charts. */
  chartsDir?: string;
  now?: () => number;
  /**
   * Numbers continue across console runs, as message ids do in a Telegram chat: an edit queued
   * in an earlier run (a card's expiry) names a message of that run and must not land on a new
   * message that took its number. `first` is this run's first id; `taken` records each id used.
   */
  messageIds?: { first: number; taken(messageId: number): void };
}

export const DEFAULT_CHARTS_DIR = './data/charts';

type Payload = Record<string, unknown>;
type Reply = { ok: true; result: unknown } | { ok: false; error_code: number; description: string };

function buttonsOf(markup: unknown): ConsoleButton[] {
  const rows = (markup as InlineKeyboardMarkup | undefined)?.inline_keyboard ?? [];
  return rows.flat().map((b) => ({ text: b.text, data: 'callback_data' in b ? (b.callback_data ?? '') : '' }));
}

/** "BTCUSDT-4h-fractals.png" at 06:16:35 → "BTCUSDT-4h-fractals-20261206-061635"; nothing from the name can leave the directory. */
function photoStem(filename: string | undefined, at: number): string {
  const base = (filename ?? 'photo').replace(/\.png$/i, '').replace(/[^A-Za-z0-9_-]+/g, '_').slice(0, 60) || 'photo';
  const iso = new Date(at).toISOString();
  return `${base}-${iso.slice(0, 10).replaceAll('-', '')}-${iso.slice(11, 19).replaceAll(':', '')}`;
}

async function bytesOf(file: InputFile): Promise<Uint8Array> {
  const raw = await file.toRaw();
  if (raw instanceof Uint8Array) return raw;
  const chunks: Uint8Array[] = [];
  for await (const chunk of raw) chunks.push(chunk);
  return Buffer.concat(chunks);
}

export function createConsoleTransformer(options: ConsoleTransformerOptions): ConsoleTransformer {
  const { screen, botInfo, render } = options;
  const chartsDir = resolve(options.chartsDir ?? DEFAULT_CHARTS_DIR);
  const now = options.now ?? Date.now;
  const messages: ConsoleMessage[] = [];
  let nextMessageId = options.messageIds?.first ?? 1;
  let keyboards = 0;
  const noteKeyboard = (m: ConsoleMessage) => {
    if (m.buttons.length > 0) m.keyboardShown = ++keyboards;
  };

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
    const text = m.photo !== undefined ? `${m.photo}${m.text ? `\n${m.text}` : ''}` : m.text;
    const body = renderHtml(text, render)
      .split('\n')
      .map((line) => `  ${line}`)
      .join('\n');
    const buttons = m.buttons.length > 0 ? `\n  ${m.buttons.map((b, i) => bold(`[${m.messageId}.${i + 1}] ${b.text}`, render)).join('  ')}` : '';
    screen.print(`${dim(label, render)}\n${body}${buttons}\n`);
  };

  /** Writes the photo next to the other console data; the chat says where, or why it could not. */
  const savePhoto = async (photo: unknown): Promise<string> => {
    if (!(photo instanceof InputFile)) return '[image]';
    try {
      const bytes = await bytesOf(photo);
      await mkdir(chartsDir, { recursive: true });
      const stem = photoStem(photo.filename, now());
      for (let n = 1; ; n++) {
        const path = join(chartsDir, `${stem}${n === 1 ? '' : `-${n}`}.png`);
        try {
          // wx: two charts in one second get two files, never one overwritten.
          await writeFile(path, bytes, { flag: 'wx' });
          return `🖼 Chart saved to ${escapeHtml(path)}`;
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || n >= 100) throw error;
        }
      }
    } catch (error) {
      return `🖼 The chart could not be saved in ${escapeHtml(chartsDir)}: ${escapeHtml(error instanceof Error ? error.message : String(error))}`;
    }
  };

  const fail = (description: string): Reply => ({ ok: false, error_code: 400, description: `Bad Request: ${description}` });
  const ok = (result: unknown): Reply => ({ ok: true, result });

  const handle = async (method: string, p: Payload): Promise<Reply> => {
    switch (method) {
      case 'getMe':
        return ok(botInfo);
      case 'sendMessage':
      case 'sendPhoto': {
        const photo = method === 'sendPhoto' ? await savePhoto(p.photo) : undefined;
        const text = String((method === 'sendPhoto' ? p.caption : p.text) ?? '');
        const m: ConsoleMessage = { messageId: nextMessageId++, chatId: Number(p.chat_id), text, buttons: buttonsOf(p.reply_markup), pressed: false, ...(photo !== undefined ? { photo } : {}) };
        messages.push(m);
        options.messageIds?.taken(m.messageId);
        noteKeyboard(m);
        const notes = [...(m.buttons.length > 0 ? [`message ${m.messageId}`] : []), ...(p.disable_notification ? ['silent'] : [])];
        show(m, notes.length > 0 ? `bot (${notes.join(', ')}):` : 'bot:');
        return ok(asTelegramMessage(m));
      }
      case 'editMessageText':
      case 'editMessageCaption':
      case 'editMessageMedia':
      case 'editMessageReplyMarkup': {
        const m = find(Number(p.chat_id), Number(p.message_id));
        if (!m) return fail('message to edit not found');
        if (method === 'editMessageText') m.text = String(p.text ?? '');
        if (method === 'editMessageCaption') m.text = String(p.caption ?? '');
        if (method === 'editMessageMedia') {
          // A chart redrawn in place (/equity's Refresh): saved as a new file, like a new photo.
          const media = (p.media ?? {}) as { media?: unknown; caption?: unknown };
          m.photo = await savePhoto(media.media);
          m.text = String(media.caption ?? '');
        }
        m.buttons = buttonsOf(p.reply_markup);
        // A new keyboard is a new question: its buttons can be pressed again.
        m.pressed = false;
        noteKeyboard(m);
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

  const transformer = ((_prev: unknown, method: string, payload: Payload) => handle(method, payload ?? {})) as unknown as Transformer;

  return {
    transformer,
    pressable: () => messages.filter((m) => m.buttons.length > 0 && !m.pressed),
    message: find,
    markPressed(m) {
      m.pressed = true;
    },
    newestKeyboard: () => messages.reduce<ConsoleMessage | undefined>((newest, m) => ((m.keyboardShown ?? 0) > (newest?.keyboardShown ?? 0) ? m : newest), undefined),
  };
}
