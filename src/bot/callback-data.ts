/**
 * Inline-button callback data: short, validated, and never trusted.
 *
 * Telegram caps callback data at 64 bytes (core.telegram.org/bots/api#inlinekeyboardbutton) and
 * hands back whatever a client sends, so every press is decoded against this one table and
 * anything else is refused with a plain reason. The data carries ids only: what an id means
 * (the intent, its owner, its expiry) lives in Redis, never in the button.
 *
 * Layout `<kind>:<field>[:<field>…]`. The kinds below are version 1 of the vocabulary: a change
 * of layout takes a new kind, so a button left in an old chat either still means what it meant
 * or is refused as "no longer recognised", never misread. The card's two buttons are the trading
 * layer's (src/trading/card-callback.ts, handed over in PreparedCard); they are decoded here with
 * its own parser, so there is one format per button.
 *
 * | data                             | button                                           |
 * |----------------------------------|--------------------------------------------------|
 * | `oc:<intentId>`                  | Confirm on an order card (card-callback.ts)      |
 * | `od:<intentId>`                  | Cancel on an order card (card-callback.ts)       |
 * | `k:<symbol>:<orderId>:<ownerId>` | Cancel under /orders (symbol empty when too long) |
 * | `m:<cancelId>`                   | Confirm a multi-order /cancel                    |
 * | `n:<cancelId>`                   | Keep the orders (dismiss a multi-order /cancel)  |
 * | `b:all`                          | Show all balances, dust included                 |
 * | `t:<g\|l\|v>:<N>:<quote>`          | Switch a /top ranking (gainers, losers, volume)  |
 * | `a:<f\|s\|e\|y>:<o\|q\|x>:<ownerId>` | /alerts: set a kind (fills, stop moves, errors, system) on, quiet (silent) or off |
 * | `r:b`, `r:o:<symbol>`, `r:p:<symbol>`, `r:s`, `r:x` | Refresh /balance, /orders [SYMBOL], /price SYMBOL, /status, /stops in place |
 */
import { cardCallbackData, parseCardCallback } from '../trading/card-callback.js';

export const CALLBACK_DATA_MAX_BYTES = 64;

export type CallbackAction =
  | { kind: 'confirm-order'; intentId: string }
  | { kind: 'dismiss-order'; intentId: string }
  /** `symbol` is undefined when it did not fit in 64 bytes: the order is then looked up by id. */
  | { kind: 'cancel-order'; symbol: string | undefined; orderId: number; ownerId: number }
  | { kind: 'confirm-cancel'; cancelId: string }
  | { kind: 'dismiss-cancel'; cancelId: string }
  | { kind: 'balance-all' }
  /** The same /top list (N pairs quoted in `quote`) ranked another way; the message is edited. */
  | { kind: 'top-ranking'; by: 'gainers' | 'losers' | 'volume'; limit: number; quote: string }
  /** /alerts: the owner's setting for one kind of alert (src/alerts/alert-settings.ts); the menu is edited. */
  | { kind: 'alert-setting'; alert: 'fills' | 'stops' | 'errors' | 'system'; mode: 'on' | 'silent' | 'off'; ownerId: number }
  /** Refresh: the view is read again and the message edited in place (data goes stale on a phone). */
  | { kind: 'refresh-balance' }
  /** `symbol` undefined: all symbols (or a symbol too long for the data, then all are shown). */
  | { kind: 'refresh-orders'; symbol: string | undefined }
  | { kind: 'refresh-price'; symbol: string }
  | { kind: 'refresh-status' }
  | { kind: 'refresh-stops' };

export type DecodedCallback = { ok: true; action: CallbackAction } | { ok: false; reason: string };

/** What a trader sees for data we did not make or no longer understand (≤ 200 chars: answerCallbackQuery). */
export const UNRECOGNISED_BUTTON = 'This button is no longer recognised. Send the command again.';

