/**
 * Sign-in of the Mini App (DESIGN.md §12): every API call carries Telegram's `initData`, the query
 * string Telegram hands the page, and is answered only when
 *
 * 1. its `hash` is the HMAC-SHA256 of the data-check-string under the secret key
 *    HMAC-SHA256(key "WebAppData", bot token) — the data-check-string being every other received
 *    field, URL-decoded, sorted by key, `key=value` joined by "\n"
 *    (core.telegram.org/bots/webapps#validating-data-received-via-the-mini-app); compared in
 *    constant time;
 * 2. `auth_date` is at most WEBAPP_AUTH_MAX_AGE_S old (and not from the future beyond a small
 *    clock skew): a copied initData stops working;
 * 3. the `user` it names is in TELEGRAM_ALLOWED_USERS.
 *
 * A field given twice makes the data-check-string ambiguous, so such initData is refused outright.
 * Why a request was refused goes to the log, never to the client (it gets 401 and an empty body).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface WebAppUser {
  id: number;
  firstName?: string;
  username?: string;
}

export type InitDataCheck =
  | { ok: true; user: WebAppUser; authDate: number }
  | { ok: false; reason: 'missing' | 'malformed' | 'bad-hash' | 'expired' | 'future' | 'no-user' | 'not-allowed' };

export interface InitDataVerifier {
  check(initData: string | undefined): InitDataCheck;
}

export interface InitDataVerifierOptions {
  botToken: string;
  /** WEBAPP_AUTH_MAX_AGE_S. */
  maxAgeS: number;
  allowedUsers: readonly number[];
  /** Epoch ms. */
  now?: () => number;
}

/** Telegram's initData is a few hundred bytes; anything near this is not from Telegram. */
export const MAX_INIT_DATA_LENGTH = 8 * 1024;
/** auth_date may run this far ahead of our clock (clients' and servers' clocks drift). */
const FUTURE_SKEW_S = 60;

export function webAppSecretKey(botToken: string): Buffer {
  return createHmac('sha256', 'WebAppData').update(botToken).digest();
}

function dataCheckString(fields: ReadonlyArray<readonly [string, string]>): string {
  return [...fields]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, value]) => `${key}=${value}`)
    .join('\n');
}

export function createInitDataVerifier(options: InitDataVerifierOptions): InitDataVerifier {
  const secret = webAppSecretKey(options.botToken);
  const allowed = new Set(options.allowedUsers);
  const now = options.now ?? Date.now;

  return {
    check(initData) {
      if (!initData) return { ok: false, reason: 'missing' };
      if (initData.length > MAX_INIT_DATA_LENGTH) return { ok: false, reason: 'malformed' };
      const fields: Array<[string, string]> = [];
      const seen = new Set<string>();
      let hash: string | undefined;
      for (const [key, value] of new URLSearchParams(initData)) {
        if (seen.has(key)) return { ok: false, reason: 'malformed' };
        seen.add(key);
        if (key === 'hash') hash = value;
        else fields.push([key, value]);
      }
      if (hash === undefined || !/^[0-9a-f]{64}$/.test(hash)) return { ok: false, reason: 'malformed' };
      const expected = createHmac('sha256', secret).update(dataCheckString(fields)).digest();
      if (!timingSafeEqual(expected, Buffer.from(hash, 'hex'))) return { ok: false, reason: 'bad-hash' };

      const values = new Map(fields);
      const authDate = Number(values.get('auth_date'));
      if (!Number.isSafeInteger(authDate) || authDate <= 0) return { ok: false, reason: 'malformed' };
      const nowS = Math.floor(now() / 1000);
      if (authDate > nowS + FUTURE_SKEW_S) return { ok: false, reason: 'future' };
      if (nowS - authDate > options.maxAgeS) return { ok: false, reason: 'expired' };

      let user: WebAppUser;
      try {
        const raw = JSON.parse(values.get('user') ?? 'null') as { id?: unknown; first_name?: unknown; username?: unknown } | null;
        if (!raw || typeof raw.id !== 'number' || !Number.isSafeInteger(raw.id)) return { ok: false, reason: 'no-user' };
        user = {
          id: raw.id,
          ...(typeof raw.first_name === 'string' ? { firstName: raw.first_name } : {}),
          ...(typeof raw.username === 'string' ? { username: raw.username } : {}),
        };
      } catch {
        return { ok: false, reason: 'no-user' };
      }
      if (!allowed.has(user.id)) return { ok: false, reason: 'not-allowed' };
      return { ok: true, user, authDate };
    },
  };
}

/**
 * initData as Telegram would make it for `fields` (user as an object, auth_date in seconds):
 * for tests, the screenshot script and a local preview. The hash is the last field, as Telegram
 * sends it.
 */
export function signInitData(botToken: string, fields: Record<string, string | number | object>): string {
  const flat: Array<[string, string]> = Object.entries(fields).map(([key, value]) => [key, typeof value === 'object' ? JSON.stringify(value) : String(value)]);
  const hash = createHmac('sha256', webAppSecretKey(botToken)).update(dataCheckString(flat)).digest('hex');
  const params = new URLSearchParams(flat);
  params.append('hash', hash);
  return params.toString();
}
