/**
 * /buy SYMBOL AMOUNT [PRICE]: AMOUNT is a base quantity (0.01) or a quote amount (100USDT, $100);
 * with PRICE a LIMIT GTC order, otherwise MARKET. Answers with a confirmation card.
 */
import type { Composer, Context } from 'grammy';
import type { BotDeps } from '../bot-deps.js';
import { orderCommand } from '../order-command.js';

export const buyCommand = (deps: BotDeps): Composer<Context> => orderCommand(deps, 'BUY');
