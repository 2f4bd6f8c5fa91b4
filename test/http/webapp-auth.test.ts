/**
 * The Mini App's sign-in (DESIGN.md §12): Telegram's initData checked as
 * core.telegram.org/bots/webapps#validating-data-received-via-the-mini-app describes it. The
 * expected hash below is computed here step by step from the documented recipe, not by the code
 * under test.
 */
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createInitDataVerifier, signInitData } from '../../src/http/webapp-auth.js';

const TOKEN = '123456:AAE-test_token_for_the_mini_app_0123';
const NOW_S = 1_765_000_000;
const verifier = (options: { allowed?: number[]; maxAgeS?: number } = {}) =>
  createInitDataVerifier({ botToken: TOKEN, maxAgeS: options.maxAgeS ?? 3600, allowedUsers: options.allowed ?? [1001], now: () => NOW_S * 1000 });
const USER = '{"id":1001,"first_name":"Alice","username":"alice","language_code":"en"}';

/** The documented recipe, written out: sorted `key=value` lines, secret = HMAC("WebAppData", token). */
function documentedHash(fields: Record<string, string>): string {
  const checkString = Object.keys(fields)
    .sort()
    .map((k) => `${k}=${fields[k]}`)
    .join('\n');
  const secret = createHmac('sha256', 'WebAppData').update(TOKEN).digest();
  return createHmac('sha256', secret).update(checkString).digest('hex');
}

function initData(fields: Record<string, string>, hash = documentedHash(fields)): string {
  return `${new URLSearchParams(fields).toString()}&hash=${hash}`;
}

describe('initData sign-in', () => {
  const fields = { query_id: 'AAHdF6IQAAAAAN0XohDhrOrc', user: USER, auth_date: String(NOW_S - 10), signature: 'abc_DEF-123' };

  it('accepts initData signed as Telegram documents it, signature field included, and names the user', () => {
    expect(verifier().check(initData(fields))).toEqual({ ok: true, user: { id: 1001, firstName: 'Alice', username: 'alice' }, authDate: NOW_S - 10 });
    // The helper the tests and the screenshot script use signs the same way.
    expect(verifier().check(signInitData(TOKEN, { ...fields, user: JSON.parse(USER) as object }))).toMatchObject({ ok: true });
  });

  it('refuses a changed field, another bot token, a bad or missing hash, and a repeated field', () => {
    const v = verifier();
    const hash = documentedHash(fields);
    expect(v.check(initData({ ...fields, user: USER.replace('1001', '1002') }, hash))).toEqual({ ok: false, reason: 'bad-hash' });
    expect(v.check(initData(fields, hash.replace(/^./, hash[0] === 'a' ? 'b' : 'a')))).toEqual({ ok: false, reason: 'bad-hash' });
    expect(v.check(signInitData('654321:another-bots-token_0123456789', { ...fields, user: JSON.parse(USER) as object }))).toEqual({ ok: false, reason: 'bad-hash' });
    expect(v.check(new URLSearchParams(fields).toString())).toEqual({ ok: false, reason: 'malformed' });
    expect(v.check(`${initData(fields)}&auth_date=${NOW_S}`)).toEqual({ ok: false, reason: 'malformed' });
    expect(v.check(undefined)).toEqual({ ok: false, reason: 'missing' });
    expect(v.check('')).toEqual({ ok: false, reason: 'missing' });
    expect(v.check('x'.repeat(20_000))).toEqual({ ok: false, reason: 'malformed' });
  });

  it('refuses initData older than WEBAPP_AUTH_MAX_AGE_S, or from the future beyond a minute of skew', () => {
    const v = verifier({ maxAgeS: 3600 });
    expect(v.check(initData({ ...fields, auth_date: String(NOW_S - 3600) }))).toMatchObject({ ok: true });
    expect(v.check(initData({ ...fields, auth_date: String(NOW_S - 3601) }))).toEqual({ ok: false, reason: 'expired' });
    expect(v.check(initData({ ...fields, auth_date: String(NOW_S + 30) }))).toMatchObject({ ok: true });
    expect(v.check(initData({ ...fields, auth_date: String(NOW_S + 120) }))).toEqual({ ok: false, reason: 'future' });
    expect(v.check(initData({ ...fields, auth_date: 'soon' }))).toEqual({ ok: false, reason: 'malformed' });
  });

  it('refuses a validly signed stranger, and initData without a user', () => {
    expect(verifier({ allowed: [1002] }).check(initData(fields))).toEqual({ ok: false, reason: 'not-allowed' });
    expect(verifier({ allowed: [] }).check(initData(fields))).toEqual({ ok: false, reason: 'not-allowed' });
    const { user: _user, ...withoutUser } = fields;
    expect(verifier().check(initData(withoutUser))).toEqual({ ok: false, reason: 'no-user' });
    expect(verifier().check(initData({ ...fields, user: '{"id":"1001"}' }))).toEqual({ ok: false, reason: 'no-user' });
  });
});
