/**
 * /help [COMMAND]: the command list from the command table, or one command's usage, example
 * and notes (the same text a command answers with when its arguments are wrong).
 */
import { Composer, type Context } from 'grammy';
import { escapeHtml, formatAmount } from '../../format.js';
import type { OrderCap } from '../../config.js';
import type { BotDeps } from '../bot-deps.js';
import { COMMANDS, findCommand, type CommandSpec } from '../command-table.js';
import { quoteInput, tokenize } from '../command-args.js';
import { modeLine } from '../mode-badge.js';
import { replyHtml } from '../reply.js';

/**
 * One line per command with its example, as code so a tap copies it. A command without
 * arguments is its own example, and one whose description already shows it needs none.
 */
export function commandList(commands: readonly CommandSpec[] = COMMANDS): string {
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

export function helpCommand(deps: BotDeps): Composer<Context> {
  const composer = new Composer<Context>();
  composer.command('help', async (ctx) => {
    const [name] = tokenize(ctx.match);
    if (name === undefined) {
      const cap = deps.settings.orderCap ? `\n${orderCapLine(deps.settings.orderCap)}` : '';
      await replyHtml(ctx, `${modeLine(deps.mode)}${cap}\n\n${commandList()}`);
      return;
    }
    const spec = findCommand(name);
    if (!spec) {
      await replyHtml(ctx, `There is no command /${escapeHtml(quoteInput(name.replace(/^\//, '')))}.\n\n${commandList()}`);
      return;
    }
    await replyHtml(ctx, commandHelp(spec, deps));
  });
  return composer;
}
