/**
 * Every text the bot sends is HTML (DESIGN.md §2): one API transformer sets `parse_mode: 'HTML'`
 * on the calls that carry text or a caption, unless the call sets its own, so no call site has
 * to remember it. Installed on the bot's Api in create-bot.ts; `ctx.api` is that Api.
 */
import type { Transformer } from 'grammy';

const TEXT_METHODS: ReadonlySet<string> = new Set(['sendMessage', 'editMessageText', 'sendPhoto', 'editMessageCaption']);

export const htmlParseMode: Transformer = (prev, method, payload, signal) => {
  if (!TEXT_METHODS.has(method) || typeof payload !== 'object' || payload === null || 'parse_mode' in payload) return prev(method, payload, signal);
  return prev(method, { ...payload, parse_mode: 'HTML' } as typeof payload, signal);
};
