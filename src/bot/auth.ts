/**
 * The allow-list (DESIGN.md §8), installed before anything else: a user who is not in
 * TELEGRAM_ALLOWED_USERS gets one refusal line and nothing else runs — no command, no exchange
 * request, no reply that says what the bot can do or what the account holds.
 *
 * In a group the bot speaks only when spoken to (a command aimed at it, a mention, a reply to
 * one of its messages), so a stranger in a shared group does not make it chatter. A stranger's
 * button press is always answered (otherwise their client shows a spinner) with the refusal.
 * Refusals to one person in one chat are throttled: a stranger who sends a hundred messages
 * gets one line, not a hundred (the bot must not become an amplifier).
 */
import type { Context, MiddlewareFn } from 'grammy';
import { ERROR_CODES } from '../errors.js';
import { escapeHtml } from '../format.js';
import type { Logger } from '../logger.js';

export const REFUSAL = ERROR_CODES.BOT_NOT_ALLOWED;

export interface AllowListOptions {
  allowedUsers: readonly number[];
  logger: Logger;
  /** At most one refusal message per (chat, user) per window. Default 60 s. */
  refusalWindowMs?: number;
  now?: () => number;
}

/** True when a message in a group is meant for this bot; always true in a private chat. */
export function isAddressedToBot(ctx: Context): boolean {
  const message = ctx.message ?? ctx.editedMessage;
  if (!message) return false;
  if (message.chat.type === 'private') return true;
  const username = ctx.me.username.toLowerCase();
  if (message.reply_to_message?.from?.id === ctx.me.id) return true;
  const text = message.text ?? message.caption ?? '';
  const entities = message.entities ?? message.caption_entities ?? [];
  return entities.some((e) => {
    const piece = text.slice(e.offset, e.offset + e.length).toLowerCase();
    if (e.type === 'mention') return piece === `@${username}`;
    if (e.type === 'bot_command') return piece.endsWith(`@${username}`);
    return false;
  });
}

/** A group command without @botname: Telegram sends it to every bot in the group. */
export function isBareGroupCommand(ctx: Context): boolean {
  const message = ctx.message;
  if (!message || message.chat.type === 'private') return false;
  const first = message.entities?.[0];
  return first?.type === 'bot_command' && first.offset === 0 && !(message.text ?? '').slice(0, first.length).includes('@');
}

export function createAllowList(options: AllowListOptions): MiddlewareFn<Context> {
  const allowed = new Set(options.allowedUsers);
  const windowMs = options.refusalWindowMs ?? 60_000;
  const now = options.now ?? Date.now;
  const lastRefusal = new Map<string, number>();
  const log = options.logger.child({ module: 'bot-auth' });

  const shouldRefuse = (key: string): boolean => {
    const t = now();
    const last = lastRefusal.get(key);
    if (last !== undefined && t - last < windowMs) return false;
    // Bounded memory: forget the oldest entries (Map keeps insertion order).
    if (lastRefusal.size >= 10_000) for (const k of [...lastRefusal.keys()].slice(0, 1_000)) lastRefusal.delete(k);
    lastRefusal.delete(key);
    lastRefusal.set(key, t);
    return true;
  };

  return async (ctx, next) => {
    const userId = ctx.from?.id;
    if (userId !== undefined && allowed.has(userId) && ctx.from?.is_bot !== true) return next();

    // Anything else stops here: the payload is not even logged beyond who and where.
    log.info({ userId, chatId: ctx.chat?.id, updateId: ctx.update.update_id }, 'update from a user not on the allow-list');
    try {
      if (ctx.callbackQuery) {
        await ctx.answerCallbackQuery({ text: REFUSAL, show_alert: true });
        return;
      }
      if (!ctx.message || userId === undefined) return;
      if (!isAddressedToBot(ctx) && !isBareGroupCommand(ctx)) return;
      if (!shouldRefuse(`${ctx.chat?.id}:${userId}`)) return;
      await ctx.reply(escapeHtml(REFUSAL));
    } catch (error) {
      // Nothing more is owed to a stranger: a failed refusal is logged, never retried or explained.
      log.warn({ userId, chatId: ctx.chat?.id, err: error instanceof Error ? { message: error.message } : String(error) }, 'could not send the refusal');
    }
  };
}
