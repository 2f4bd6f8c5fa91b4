/**
 * The order worker's edits of a confirmation card (DESIGN.md §2, §6): sent through the alerts
 * queue, keyed by intent and state so a retried job edits once, and ranked (card-revisions.ts) so
 * a late edit never rolls the card back.
 */
import type { IntentStore } from '../intent-store.js';
import type { AlertSink, OrderIntent } from '../types.js';
import { renderCard, type CardState } from './order-card.js';

export interface CardEdits {
  /** The intent with the card's message id: attachCard may have landed after the job was enqueued. */
  cardOwner(intent: OrderIntent): Promise<OrderIntent>;
  /** Queues the card's edit to `state` (a new message when the card's id is unknown). */
  showCard(intent: OrderIntent, state: CardState, revision: number, tag: string): Promise<void>;
}

export function createCardEdits(deps: { intents: IntentStore; alerts: AlertSink }): CardEdits {
  const { intents, alerts } = deps;
  return {
    async cardOwner(intent) {
      // The store has the latest.
      const stored = await intents.get(intent.id).catch(() => undefined);
      return stored?.intent.cardMessageId !== undefined ? { ...intent, cardMessageId: stored.intent.cardMessageId } : intent;
    },
    async showCard(intent, state, revision, tag) {
      await alerts.enqueue({
        key: `card-${intent.id}-${tag}`,
        chatId: intent.chatId,
        userId: intent.userId,
        text: renderCard(intent, state),
        category: state.kind === 'failed' ? 'error' : 'order',
        ...(intent.cardMessageId !== undefined ? { editMessageId: intent.cardMessageId, revision } : {}),
      });
    },
  };
}
