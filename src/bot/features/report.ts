/**
 * /report HH:MM|off (DESIGN.md §2): a daily summary pushed at that UTC time to the chat the time
 * was set in — net value and its 24h change, realized P&L, positions, stops — once a day, also
 * across restarts (src/ledger/report-schedule.ts, report-worker.ts). /report alone shows the
 * current setting. Each user of a desk has their own time. The summary is a `system` alert, so
 * `/alerts` can make it arrive silently (or not at all) like the other system messages.
 */
import { Composer, type Context } from 'grammy';
import { escapeHtml, formatDuration, formatUtc } from '../../format.js';
import { nextOccurrence, parseReportTime } from '../../ledger/report-schedule.js';
import type { BotDeps } from '../bot-deps.js';
import { argumentError, expectTokens, quoteInput, tokenize } from '../command-args.js';
import { replyHtml } from '../reply.js';
import { defineFeature, type CommandSpec } from './feature.js';
import { PORTFOLIO_UNAVAILABLE } from './equity.js';

const SPEC: CommandSpec = {
  name: 'report',
  description: 'Daily summary at a time you choose (UTC)',
  usage: '/report HH:MM|off',
  example: '/report 08:00',
  details: [
    'Every day at HH:MM UTC: net value and its 24h change, realized P&L, positions and managed stops, in this chat.',
    '/report off stops it; /report alone shows the current setting.',
  ],
};

export function reportCommand(deps: BotDeps): Composer<Context> {
  const composer = new Composer<Context>();
  composer.command('report', async (ctx) => {
    const tokens = tokenize(ctx.match);
    expectTokens(SPEC, tokens, 0, 1);
    const token = tokens[0];
    const time = token === undefined || token.toLowerCase() === 'off' ? undefined : parseReportTime(token);
    if (token !== undefined && token.toLowerCase() !== 'off' && time === undefined) {
      throw argumentError(SPEC, `"${quoteInput(token)}" is not a time of day: use HH:MM in UTC, from 00:00 to 23:59, or off.`);
    }
    const reports = deps.portfolio?.reports;
    if (!reports) return void (await replyHtml(ctx, escapeHtml(PORTFOLIO_UNAVAILABLE)));
    const userId = ctx.from!.id;
    const now = (deps.now ?? Date.now)();
    const when = (dueAt: number) => `${formatUtc(dueAt)} (in ${formatDuration(dueAt - now)})`;

    if (token === undefined) {
      const setting = await reports.get(userId);
      const text = setting
        ? [`📋 Daily report at <b>${setting.time} UTC</b>${setting.chatId === ctx.chat?.id ? ' in this chat' : ' in another chat'}.`, `Next: ${when(nextOccurrence(setting.time, now))}.`, 'Stop it with /report off.']
        : ['📋 No daily report is set.', `Set one with ${SPEC.usage.replace('|off', '')}, e.g. ${SPEC.example} (UTC).`];
      return void (await replyHtml(ctx, text.join('\n')));
    }
    if (time === undefined) {
      const removed = await reports.clear(userId);
      return void (await replyHtml(ctx, removed ? '📋 Daily report off.' : '📋 No daily report was set.'));
    }
    const dueAt = await reports.set(userId, { time, chatId: ctx.chat!.id });
    await replyHtml(ctx, [`📋 Daily report set for <b>${time} UTC</b> in this chat.`, `Next: ${when(dueAt)}.`].join('\n'));
  });
  return composer;
}

export const reportFeature = defineFeature({ name: 'report', commands: [SPEC], composer: ({ deps }) => reportCommand(deps) });
