/**
 * One request under a client id by the rules of DESIGN.md §4, for the stop manager's orders and
 * lists (which run under a stop's lease, not a job's lock, so their marks are not fenced): mark
 * the send, send, and on an unknown outcome (or a duplicate id) look the id up before anything
 * else. The mark is cleared only when the exchange said no for sure: an unknown outcome keeps it,
 * so whoever comes next looks up before sending again.
 */
import { isExchangeError } from '../../errors.js';
import type { OrderRecords } from './order-records.js';

export async function markedSend<T>(
  records: Pick<OrderRecords, 'markSendAttempted' | 'clearSendAttempted'>,
  id: string,
  now: () => number,
  send: (markedAt: number) => Promise<T>,
  find: () => Promise<T | undefined>,
): Promise<T> {
  const at = now();
  await records.markSendAttempted(id, at);
  try {
    return await send(at);
  } catch (error) {
    if (isExchangeError(error) && (error.kind === 'unknown-outcome' || error.code === 'EXCHANGE_DUPLICATE_ORDER')) {
      const found = await find();
      if (found) return found;
    }
    if (isExchangeError(error) && error.kind !== 'unknown-outcome') await records.clearSendAttempted(id);
    throw error;
  }
}
