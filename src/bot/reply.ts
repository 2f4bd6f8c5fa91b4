/**
 * Sending and editing HTML (DESIGN.md §2): every reply in HTML parse mode (html-mode.ts), split past 4096
 * characters on line boundaries (buttons go with the last part), link previews off, and edits
 * that tolerate Telegram's "message is not modified" (a double tap edits to the same text).
 */
import { GrammyError, type Context, type InlineKeyboard } from 'grammy';
import type { Message } from 'grammy/types';
import { formatUtc, splitMessage, TELEGRAM_TEXT_LIMIT } from '../format.js';

const HTML = { link_preview_options: { is_disabled: true } } as const;

/** Replies in HTML; a long text is sent as several messages. Returns the last one (the one with the buttons). */
export async function replyHtml(ctx: Context, html: string, keyboard?: InlineKeyboard): Promise<Message.TextMessage> {
  const parts = splitMessage(html, TELEGRAM_TEXT_LIMIT);
  let last: Message.TextMessage | undefined;
  for (const [i, part] of parts.entries()) {
    const isLast = i === parts.length - 1;
    last = await ctx.reply(part, { ...HTML, ...(isLast && keyboard ? { reply_markup: keyboard } : {}) });
  }
  return last!;
}

export const isNotModified = (error: unknown): boolean =>
  error instanceof GrammyError && error.error_code === 400 && /message is not modified/i.test(error.description);

/**
 * Edits the message the pressed button belongs to. Text past the limit keeps its first part
 * (cards and lists we edit are far below it). Without `keyboard` the buttons are removed.
 */
export async function editPressedMessage(ctx: Context, html: string, keyboard?: InlineKeyboard): Promise<void> {
  const [text = ''] = splitMessage(html, TELEGRAM_TEXT_LIMIT);
  try {
    await ctx.editMessageText(text, { ...HTML, reply_markup: keyboard ?? { inline_keyboard: [] } });
  } catch (error) {
    if (!isNotModified(error)) throw error;
  }
}

/** Removes the buttons of the pressed message (an expired card keeps its text, loses its buttons). */
export async function removePressedButtons(ctx: Context): Promise<void> {
  try {
    await ctx.editMessageReplyMarkup({ reply_markup: { inline_keyboard: [] } });
  } catch (error) {
    if (!isNotModified(error)) throw error;
  }
}

/** The last line of a view with a Refresh button: when it was read, so a stale copy is recognised. */
export function updatedLine(deps: { now?: () => number }): string {
  return `<i>Updated ${formatUtc((deps.now ?? Date.now)(), true).slice(11)}</i>`;
}
