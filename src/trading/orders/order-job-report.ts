/**
 * Step 5 of an order job (DESIGN.md §4): an order on the exchange is recorded, audited, and shown
 * on its card (through the alerts queue, ranked by card-revisions.ts).
 */
import type { Job } from 'bullmq';
import type { Order } from '../../binance/types.js';
import type { AuditLog } from '../audit-log.js';
import type { OrderIntent } from '../types.js';
import { cardStateOfOrder } from './order-card.js';
import type { CardEdits } from './order-card-edits.js';
import { cardRevisionOf } from './card-revisions.js';
import type { OrderJobMetrics } from './order-job-metrics.js';
import { recordOf, type OrderRecords } from './order-records.js';
import type { OrderJobData } from './orders-queue.js';

export interface OrderReportDeps {
  records: Pick<OrderRecords, 'save'>;
  audit: AuditLog;
  showCard: CardEdits['showCard'];
  latency: OrderJobMetrics['latency'];
  now: () => number;
}

/** `adopted`: found on the exchange rather than placed by this attempt. `note`: a line under the card. */
export type OrderReport = (job: Job<OrderJobData>, intent: OrderIntent, order: Order, adopted: boolean, note?: string) => Promise<void>;

export function createOrderReport(deps: OrderReportDeps): OrderReport {
  const { records, audit, showCard, latency, now } = deps;
  return async (job, intent, order, adopted, note) => {
    const at = now();
    // A /stop card's order is a managed stop's: its record names the stop and the entry (fill alerts).
    const stop = intent.stop ? { stopId: intent.id, ...(intent.stop.entryPrice !== undefined ? { entryPrice: intent.stop.entryPrice } : {}) } : {};
    await records.save(recordOf(order, { intentId: intent.id, userId: intent.userId, chatId: intent.chatId, ...(intent.cardMessageId !== undefined ? { cardMessageId: intent.cardMessageId } : {}), ...stop }, at));
    await audit.record({
      event: adopted ? 'adopted' : 'placement',
      userId: intent.userId,
      intentId: intent.id,
      clientOrderId: intent.clientOrderId,
      symbol: order.symbol,
      orderId: order.orderId,
      outcome: order.status.toLowerCase(),
      detail: `${order.side} ${order.type} executed ${order.executedQty} of ${order.origQty}`,
    });
    await showCard(intent, { ...cardStateOfOrder(order), ...(note !== undefined ? { note } : {}) }, cardRevisionOf(order), `${order.status.toLowerCase()}-${order.executedQty}`);
    if (!adopted) latency.observe(Math.max(0, at - job.data.confirmedAt) / 1000);
  };
}
