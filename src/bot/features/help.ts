/**
 * /start: what the bot does, the trading mode (LIVE made loud) and the command list.
 * /help [COMMAND]: the command list from the command table, or one command's usage, example
 * and notes (the same text a command answers with when its arguments are wrong).
 */
import { Composer, type Context } from 'grammy';
import { escapeHtml, formatAmount } from '../../format.js';
import type { OrderCap } from '../../config.js';
import type { BotDeps } from '../bot-deps.js';
import { quoteInput, tokenize } from '../command-args.js';
import { modeLine } from '../mode-badge.js';
import { replyHtml } from '../reply.js';
import { defineFeature, findCommandIn, type CommandSpec, type FeatureEnv } from './feature.js';

const START_SPEC: CommandSpec = {
  name: 'start',
  description: 'What this bot does and the trading mode',
  usage: '/start',
  example: '/start',
  details: ['Shows the trading mode and the list of commands.'],
};

const HELP_SPEC: CommandSpec = {
  name: 'help',
  description: 'Commands, or how to use one: /help buy',
  usage: '/help [COMMAND]',
  example: '/help buy',
  details: ['Without a command: the list of commands. With one: its usage and an example.'],
};

/**
 * One line per command with its example, as code so a tap copies it. A command without
 * arguments is its own example, and one whose description already shows it needs none.
 */
export function commandList(commands: readonly CommandSpec[]): string {
  const lines = commands.map((c) => {
    const example = c.example === `/${c.name}` || c.description.includes(c.example) ? '' : ` · e.g. <code>${escapeHtml(c.example)}</code>`;
    return `/${c.name} — ${escapeHtml(c.description)}${example}`;
  });
  return ['<b>Commands</b>', ...lines, '', 'Send <code>/help COMMAND</code> for its usage, e.g. <code>/help buy</code>.'].join('\n');
}

export function commandHelp(spec: CommandSpec, deps: Pick<BotDeps, 'settings'>): string {
  const lines = [
    `<b>/${spec.name}</b> — ${escapeHtml(spec.description)}`,
    `Usage: <code>${escapeHtml(spec.usage)}</code>`,
    `Example: <code>${escapeHtml(spec.example)}</code>`,
    ...spec.details.map(escapeHtml),
  ];
  const cap = deps.settings.orderCap;
  if (cap && (spec.name === 'buy' || spec.name === 'sell' || spec.name === 'stop')) lines.push(orderCapLine(cap));
  return lines.join('\n');
}

/** The per-order cap in its currency, whatever the pair's quote (DESIGN.md §3 MAX_ORDER_VALUE). */
export function orderCapLine(cap: OrderCap): string {
  return `Orders worth more than ${formatAmount(cap.max, 2)} ${escapeHtml(cap.asset)} are refused, whatever the pair (${cap.variable}).`;
}

export function helpCommand({ deps, commands }: FeatureEnv): Composer<Context> {
  const composer = new Composer<Context>();
  composer.command('help', async (ctx) => {
    const [name] = tokenize(ctx.match);
    if (name === undefined) {
      const cap = deps.settings.orderCap ? `\n${orderCapLine(deps.settings.orderCap)}` : '';
      await replyHtml(ctx, `${modeLine(deps.mode)}${cap}\n\n${commandList(commands)}`);
      return;
    }
    const spec = findCommandIn(commands, name);
    if (!spec) {
      await replyHtml(ctx, `There is no command /${escapeHtml(quoteInput(name.replace(/^\//, '')))}.\n\n${commandList(commands)}`);
      return;
    }
    await replyHtml(ctx, commandHelp(spec, deps));
  });
  return composer;
}

export function startText(deps: Pick<BotDeps, 'mode'>, commands: readonly CommandSpec[]): string {
  return [
    '<b>Binance ChatOps</b> runs a Binance spot account from this chat: balances, open orders, prices, and orders you confirm with a button.',
    '',
    modeLine(deps.mode),
    'Nothing is sent to the exchange before you tap <b>Confirm</b> on an order card.',
    '',
    commandList(commands),
  ].join('\n');
}

export function startCommand({ deps, commands }: FeatureEnv): Composer<Context> {
  const composer = new Composer<Context>();
  composer.command('start', async (ctx) => {
    await replyHtml(ctx, startText(deps, commands));
  });
  return composer;
}

export const helpFeature = defineFeature({
  name: 'help',
  commands: [START_SPEC, HELP_SPEC],
  composer: (env) => new Composer<Context>(startCommand(env), helpCommand(env)),
});
