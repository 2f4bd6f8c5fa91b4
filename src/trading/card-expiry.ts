/**
 * A card nobody answered must not look live (DESIGN.md §2): at its deadline it is edited to
 * "expired" without buttons. The edit waits in the alerts queue (so a restart does not lose it)
 * and is dropped if the intent was confirmed or cancelled meanwhile: a decided intent keeps its
 * key, a pending one's key expires with the card. A card decided through the trading service
 * also withdraws the waiting edit at once, so it does not take a slot of the alerts worker's
 * rate limit at its deadline only to be dropped (the key check stays for any it misses).
 */
import type { IntentStore } from './intent-store.js';
import { renderCard } from './orders/order-card.js';
import type { AlertSink } from './types.js';

/** After the intent's key has expired in Redis, so the edit never races a last-moment Confirm. */
const EXPIRY_EDIT_MARGIN_MS = 500;

/** Schedules the expiry edit of the card `messageId` shows; nothing without an alerts queue. */
export type ScheduleExpiryEdit = (intentId: string, messageId: number) => Promise<void>;

/** Drops a decided card's waiting expiry edit; best effort. */
export type WithdrawExpiryEdit = (intentId: string) => Promise<void>;

const expiryKey = (intentId: string) => `expire-card-${intentId}`;

export function createCardExpiry(deps: { intents: IntentStore; alerts: AlertSink | undefined; now: () => number }): { schedule: ScheduleExpiryEdit; withdraw: WithdrawExpiryEdit } {
  const { intents, alerts, now } = deps;
  const withdraw: WithdrawExpiryEdit = async (intentId) => {
    await alerts?.withdraw?.(expiryKey(intentId));
  };
  const schedule: ScheduleExpiryEdit = async (intentId, messageId) => {
    const stored = await intents.get(intentId);
    if (!alerts || !stored || stored.state !== 'pending') return;
    const intent = { ...stored.intent, cardMessageId: messageId };
    await alerts.enqueue(
      {
        key: expiryKey(intentId),
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
  return { schedule, withdraw };
}
