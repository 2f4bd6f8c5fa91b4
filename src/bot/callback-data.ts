/**
 * Inline-button callback data: short, validated, and never trusted.
 *
 * Telegram caps callback data at 64 bytes (core.telegram.org/bots/api#inlinekeyboardbutton) and
 * hands back whatever a client sends, so every press is decoded by the schema of the feature
 * whose prefix it carries (features/index.ts lists them) and anything else is refused with a
 * plain reason. The data carries ids only: what an id means (the intent, its owner, its expiry)
 * lives in Redis, never in the button.
 *
 * Layout `<prefix>:<field>[:<field>…]`. The prefixes are version 1 of the vocabulary: a change of
 * layout takes a new prefix, so a button left in an old chat either still means what it meant or
 * is refused as "no longer recognised", never misread.
 */
import { byteLength, CALLBACK_DATA_MAX_BYTES, splitData } from './features/feature.js';
import { featureRegistry, type CallbackAction } from './features/index.js';

export { CALLBACK_DATA_MAX_BYTES } from './features/feature.js';
export type { CallbackAction } from './features/index.js';

export type DecodedCallback = { ok: true; action: CallbackAction } | { ok: false; reason: string };

/** What a trader sees for data we did not make or no longer understand (≤ 200 chars: answerCallbackQuery). */
export const UNRECOGNISED_BUTTON = 'This button is no longer recognised. Send the command again.';

let prefixes: ReadonlySet<string> | undefined;

/** Builds the data for a button. Throws RangeError on values that could not round-trip. */
export function encodeCallback(action: CallbackAction): string {
  const schema = featureRegistry().byKind.get(action.kind);
  if (!schema) throw new RangeError(`no feature makes "${action.kind}" buttons`);
  return schema.encode(action);
}

/** Parses data from a button press. Never throws: unknown or forged data gets a reason. */
export function decodeCallback(data: string | undefined): DecodedCallback {
  const refuse: DecodedCallback = { ok: false, reason: UNRECOGNISED_BUTTON };
  if (typeof data !== 'string' || data.length === 0 || byteLength(data) > CALLBACK_DATA_MAX_BYTES) return refuse;
  const registry = featureRegistry();
  prefixes ??= new Set(registry.byPrefix.keys());
  const split = splitData(data, prefixes);
  const action = split && registry.byPrefix.get(split.prefix)!.decode(split.prefix, split.fields, data);
  return action ? { ok: true, action } : refuse;
}