const ID_RE = /^[A-Za-z0-9_-]{1,40}$/;
/** Binance symbols are upper-case letters and digits, and since 2025 also non-Latin letters. */
const SYMBOL_RE = /^[\p{Lu}\p{Lo}\p{Nd}]{1,20}$/u;
const UINT_RE = /^(0|[1-9]\d{0,18})$/;
/** /top: N is at most 50 (src/market/ranking.ts TOP_MAX_LIMIT). */
const TOP_LIMIT_MAX = 50;
const TOP_LETTERS = { gainers: 'g', losers: 'l', volume: 'v' } as const;
const TOP_BY_LETTER = new Map<string, 'gainers' | 'losers' | 'volume'>([
  ['g', 'gainers'],
  ['l', 'losers'],
  ['v', 'volume'],
]);

const byteLength = (text: string): number => Buffer.byteLength(text, 'utf8');

function safeInteger(text: string | undefined): number | undefined {
  if (text === undefined || !UINT_RE.test(text)) return undefined;
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : undefined;
}

function assertId(id: string, what: string): void {
  if (!ID_RE.test(id)) throw new RangeError(`${what} must match ${ID_RE} to fit in callback data`);
}

function assertUint(value: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${what} must be a non-negative safe integer`);
}

/** Builds the data for a button. Throws RangeError on values that could not round-trip. */
export function encodeCallback(action: CallbackAction): string {
  let data: string;
  switch (action.kind) {
    case 'confirm-order':
    case 'dismiss-order':
      assertId(action.intentId, 'intentId');
      data = cardCallbackData(action.kind === 'confirm-order' ? 'confirm' : 'dismiss', action.intentId);
      break;
    case 'confirm-cancel':
    case 'dismiss-cancel':
      assertId(action.cancelId, 'cancelId');
      data = `${action.kind === 'confirm-cancel' ? 'm' : 'n'}:${action.cancelId}`;
      break;
    case 'cancel-order': {
      assertUint(action.orderId, 'orderId');
      assertUint(action.ownerId, 'ownerId');
      const symbol = action.symbol !== undefined && SYMBOL_RE.test(action.symbol) ? action.symbol : '';
      data = `k:${symbol}:${action.orderId}:${action.ownerId}`;
      // A long non-Latin symbol can take 60 bytes on its own; the order id alone still identifies it.
      if (byteLength(data) > CALLBACK_DATA_MAX_BYTES) data = `k::${action.orderId}:${action.ownerId}`;
      break;
    }
    case 'balance-all':
      data = 'b:all';
      break;
    case 'alert-setting':
      assertUint(action.ownerId, 'ownerId');
      data = `a:${ALERT_LETTERS[action.alert]}:${ALERT_MODE_LETTERS[action.mode]}:${action.ownerId}`;
      break;
    case 'refresh-balance':
      data = 'r:b';
      break;
    case 'refresh-status':
      data = 'r:s';
      break;
    case 'refresh-stops':
      data = 'r:x';
      break;
    case 'refresh-orders':
      data = `r:o:${action.symbol !== undefined && SYMBOL_RE.test(action.symbol) ? action.symbol : ''}`;
      if (byteLength(data) > CALLBACK_DATA_MAX_BYTES) data = 'r:o:';
      break;
    case 'refresh-price':
      if (!SYMBOL_RE.test(action.symbol)) throw new RangeError('symbol must be upper-case letters and digits');
      data = `r:p:${action.symbol}`;
      break;
    case 'top-ranking': {
      if (!Number.isInteger(action.limit) || action.limit < 1 || action.limit > TOP_LIMIT_MAX) throw new RangeError(`limit must be 1..${TOP_LIMIT_MAX}`);
      if (!SYMBOL_RE.test(action.quote)) throw new RangeError('quote must be upper-case letters and digits');
      data = `t:${TOP_LETTERS[action.by]}:${action.limit}:${action.quote}`;
      break;
    }
  }
  if (byteLength(data) > CALLBACK_DATA_MAX_BYTES) throw new RangeError(`callback data over ${CALLBACK_DATA_MAX_BYTES} bytes`);
  // Never send a button this bot would refuse when pressed.
  if (!decodeCallback(data).ok) throw new RangeError(`callback data "${data}" would not decode`);
  return data;
}

/** Parses data from a button press. Never throws: unknown or forged data gets a reason. */
export function decodeCallback(data: string | undefined): DecodedCallback {
  const refuse: DecodedCallback = { ok: false, reason: UNRECOGNISED_BUTTON };
  if (typeof data !== 'string' || data.length === 0 || byteLength(data) > CALLBACK_DATA_MAX_BYTES) return refuse;
  const [kind, ...fields] = data.split(':');
  switch (kind) {
    case 'oc':
    case 'od': {
      const card = parseCardCallback(data);
      if (!card) return refuse;
      return { ok: true, action: { kind: card.action === 'confirm' ? 'confirm-order' : 'dismiss-order', intentId: card.intentId } };
    }
    case 'm':
    case 'n': {
      const [id] = fields;
      if (fields.length !== 1 || id === undefined || !ID_RE.test(id)) return refuse;
      if (kind === 'm') return { ok: true, action: { kind: 'confirm-cancel', cancelId: id } };
      return { ok: true, action: { kind: 'dismiss-cancel', cancelId: id } };
    }
    case 'k': {
      if (fields.length !== 3) return refuse;
      const [symbol = '', orderText, ownerText] = fields;
      const orderId = safeInteger(orderText);
      const ownerId = safeInteger(ownerText);
      if (orderId === undefined || ownerId === undefined) return refuse;
      if (symbol !== '' && !SYMBOL_RE.test(symbol)) return refuse;
      return { ok: true, action: { kind: 'cancel-order', symbol: symbol === '' ? undefined : symbol, orderId, ownerId } };
    }
    case 'b':
      return fields.length === 1 && fields[0] === 'all' ? { ok: true, action: { kind: 'balance-all' } } : refuse;
    case 't': {
      const [letter = '', limitText, quote = ''] = fields;
      const by = TOP_BY_LETTER.get(letter);
      const limit = safeInteger(limitText);
      if (fields.length !== 3 || by === undefined || limit === undefined || limit < 1 || limit > TOP_LIMIT_MAX || !SYMBOL_RE.test(quote)) return refuse;
      return { ok: true, action: { kind: 'top-ranking', by, limit, quote } };
    }
    case 'r': {
      const [view, symbol] = fields;
      if (fields.length === 1 && view === 'b') return { ok: true, action: { kind: 'refresh-balance' } };
      if (fields.length === 1 && view === 's') return { ok: true, action: { kind: 'refresh-status' } };
      if (fields.length === 1 && view === 'x') return { ok: true, action: { kind: 'refresh-stops' } };
      if (fields.length === 2 && view === 'o' && (symbol === '' || SYMBOL_RE.test(symbol ?? '-'))) {
        return { ok: true, action: { kind: 'refresh-orders', symbol: symbol === '' ? undefined : symbol } };
      }
      if (fields.length === 2 && view === 'p' && SYMBOL_RE.test(symbol ?? '')) return { ok: true, action: { kind: 'refresh-price', symbol: symbol! } };
      return refuse;
    }
    case 'a': {
      const [letter = '', modeLetter = '', ownerText] = fields;
      const alert = ALERT_BY_LETTER.get(letter);
      const mode = ALERT_MODE_BY_LETTER.get(modeLetter);
      const ownerId = safeInteger(ownerText);
      if (fields.length !== 3 || alert === undefined || mode === undefined || ownerId === undefined) return refuse;
      return { ok: true, action: { kind: 'alert-setting', alert, mode, ownerId } };
    }
    default:
      return refuse;
  }
}

const ALERT_LETTERS = { fills: 'f', stops: 's', errors: 'e', system: 'y' } as const;
const ALERT_MODE_LETTERS = { on: 'o', silent: 'q', off: 'x' } as const;
const ALERT_BY_LETTER = new Map(Object.entries(ALERT_LETTERS).map(([k, v]) => [v as string, k as keyof typeof ALERT_LETTERS]));
const ALERT_MODE_BY_LETTER = new Map(Object.entries(ALERT_MODE_LETTERS).map(([k, v]) => [v as string, k as keyof typeof ALERT_MODE_LETTERS]));
