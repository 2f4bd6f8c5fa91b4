/**
 * Who pressed or typed: the trading layer binds intents to this user and records it in the
 * audit trail (DESIGN.md §8: every action is recorded with who did it).
 */
import type { Context } from 'grammy';
import { AppError } from '../errors.js';
import type { Requester } from '../trading/types.js';

export function requesterOf(ctx: Context): Requester {
  const from = ctx.from;
  const chatId = ctx.chat?.id ?? from?.id;
  if (!from || chatId === undefined) throw new AppError('INTERNAL', 'an update without a sender reached a command');
  const displayName = from.username ? `@${from.username}` : [from.first_name, from.last_name].filter(Boolean).join(' ');
  return { userId: from.id, chatId, displayName: displayName || String(from.id) };
}
