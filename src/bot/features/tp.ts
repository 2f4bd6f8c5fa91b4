/**
 * /tp SYMBOL TARGET [AMOUNT] (DESIGN.md §2, §5b): a take-profit for a held position. With a
 * managed stop on the same quantity, Confirm turns the lone stop into one OCO list holding the
 * stop and the target; without one, a post-only LIMIT_MAKER sell for the free balance or AMOUNT
 * (src/trading/brackets/take-profit-desk.ts). The card has the usual [Confirm] [Cancel].
 */
import { Composer, type Context } from 'grammy';
import type { AmountSpec } from '../../trading/types.js';
import type { TakeProfitRequest } from '../../trading/brackets/take-profit-desk.js';
import type { BotDeps } from '../bot-deps.js';
import { parseTarget } from '../bracket-args.js';
import { argumentError, expectTokens, parseAmount, quoteInput, resolveAmountAsset, tokenize } from '../command-args.js';
import { replyHtml } from '../reply.js';
import { requesterOf } from '../requester.js';
import { resolveSymbol, type SymbolCatalog } from '../symbol-arg.js';
import { defineFeature, type CommandSpec } from './feature.js';
import { orderCardKeyboard } from './orders.js';

const TP_SPEC: CommandSpec = {
  name: 'tp',
  description: 'Take-profit for a held position (with its stop: one OCO)',
  usage: '/tp SYMBOL TARGET [AMOUNT]',
  example: '/tp BTCUSDT 70000',
  details: [
    'TARGET is a price (70000), a percentage above the entry (5%) or a multiple of the risk (2R, needs a managed stop).',
    'With a managed stop on the position (AMOUNT, when given, is its quantity), Confirm replaces the stop order by one OCO list: the same stop below, the target above.',
    'Without one, a post-only limit sell (LIMIT_MAKER) at the target for the free balance, or AMOUNT (0.5, all, 50%).',
  ],
};

export async function parseTpCommand(catalog: SymbolCatalog, match: string): Promise<TakeProfitRequest> {
  const tokens = tokenize(match);
  expectTokens(TP_SPEC, tokens, 2, 3);
  const [symbolToken, targetToken, amountToken] = tokens as [string, string, string | undefined];
  // Shape first: a bad target is refused without a look-up. Keyed like /buy's tp= (tp=5% works too).
  const target = parseTarget(TP_SPEC, targetToken.replace(/^tp=/i, ''));
  const info = await resolveSymbol(catalog, TP_SPEC, symbolToken);
  let amount: AmountSpec | undefined;
  if (amountToken !== undefined) {
    amount = resolveAmountAsset(TP_SPEC, parseAmount(TP_SPEC, amountToken, { allowShareOfBalance: true }), info);
    if (amount.kind === 'quote') throw argumentError(TP_SPEC, `A take-profit sells a quantity of ${info.baseAsset}: give AMOUNT as 0.5, all or 50%, not "${quoteInput(amountToken)}".`);
  }
  return { symbol: info.symbol, target, ...(amount ? { amount } : {}) };
}

export function tpCommand(deps: BotDeps): Composer<Context> {
  const composer = new Composer<Context>();
  composer.command('tp', async (ctx) => {
    const request = await parseTpCommand(deps.exchangeInfo, ctx.match);
    const desk = deps.takeProfitDesk;
    if (!desk) {
      await replyHtml(ctx, 'Take-profits are not available in this deployment.');
      return;
    }
    const card = await desk.prepareTakeProfit(request, requesterOf(ctx));
    const message = await replyHtml(ctx, card.text, orderCardKeyboard(card));
    await deps.trading.attachCard(card.intentId, message.message_id);
  });
  return composer;
}

export const tpFeature = defineFeature({
  name: 'tp',
  commands: [TP_SPEC],
  composer: ({ deps }) => tpCommand(deps),
});
