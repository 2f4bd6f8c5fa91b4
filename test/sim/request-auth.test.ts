/**
 * Signature verification against Binance's own published vectors (fixtures/signatures): the
 * simulator must accept exactly what Binance accepts, for all three key types and both payload
 * forms, and refuse the near misses.
 */
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { percentEncode } from '../../src/binance/signing.js';
import { parseParams } from '../../src/sim/http/http-server.js';
import { createRequestAuth, type ApiCredential } from '../../src/sim/http/request-auth.js';
import { fixture, fixturePath } from '../support/fixtures.js';

interface Vector {
  id: string;
  apiKey?: string;
  secretKey?: string;
  privateKeyFile?: string;
  payload: string;
  expectedSignature: string;
}
const vectors = fixture<{ vectors: Vector[] }>('signatures/binance_signature_vectors.json').vectors;
const vector = (id: string) => vectors.find((v) => v.id === id)!;
const pem = (file: string) => readFileSync(fixturePath(`signatures/${file}`), 'utf8');

const REST_TIME = 1499827319559;
const HMAC_KEY = vector('hmac_rest_ascii').apiKey!;
const credentials: ApiCredential[] = [
  { apiKey: HMAC_KEY, type: 'hmac', secret: vector('hmac_rest_ascii').secretKey! },
  { apiKey: 'rsaKey', type: 'rsa', publicKeyPem: pem('rsa_private_key.pem') },
  { apiKey: 'edKey', type: 'ed25519', publicKeyPem: pem('ed25519_private_key.pem') },
];

function verify(apiKey: string, rawQuery: string, rawBody = '', serverTime = REST_TIME + 100) {
  const auth = createRequestAuth(credentials, () => serverTime);
  return auth.verifyRest({ apiKeyHeader: apiKey, rawQuery, rawBody, params: parseParams(rawQuery, rawBody) });
}
const signed = (v: Vector, signature = v.expectedSignature) => `${v.payload}&signature=${percentEncode(signature)}`;
const code = (fn: () => unknown) => {
  try {
    fn();
    return 0;
  } catch (error) {
    return (error as { code: number }).code;
  }
};

describe('REST signatures', () => {
  test('accepts the HMAC vectors (ASCII and percent-encoded non-ASCII), hex in any case', () => {
    expect(verify(HMAC_KEY, signed(vector('hmac_rest_ascii')))).toBe(HMAC_KEY);
    expect(verify(HMAC_KEY, signed(vector('hmac_rest_non_ascii_percent_encoded')))).toBe(HMAC_KEY);
    const v = vector('hmac_rest_ascii');
    expect(verify(HMAC_KEY, signed(v, v.expectedSignature.toUpperCase()))).toBe(HMAC_KEY);
  });

  test('accepts the RSA and Ed25519 vectors (base64, percent-encoded in the URL)', () => {
    expect(verify('rsaKey', signed(vector('rsa_pkcs8')))).toBe('rsaKey');
    const ed = vector('ed25519_pkcs8');
    expect(verify('edKey', signed(ed), '', 1685686334211 + 100)).toBe('edKey');
  });

  test('a base64 signature sent without percent-encoding (its + read as a space) is refused', () => {
    const ed = vector('ed25519_pkcs8');
    expect(ed.expectedSignature).toContain('+');
    expect(code(() => verify('edKey', `${ed.payload}&signature=${ed.expectedSignature}`, '', 1685686334211 + 100))).toBe(-1022);
  });

  test('the payload is the query concatenated with the body, no separator', () => {
    const v = vector('hmac_rest_ascii');
    const cut = v.payload.indexOf('&quantity=');
    const query = v.payload.slice(0, cut); // "symbol=LTCBTC&…&timeInForce=GTC"
    const body = v.payload.slice(cut + 1); // "quantity=1&…"
    // Signed "query&body" (as if joined): refused, because Binance signs query + body exactly.
    expect(code(() => verify(HMAC_KEY, query, `${body}&signature=${v.expectedSignature}`))).toBe(-1022);
    const concatenated = createHmac('sha256', v.secretKey!).update(query + body).digest('hex');
    expect(verify(HMAC_KEY, query, `${body}&signature=${concatenated}`)).toBe(HMAC_KEY);
  });

  test('a signature over anything else, a missing signature or an unknown key is refused', () => {
    const v = vector('hmac_rest_ascii');
    expect(code(() => verify(HMAC_KEY, signed(v).replace('quantity=1', 'quantity=2')))).toBe(-1022);
    expect(code(() => verify(HMAC_KEY, v.payload))).toBe(-1102);
    expect(code(() => verify('unknownKey', signed(v)))).toBe(-2015);
    expect(code(() => verify('bad key!', signed(v)))).toBe(-2014);
  });

  test('timestamp rules: -1021 outside recvWindow or 1 s ahead; µs timestamps; recvWindow at most 60000', () => {
    const v = vector('hmac_rest_ascii'); // recvWindow=5000
    expect(verify(HMAC_KEY, signed(v), '', REST_TIME + 5000)).toBe(HMAC_KEY);
    expect(code(() => verify(HMAC_KEY, signed(v), '', REST_TIME + 5001))).toBe(-1021);
    expect(verify(HMAC_KEY, signed(v), '', REST_TIME - 999)).toBe(HMAC_KEY);
    expect(code(() => verify(HMAC_KEY, signed(v), '', REST_TIME - 1000))).toBe(-1021);

    const auth = createRequestAuth(credentials, () => 1_700_000_000_000);
    const hmac = (payload: string) => createHmac('sha256', vector('hmac_rest_ascii').secretKey!).update(payload).digest('hex');
    const micro = 'timestamp=1700000000000123';
    expect(auth.verifyRest({ apiKeyHeader: HMAC_KEY, rawQuery: `${micro}&signature=${hmac(micro)}`, rawBody: '', params: parseParams(`${micro}&signature=${hmac(micro)}`, '') })).toBe(HMAC_KEY);
    const wide = 'recvWindow=60001&timestamp=1700000000000';
    expect(code(() => auth.verifyRest({ apiKeyHeader: HMAC_KEY, rawQuery: `${wide}&signature=${hmac(wide)}`, rawBody: '', params: parseParams(`${wide}&signature=${hmac(wide)}`, '') }))).toBe(-1102);
  });
});

describe('WebSocket API signatures (sorted params, raw UTF-8)', () => {
  test('accepts the published vectors and refuses a changed parameter', () => {
    for (const id of ['hmac_wsapi_ascii', 'hmac_wsapi_non_ascii_raw_utf8']) {
      const v = vector(id);
      const params = Object.fromEntries(v.payload.split('&').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
      const auth = createRequestAuth(credentials, () => Number(params.timestamp) + 50);
      expect(auth.verifyWsSignature({ ...params, signature: v.expectedSignature })).toBe(HMAC_KEY);
      expect(code(() => auth.verifyWsSignature({ ...params, quantity: '2', signature: v.expectedSignature }))).toBe(-1022);
    }
  });

  test('knows which keys are Ed25519 (session.logon)', () => {
    const auth = createRequestAuth(credentials, Date.now);
    expect([auth.isEd25519('edKey'), auth.isEd25519('rsaKey'), auth.isEd25519(HMAC_KEY)]).toEqual([true, false, false]);
  });
});
