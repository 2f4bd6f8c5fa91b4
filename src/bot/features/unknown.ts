/**
 * The fallback after every command (DESIGN.md §2: every message from an allowed user gets an
 * answer, and an unknown command points to /help). In a group it speaks only when addressed,
 * so ordinary conversation there is left alone. Edited messages are never re-run: editing a
 * /buy must not place a second order.
 */
import { Composer, type Context } from 'grammy';
import { escapeHtml } from '../../format.js';
import { isAddressedToBot, isBareGroupCommand } from '../auth.js';
import { quoteInput } from '../command-args.js';
import { replyHtml } from '../reply.js';
import { defineFeature, findCommandIn, type CommandSpec } from './feature.js';

export const UNKNOWN_COMMAND = 'Unknown command. See /help.';

export function unknownCommand(commands: readonly CommandSpec[]): Composer<Context> {
  const composer = new Composer<Context>();
  composer.on('message', async (ctx) => {
    if (!isAddressedToBot(ctx) && !isBareGroupCommand(ctx)) return;
    const text = ctx.message.text ?? '';
    const command = /^\/([^\s@]+)(?:@(\S*))?/u.exec(text);
    const word = command?.[1];
    const target = command?.[2];
    // grammY runs a command written /cmd@name only when name is this bot (ctx.me), in any chat;
    // one for another bot reaches here. In a group it is not ours to answer; in a private chat
    // "Unknown command" would be wrong, so say whom it was addressed to.
    if (word !== undefined && target !== undefined && target.toLowerCase() !== ctx.me.username.toLowerCase()) {
      if (ctx.chat.type !== 'private') return;
      const known = findCommandIn(commands, word);
      const instead = known ? ` Send /${known.name} without the @ part.` : ' See /help.';
      await replyHtml(ctx, `That command is addressed to @${escapeHtml(quoteInput(target))}; this bot is @${escapeHtml(ctx.me.username)}.${instead}`);
      return;
    }
    if (word !== undefined) {
      const known = findCommandIn(commands, word);
      // Telegram matches commands case-sensitively; /BUY reaches here.
      if (known && known.name !== word) {
        await replyHtml(ctx, `Commands are lower case: try /${known.name}.`);
        return;
      }
      if (isBareGroupCommand(ctx) && !isAddressedToBot(ctx)) return;
      await replyHtml(ctx, `Unknown command /${escapeHtml(quoteInput(word))}. See /help.`);
      return;
    }
    await replyHtml(ctx, UNKNOWN_COMMAND);
  });
  return composer;
}

/** Installed after every other feature's commands (create-bot.ts). */
export const unknownFeature = defineFeature({ name: 'unknown', commands: [], composer: ({ commands }) => unknownCommand(commands) });
