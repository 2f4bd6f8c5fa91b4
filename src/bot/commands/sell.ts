/**
 * /sell SYMBOL AMOUNT|all|N% [PRICE]: the same as /buy for selling the free balance.
 */
import type { Composer, Context } from 'grammy';
import type { BotDeps } from '../bot-deps.js';
import { orderCommand } from '../order-command.js';

export const sellCommand = (deps: BotDeps): Composer<Context> => orderCommand(deps, 'SELL');
