/**
 * `bot.catch`: the last stop for an error from a command. The log gets the error with where it
 * happened (update, chat, user, command word — never the token, never secrets); the trader gets
 * the plain sentence of its code (userMessageOf), never a stack trace. A refusal the trader can
 * fix (bad arguments, a filter, the balance) is logged at info, anything else at error.
 *
 * Button presses never reach here answered twice: the callback router answers each once itself.
 */
import { GrammyError, HttpError, type BotError, type Context } from 'grammy';
import { asAppError, isAppError } from '../errors.js';
import { escapeHtml } from '../format.js';
import type { Logger } from '../logger.js';

export function commandWordOf(ctx: Context): string | undefined {
  const text = ctx.message?.text;
  if (!text?.startsWith('/')) return undefined;
  return text.split(/\s/u, 1)[0]?.slice(0, 40);
}

export function createErrorHandler(logger: Logger): (error: BotError<Context>) => Promise<void> {
  const log = logger.child({ module: 'bot' });
  return async ({ error, ctx }) => {
    const where = {
      updateId: ctx.update.update_id,
      chatId: ctx.chat?.id,
      userId: ctx.from?.id,
      command: commandWordOf(ctx),
      callback: ctx.callbackQuery ? true : undefined,
    };
    const appError = asAppError(error);
    if (appError.code === 'REDIS_UNAVAILABLE' && !isAppError(error)) {
      log.warn({ ...where, code: appError.code, err: { message: (error as Error).message } }, 'command failed: Redis unavailable');
    } else if (appError.code !== 'INTERNAL') {
      log.info({ ...where, code: appError.code, reason: appError.message, details: appError.details }, 'command refused');
    } else if (error instanceof GrammyError) {
      log.error({ ...where, method: error.method, telegramCode: error.error_code, description: error.description }, 'Telegram refused a call');
    } else if (error instanceof HttpError) {
      log.error({ ...where, err: { message: error.message } }, 'Telegram could not be reached');
    } else {
      log.error({ ...where, err: error }, 'command failed');
    }
    if (ctx.callbackQuery || !ctx.chat) return;
    try {
      await ctx.reply(escapeHtml(appError.userMessage));
    } catch (replyError) {
      log.warn({ ...where, err: replyError instanceof Error ? { message: replyError.message } : replyError }, 'could not tell the user about an error');
    }
  };
}
