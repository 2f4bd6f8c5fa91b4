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
/**
 * The n-th OCO list of a managed stop with a target (/tp, a trailing stop inside a plan): each
 * move cancels the list and places the next, so a retried move looks its own list up first.
 */
export const stopListId = (stopId: string, n: number): string => `bkl-${stopId}-m${n}`;
/** The market sell of a stop crossed while its list was being replaced. */
export const crossedSellId = (stopId: string, n: number): string => `bsx-${stopId}-${n}`;
/** A protection job's id (Retry protection, Sell now): one per attempt. */
export const protectJobId = (intentId: string, attempt: number): string => `bkp-${intentId}-${attempt}`;

/** Which exit a leg's client id names. */
export function legOf(clientOrderId: string): 'stop' | 'target' | undefined {
  if (clientOrderId.startsWith('skl-')) return 'stop';
  if (clientOrderId.startsWith('tkl-')) return 'target';
  return undefined;
}
