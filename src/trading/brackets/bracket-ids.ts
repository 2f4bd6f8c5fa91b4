/**
 * Client ids of a bracket's orders and lists, derived from the intent id (`[A-Za-z0-9_-]{1,36}`,
 * BINANCE.md "Orders"), so a retried or taken-over job looks up what an earlier attempt may have
 * placed instead of placing it again (DESIGN.md §4, §5b). The entry keeps the intent's own
 * `bco-<id>`, so the order pipeline's records, look-ups and fill alerts treat it as any order.
 */

/** The list of a LIMIT entry (OTO/OTOCO), or the protection list of a MARKET entry (attempt n). */
export const bracketListId = (intentId: string, attempt = 0): string => (attempt === 0 ? `bkl-${intentId}` : `bkl-${intentId}-${attempt}`);
/** The stop leg and the take-profit leg of a list. */
export const bracketStopId = (listId: string): string => `s${listId.slice(1)}`;
export const bracketTargetId = (listId: string): string => `t${listId.slice(1)}`;
/** A protection job's id (Retry protection, Sell now): one per attempt. */
export const protectJobId = (intentId: string, attempt: number): string => `bkp-${intentId}-${attempt}`;

/** Which exit a leg's client id names. */
export function legOf(clientOrderId: string): 'stop' | 'target' | undefined {
  if (clientOrderId.startsWith('skl-')) return 'stop';
  if (clientOrderId.startsWith('tkl-')) return 'target';
  return undefined;
}
