/**
 * Callback data of a confirmation card's buttons: a two-letter action and the intent id, 19
 * bytes in all (Telegram allows 64). Nothing else rides in the button: the intent lives in Redis.
 */
import { INTENT_ID_RE } from './intent-store.js';

export type CardAction = 'confirm' | 'dismiss';

const PREFIX: Record<CardAction, string> = { confirm: 'oc', dismiss: 'od' };

export function cardCallbackData(action: CardAction, intentId: string): string {
  return `${PREFIX[action]}:${intentId}`;
}

/** The action and intent id of a card button, or undefined for any other callback data. */
export function parseCardCallback(data: string): { action: CardAction; intentId: string } | undefined {
  const match = /^(oc|od):(.+)$/.exec(data);
  if (!match || !INTENT_ID_RE.test(match[2]!)) return undefined;
  return { action: match[1] === 'oc' ? 'confirm' : 'dismiss', intentId: match[2]! };
}
