/**
 * /start: what the bot does, the trading mode (LIVE made loud) and the command list.
 */
import { Composer, type Context } from 'grammy';
import type { BotDeps } from '../bot-deps.js';
import { commandList } from './help.js';
import { modeLine } from '../mode-badge.js';
import { replyHtml } from '../reply.js';

export function startText(deps: Pick<BotDeps, 'mode'>): string {
  return [
    '<b>Binance ChatOps</b> runs a Binance spot account from this chat: balances, open orders, prices, and orders you confirm with a button.',
    '',
    modeLine(deps.mode),
    'Nothing is sent to the exchange before you tap <b>Confirm</b> on an order card.',
    '',
    commandList(),
  ].join('\n');
}

export function startCommand(deps: BotDeps): Composer<Context> {
  const composer = new Composer<Context>();
  composer.command('start', async (ctx) => {
    await replyHtml(ctx, startText(deps));
  });
  return composer;
}
