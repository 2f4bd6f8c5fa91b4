/**
 * The buttons of a card whose plan left the position unprotected (DESIGN.md §5b): the exits were
 * refused after the MARKET entry filled. [Retry protection] queues them again; [Sell now] sells
 * what the entry bought at market, the tap being its confirmation, and its card arrives as a new
 * message that the worker edits as any order card. Each button is good for one tap per attempt
 * (src/trading/brackets/bracket-protection.ts).
 */
import { Composer, type Context } from 'grammy';
import { PROTECT_PREFIX } from '../../trading/brackets/bracket-protection.js';
import type { BotDeps } from '../bot-deps.js';
import type { CallbackHandler } from '../callback-router.js';
import { replyHtml } from '../reply.js';
import { requesterOf } from '../requester.js';
import { assertId, defineButtons, defineFeature, ID_RE } from './feature.js';

export type BracketButton = { kind: 'retry-protection'; intentId: string; attempt: number } | { kind: 'sell-unprotected'; intentId: string; attempt: number };

export const bracketButtons = defineButtons<BracketButton>({
  prefixes: [PROTECT_PREFIX],
  kinds: ['retry-protection', 'sell-unprotected'],
  encode(action) {
    assertId(action.intentId, 'intentId');
    return `${PROTECT_PREFIX}:${action.kind === 'retry-protection' ? 'r' : 's'}:${action.intentId}:${action.attempt}`;
  },
  decode(_prefix, fields) {
    const [verb, id, attempt] = fields;
    if (fields.length !== 3 || (verb !== 'r' && verb !== 's') || id === undefined || !ID_RE.test(id) || !/^[1-9]\d{0,3}$/.test(attempt ?? '')) return undefined;
    return { kind: verb === 'r' ? 'retry-protection' : 'sell-unprotected', intentId: id, attempt: Number(attempt) };
  },
});

function retryButton(deps: BotDeps): CallbackHandler<'retry-protection'> {
  return async (ctx, action) => ({ answer: await deps.trading.retryProtection(action.intentId, action.attempt, requesterOf(ctx)) });
}

function sellButton(deps: BotDeps): CallbackHandler<'sell-unprotected'> {
  return async (ctx, action) => {
    const card = await deps.trading.sellUnprotected(action.intentId, action.attempt, requesterOf(ctx));
    return {
      answer: 'Selling at market…',
      after: async () => {
        const message = await replyHtml(ctx, card.text);
        await deps.trading.attachCard(card.intentId, message.message_id);
      },
    };
  };
}

export const bracketsFeature = defineFeature<BracketButton>({
  name: 'brackets',
  commands: [],
  composer: () => new Composer<Context>(),
  buttons: bracketButtons,
  handlers: ({ deps }) => ({ 'retry-protection': retryButton(deps), 'sell-unprotected': sellButton(deps) }),
});
