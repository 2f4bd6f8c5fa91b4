/**
 * /status (DESIGN.md §2): mode, exchange reachability and clock offset, request weight used,
 * user stream state, queue depths, last stop evaluation. Each part is gathered on its own: one
 * that fails (Redis down, exchange unreachable) says so on its line, and the rest still shows.
 *
 * Times of this server's own events are relative ("for 4 min", "2 min ago"): in a replayed market
 * the candles carry the replay's dates, and two clocks printed alike would read as one. A replay
 * says so in one line. The stream's lease holder (host:pid:random) is for operators: logs only.
 */
import { Composer, type Context } from 'grammy';
import type { RateLimit } from '../../binance/types.js';
import { userMessageOf } from '../../errors.js';
import { escapeHtml, formatAmount, formatDuration } from '../../format.js';
import type { QueueDepths } from '../../trading/types.js';
import type { BotDeps } from '../bot-deps.js';
import { modeLine } from '../mode-badge.js';
import { editPressedMessage, replyHtml, updatedLine } from '../reply.js';
import type { CallbackHandler } from '../callback-router.js';
import { withRefresh } from '../keyboards.js';
import { defineButtons, defineFeature, type CommandSpec } from './feature.js';

const SPEC: CommandSpec = {
  name: 'status',
  description: 'Exchange, queues and service health',
  usage: '/status',
  example: '/status',
  details: ['Mode, exchange reachability and clock offset, request weight used, user stream, queue depths, last stop evaluation.'],
};

/** `r:s` refreshes /status in place. */
export type StatusButton = { kind: 'refresh-status' };

export const statusButtons = defineButtons<StatusButton>({
  prefixes: ['r:s'],
  kinds: ['refresh-status'],
  encode: () => 'r:s',
  decode: (_prefix, fields) => (fields.length === 0 ? { kind: 'refresh-status' } : undefined),
});

const refreshData = (): string => statusButtons.encode({ kind: 'refresh-status' });

const failed = (error: unknown) => `unavailable (${escapeHtml(userMessageOf(error))})`;

async function part(run: () => Promise<string>): Promise<string> {
  try {
    return await run();
  } catch (error) {
    return failed(error);
  }
}

export function limitOf(limits: readonly RateLimit[], type: RateLimit['rateLimitType'], interval: RateLimit['interval'], intervalNum: number): number | undefined {
  return limits.find((l) => l.rateLimitType === type && l.interval === interval && l.intervalNum === intervalNum)?.limit;
}

export function queueLine(name: string, q: QueueDepths): string {
  const parts = [`${q.waiting} waiting`, `${q.active} active`, `${q.delayed} delayed`, `${q.failed} failed`];
  return `${name}: ${parts.join(', ')}${q.paused ? ' · <b>paused</b>' : ''}`;
}

export const REPLAY_LINE = '⏪ Market: a replay of recorded candles. Candle times are replay time; “for” and “ago” are real time.';

const signedMs = (ms: number) => `${ms > 0 ? '+' : ms < 0 ? '−' : ''}${formatAmount(String(Math.abs(Math.round(ms))), 0)} ms`;

export function statusCommand(deps: BotDeps): Composer<Context> {
  const composer = new Composer<Context>();
  composer.command('status', async (ctx) => {
    await replyHtml(ctx, await statusText(deps), withRefresh(refreshData()));
  });
  return composer;
}

/** 🔄 Refresh under /status: everything read again, edited in place. */
export function refreshStatusButton(deps: BotDeps): CallbackHandler<'refresh-status'> {
  return async (ctx) => {
    const html = await statusText(deps);
    return { answer: 'Updated.', after: () => editPressedMessage(ctx, html, withRefresh(refreshData())) };
  };
}

async function statusText(deps: BotDeps): Promise<string> {
  const now = deps.now ?? Date.now;
  const exchange = part(async () => {
    const started = performance.now();
    await deps.exchange.ping();
    return `reachable (${Math.round(performance.now() - started)} ms)`;
  });
  const queues = part(async () => {
    const [{ orders, alerts }, paused] = await Promise.all([deps.trading.queueDepths(), deps.trading.isPaused()]);
    return [`Automation: ${paused ? '⏸ <b>paused</b> (/resume)' : 'running'}`, queueLine('Orders queue', orders), queueLine('Alerts queue', alerts)].join('\n');
  });
  const stream = part(async () => {
    if (!deps.status?.userStream) return 'not reported by this process';
    const s = await deps.status.userStream();
    if (s.state === 'not-running') return '⚠️ no worker is listening for fills (one that is starting takes a few seconds)';
    const state = s.state === 'disconnected' ? '⚠️ disconnected' : s.state;
    return `${state}${s.since !== undefined ? ` for ${formatDuration(now() - s.since)}` : ''}`;
  });
  const stops = part(async () => {
    const last = await deps.status?.lastStopEvaluation?.();
    return last ? `${formatDuration(now() - last.at)} ago · ${escapeHtml(last.summary)}` : 'none yet';
  });

  const exchangeLine = await exchange;
  // Read after the ping, so the weight includes the latest response headers.
  const usage = deps.exchange.usage();
  // The cache's current copy: empty before the first load, and /status never forces one.
  const rateLimits = deps.exchangeInfo.rateLimits();
  const weightLimit = limitOf(rateLimits, 'REQUEST_WEIGHT', 'MINUTE', 1);
  const ordersLimit = limitOf(rateLimits, 'ORDERS', 'SECOND', 10);
  const held = usage.blockedUntil > now() ? `\n⛔ Requests held for another ${formatDuration(usage.blockedUntil - now())} (rate limit).` : '';

  const lines = [
    '<b>Status</b>',
    modeLine(deps.mode),
    ...(deps.settings.marketReplay ? [REPLAY_LINE] : []),
    '',
    `Exchange: ${exchangeLine}`,
    `Clock offset (this server − exchange): ${signedMs(usage.clockOffsetMs)}`,
    `Weight used (1 min): ${usage.usedWeight1m}${weightLimit !== undefined ? ` of ${formatAmount(String(weightLimit), 0)}` : ''}`,
    `Orders (10 s): ${usage.orderCount10s}${ordersLimit !== undefined ? ` of ${ordersLimit}` : ''} · today: ${usage.orderCount1d}${held}`,
    `User stream: ${await stream}`,
    '',
    await queues,
    '',
    `Last stop evaluation: ${await stops}`,
  ];
  const cap = deps.settings.orderCap;
  lines.push(cap ? `Order cap (${cap.variable}): ${formatAmount(cap.max, 2)} ${escapeHtml(cap.asset)} per order` : 'Order cap: none (MAX_ORDER_VALUE is not set)');
  lines.push(updatedLine(deps));
  return lines.join('\n');
}

export const statusFeature = defineFeature<StatusButton>({
  name: 'status',
  commands: [SPEC],
  composer: ({ deps }) => statusCommand(deps),
  buttons: statusButtons,
  handlers: ({ deps }) => ({ 'refresh-status': refreshStatusButton(deps) }),
});
