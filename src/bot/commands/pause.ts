/**
 * /pause: no new order leaves the queue and no stop moves until /resume (DESIGN.md §2).
 * Orders already on the exchange stay; a Confirm while paused is queued and its card says so.
 */
import { Composer, type Context } from 'grammy';
import type { BotDeps } from '../bot-deps.js';
import { replyHtml } from '../reply.js';
import { requesterOf } from '../requester.js';

export function pauseCommand(deps: BotDeps): Composer<Context> {
  const composer = new Composer<Context>();
  composer.command('pause', async (ctx) => {
    const already = await deps.trading.isPaused();
    if (!already) await deps.trading.pause(requesterOf(ctx));
    await replyHtml(
      ctx,
      [
        already ? '⏸ Automation was already paused.' : '⏸ <b>Paused.</b>',
        'No new order leaves the queue and no stop moves until /resume. Orders already on the exchange stay.',
      ].join('\n'),
    );
  });
  return composer;
}
