/**
 * The buttons of a position left unprotected (DESIGN.md §5b; bracket-protection.ts): one tap acts
 * per attempt (a Lua claim). [Retry protection] queues an orders job that adopts the entry and
 * places its exits under a fresh list id; [Sell now] is a MARKET sell card of what the entry
 * received, confirmed by the tap itself.
 */
import type { Redis } from 'ioredis';
import { AppError } from '../../errors.js';
import type { ExchangeClient } from '../../binance/exchange-client.js';
import { auditActor, type AuditLog } from '../audit-log.js';
import type { PrepareCard } from '../card-preparation.js';
import type { IntentStore } from '../intent-store.js';
import { priceOrder, type PricingDeps } from '../orders/order-pricing.js';
import type { OrdersQueue } from '../orders/orders-queue.js';
import type { OrderIntent, Requester, TradingService } from '../types.js';
import { protectJobId } from './bracket-ids.js';
import { receivedQuantity } from './bracket-placement.js';
import { claimUnprotected } from './bracket-protection.js';

export interface UnprotectedActionsDeps {
  redis: Redis;
  prefix: string;
  exchange: ExchangeClient;
  intents: IntentStore;
  ordersQueue: Pick<OrdersQueue, 'enqueueProtection'>;
  audit: AuditLog;
  /** The service's card pricing (its card reads) and card preparation, and its Confirm. */
  pricing: PricingDeps;
  prepareCard: PrepareCard;
  confirm: TradingService['confirm'];
  now: () => number;
}

export function createUnprotectedActions(deps: UnprotectedActionsDeps): Pick<TradingService, 'retryProtection' | 'sellUnprotected'> {
  const { exchange, intents, audit, pricing } = deps;

  /** The stored intent behind an unprotected card, claimed for this tap (one action per attempt). */
  async function unprotectedIntent(intentId: string, attempt: number, requester: Requester): Promise<OrderIntent> {
    const stored = await intents.get(intentId);
    if (!stored?.intent.preview.bracket) throw new AppError('CONFIRM_EXPIRED', `no bracket intent ${intentId}`, { userMessage: 'This order is no longer known to the bot. See /orders and /balance.' });
    if (stored.intent.userId !== requester.userId) throw new AppError('CONFIRM_FOREIGN', `intent ${intentId} belongs to ${stored.intent.userId}`);
    if (!(await claimUnprotected(deps.redis, deps.prefix, intentId, attempt))) {
      throw new AppError('CONFIRM_ALREADY_USED', `protection attempt ${attempt} of ${intentId} already claimed`, { userMessage: 'This button was already used: the card shows what happened.' });
    }
    return stored.intent;
  }

  return {
    async retryProtection(intentId, attempt, requester) {
      const intent = await unprotectedIntent(intentId, attempt, requester);
      await deps.ordersQueue.enqueueProtection(intent, attempt, protectJobId(intentId, attempt), deps.now());
      await audit.record({ event: 'confirm', ...auditActor(requester), intentId, symbol: intent.preview.symbol, outcome: 'retry-protection', detail: `attempt ${attempt}` });
      return 'Placing the stop and target again…';
    },

    async sellUnprotected(intentId, attempt, requester) {
      const intent = await unprotectedIntent(intentId, attempt, requester);
      const symbol = intent.preview.symbol;
      const entry = await exchange.getOrder({ symbol, origClientOrderId: intent.clientOrderId });
      const info = await pricing.symbols.symbol(symbol);
      const quantity = info ? await receivedQuantity(exchange, entry, info) : entry.executedQty;
      const card = await deps.prepareCard(symbol, requester, () => priceOrder(pricing, { symbol, side: 'SELL', amount: { kind: 'base', quantity } }));
      // The tap on [Sell now] is the confirmation: the card arrives already queued.
      const outcome = await deps.confirm(card.intentId, requester.userId);
      return { ...card, text: outcome.text };
    },
  };
}
