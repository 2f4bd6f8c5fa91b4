/**
 * /pause: no new order leaves the queue and no stop moves until /resume (DESIGN.md §2).
 * Orders already on the exchange stay; a Confirm while paused is queued and its card says so.
 * /resume: orders confirmed while paused leave the queue, stops move again.
 */
import { Composer, type Context } from 'grammy';
import type { BotDeps } from '../bot-deps.js';
import { replyHtml } from '../reply.js';
import { requesterOf } from '../requester.js';
import { defineFeature, type CommandSpec } from './feature.js';

const PAUSE_SPEC: CommandSpec = {
  name: 'pause',
  description: 'Hold new orders and stop moves',
  usage: '/pause',
  example: '/pause',
  details: ['No new order leaves the queue and no stop moves until /resume. Orders already on the exchange stay.'],
};

const RESUME_SPEC: CommandSpec = {
  name: 'resume',
  description: 'Resume orders and stop moves',
  usage: '/resume',
  example: '/resume',
  details: ['Orders confirmed while paused are sent now.'],
};

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

export const pauseFeature = defineFeature({
  name: 'pause',
  commands: [PAUSE_SPEC, RESUME_SPEC],
  composer: ({ deps }) => new Composer<Context>(pauseCommand(deps), resumeCommand(deps)),
});
