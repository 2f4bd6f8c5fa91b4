/**
 * /resume: orders confirmed while paused leave the queue, stops move again.
 */
import { Composer, type Context } from 'grammy';
import type { BotDeps } from '../bot-deps.js';
import { replyHtml } from '../reply.js';
import { requesterOf } from '../requester.js';

export function resumeCommand(deps: BotDeps): Composer<Context> {
  const composer = new Composer<Context>();
  composer.command('resume', async (ctx) => {
    const paused = await deps.trading.isPaused();
    if (!paused) {
      await replyHtml(ctx, '▶️ Automation is running; there is nothing to resume.');
      return;
    }
    const { orders } = await deps.trading.queueDepths();
    await deps.trading.resume(requesterOf(ctx));
    const held = orders.waiting + orders.delayed;
    await replyHtml(ctx, `▶️ <b>Resumed.</b> ${held === 0 ? 'No orders were waiting.' : `${held} confirmed order${held === 1 ? '' : 's'} will be sent now.`}`);
  });
  return composer;
}
