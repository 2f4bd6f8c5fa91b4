/**
 * A card nobody answered must not look live (DESIGN.md §2): at its deadline it is edited to
 * "expired" without buttons. The edit waits in the alerts queue (so a restart does not lose it)
 * and is dropped if the intent was confirmed or cancelled meanwhile: a decided intent keeps its
 * key, a pending one's key expires with the card.
 */
import type { IntentStore } from './intent-store.js';
import { renderCard } from './orders/order-card.js';
import type { AlertSink } from './types.js';

/** After the intent's key has expired in Redis, so the edit never races a last-moment Confirm. */
const EXPIRY_EDIT_MARGIN_MS = 500;

/** Schedules the expiry edit of the card `messageId` shows; nothing without an alerts queue. */
export type ScheduleExpiryEdit = (intentId: string, messageId: number) => Promise<void>;

export function createCardExpiry(deps: { intents: IntentStore; alerts: AlertSink | undefined; now: () => number }): ScheduleExpiryEdit {
  const { intents, alerts, now } = deps;
  return async (intentId, messageId) => {
    const stored = await intents.get(intentId);
    if (!alerts || !stored || stored.state !== 'pending') return;
    const intent = { ...stored.intent, cardMessageId: messageId };
    await alerts.enqueue(
      {
        key: `expire-card-${intentId}`,
        chatId: intent.chatId,
        userId: intent.userId,
        editMessageId: messageId,
        text: renderCard(intent, { kind: 'expired' }),
        category: 'order',
        unlessKeyExists: intents.keyOf(intentId),
      },
      { delayMs: intent.expiresAt - now() + EXPIRY_EDIT_MARGIN_MS },
    );
  };
}
