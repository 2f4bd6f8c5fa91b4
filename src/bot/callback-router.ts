/**
 * Button presses: decode (callback-data.ts), dispatch to the feature that owns the button, and
 * answer the callback query exactly once — with the reason when the press is refused (stale,
 * foreign, replayed, unknown) — before any slow follow-up such as editing the card, so the
 * trader's spinner stops at once (core.telegram.org/bots/api#answercallbackquery).
 */
import { Composer, type Context } from 'grammy';
import { asAppError } from '../errors.js';
import type { Logger } from '../logger.js';
import { decodeCallback, type CallbackAction } from './callback-data.js';
import { removePressedButtons } from './reply.js';

export interface CallbackResult {
  /** The toast text (≤ 200 characters); none for a silent answer. */
  answer?: string;
  /** Show the text as a dialog the trader must dismiss rather than a toast. */
  alert?: boolean;
  /** Work done after the answer (editing the pressed message). Failures are logged. */
  after?: () => Promise<void>;
}

type Kind = CallbackAction['kind'];
export type CallbackHandler<K extends Kind = Kind> = (ctx: Context, action: Extract<CallbackAction, { kind: K }>) => Promise<CallbackResult>;
export type CallbackHandlers = { [K in Kind]: CallbackHandler<K> };

/** answerCallbackQuery refuses texts over 200 characters. */
const ANSWER_LIMIT = 200;
const clip = (text: string) => ([...text].length > ANSWER_LIMIT ? `${[...text].slice(0, ANSWER_LIMIT - 1).join('')}…` : text);

export function createCallbackRouter(handlers: CallbackHandlers, logger: Logger): Composer<Context> {
  const log = logger.child({ module: 'bot-callbacks' });
  const router = new Composer<Context>();

  router.on('callback_query', async (ctx) => {
    const query = ctx.callbackQuery;
    const where = { updateId: ctx.update.update_id, userId: query.from.id, chatId: ctx.chat?.id };
    const decoded = decodeCallback(query.data);
    // A failed answer (a redelivered update whose query was already answered, a network
    // blip) must not stop the work: the trader's client gives up on the spinner by itself.
    const answer = async (options: { text?: string; show_alert?: boolean }) => {
      try {
        await ctx.answerCallbackQuery(options);
      } catch (error) {
        log.warn({ ...where, err: error instanceof Error ? { message: error.message } : String(error) }, 'could not answer a button press');
      }
    };
    if (!decoded.ok) {
      log.info({ ...where, bytes: query.data?.length ?? 0 }, 'unrecognised button data');
      await answer({ text: decoded.reason, show_alert: true });
      return;
    }
    const action = decoded.action;
    let result: CallbackResult;
    try {
      const handler = handlers[action.kind] as CallbackHandler;
      result = await handler(ctx, action);
    } catch (error) {
      const refusal = asAppError(error);
      if (refusal.code === 'INTERNAL') log.error({ ...where, action: action.kind, err: error }, 'button press failed');
      else if (refusal.code === 'REDIS_UNAVAILABLE') log.warn({ ...where, action: action.kind, code: refusal.code, err: { message: refusal.cause instanceof Error ? refusal.cause.message : refusal.message } }, 'button press failed: Redis unavailable');
      else log.info({ ...where, action: action.kind, code: refusal.code }, 'button press refused');
      await answer({ text: clip(refusal.userMessage), show_alert: true });
      // An expired card loses its buttons so nobody taps it again; its text stays as it was.
      if (refusal.code === 'CONFIRM_EXPIRED') {
        await removePressedButtons(ctx).catch((e: unknown) => log.warn({ ...where, err: e }, 'could not remove the buttons of an expired card'));
      }
      return;
    }
    await answer(result.answer ? { text: clip(result.answer), show_alert: result.alert ?? false } : {});
    if (result.after) {
      try {
        await result.after();
      } catch (error) {
        log.error({ ...where, action: action.kind, err: error }, 'follow-up of a button press failed');
      }
    }
  });

  return router;
}
