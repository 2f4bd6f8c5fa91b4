/**
 * What a trader does in the chaos suites: asks for an order until a card comes (the bot may
 * answer "the exchange asked us to slow down" while a ban or an outage lasts — a person tries
 * again), then taps Confirm.
 */
import type { UpdateUser } from '../../support/fake-bot-api.js';
import type { Card, ChaosStack } from './chaos-stack.js';

export interface ConfirmedCard {
  card: Card;
  from: UpdateUser;
  command: string;
  /** Replies that were not a card before the card came (the trader had to ask again). */
  refusals: number;
  /** Their first lines. */
  refusalTexts: string[];
}

export async function orderAndConfirm(stack: ChaosStack, from: UpdateUser, command: string, options: { tries?: number; pauseMs?: number } = {}): Promise<ConfirmedCard> {
  // A person asks again for a minute or two: a 429 from the exchange's own weight limit holds
  // every request until its window resets (up to a minute), and the bot says so meanwhile.
  const tries = options.tries ?? 150;
  let refusals = 0;
  let lastReply = '';
  const refusalTexts: string[] = [];
  for (let i = 0; i < tries; i++) {
    const card = await stack.orderCard(from, command);
    if (typeof card === 'string') {
      refusals++;
      lastReply = card;
      refusalTexts.push(card.split('\n')[0]!.slice(0, 80));
      await new Promise((r) => setTimeout(r, options.pauseMs ?? 500));
      continue;
    }
    const answer = await stack.press(from, card.messageId, card.confirmData);
    if (!answer || !/^Confirmed/.test(answer)) throw new Error(`Confirm of ${command} for ${from.id} answered ${JSON.stringify(answer)}`);
    return { card, from, command, refusals, refusalTexts };
  }
  throw new Error(`no card for ${command} after ${tries} tries; the bot last said: ${lastReply}`);
}
