/**
 * A card from its pricing (DESIGN.md §2): the order is priced, its intent stored (bound to the
 * trader, with the confirm TTL), both audited, and the card returned with its Confirm and Cancel
 * buttons. The pricing is the caller's: a plain order, a bracket, a sell of an unprotected entry.
 */
import { isAppError } from '../errors.js';
import { auditActor, type AuditLog } from './audit-log.js';
import { cardCallbackData } from './card-callback.js';
import type { IntentStore } from './intent-store.js';
import { renderCard } from './orders/order-card.js';
import { planSummary } from './brackets/bracket-lines.js';
import type { OrderPreview, PreparedCard, Requester } from './types.js';

export type PrepareCard = (symbol: string, requester: Requester, price: () => Promise<OrderPreview>) => Promise<PreparedCard>;

export function createCardPreparation(deps: { intents: IntentStore; audit: AuditLog }): PrepareCard {
  const { intents, audit } = deps;
  return async (symbol, requester, price) => {
    let preview;
    try {
      preview = await price();
    } catch (error) {
      await audit.record({ event: 'intent', ...auditActor(requester), symbol, outcome: 'refused', detail: isAppError(error) ? error.code : 'INTERNAL' });
      throw error;
    }
    const intent = await intents.create({ userId: requester.userId, chatId: requester.chatId, ...(requester.displayName !== undefined ? { displayName: requester.displayName } : {}), preview });
    await audit.record({
      event: 'intent',
      ...auditActor(requester),
      intentId: intent.id,
      clientOrderId: intent.clientOrderId,
      symbol: preview.symbol,
      outcome: 'card',
      detail: `${preview.side} ${preview.type} ${preview.quantity ?? `${preview.quoteOrderQty} ${preview.quoteAsset}`}${preview.price ? ` @ ${preview.price}` : ''}${preview.bracket ? ` ${planSummary(preview.bracket)}` : ''}`,
    });
    return {
      intentId: intent.id,
      text: renderCard(intent, { kind: 'pending' }),
      confirmData: cardCallbackData('confirm', intent.id),
      cancelData: cardCallbackData('dismiss', intent.id),
      expiresAt: intent.expiresAt,
    };
  };
}
