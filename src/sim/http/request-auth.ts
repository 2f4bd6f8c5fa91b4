/**
 * Authentication of SIGNED requests, as Binance does it (rest-api.md "Request Security",
 * web-socket-api.md "SIGNED requests"):
 * - REST: `X-MBX-APIKEY` names the key; the signature covers exactly the bytes received, the
 *   query string (without its `signature` pair) concatenated with the body (likewise) with no
 *   separator. Nothing is decoded or re-encoded before verifying, so a client that signs
 *   something other than what it sends fails with -1022, as it would on Binance.
 * - WebSocket API: every parameter but `signature`, sorted by name, `k=v` joined by `&`, raw.
 * - HMAC-SHA256 hex (case-insensitive), Ed25519 and RSA PKCS#1 v1.5 SHA-256 base64.
 * - Time: -1021 when `timestamp >= serverTime + 1000` or `serverTime - timestamp > recvWindow`
 *   (default 5000, at most 60000; timestamps may be in µs).
 */
import { createHmac, createPublicKey, timingSafeEqual, verify, type KeyObject } from 'node:crypto';
import { SimError, simErrors } from '../sim-error.js';
import type { WsApiAuthenticator } from '../types.js';

export type ApiCredential =
  | { apiKey: string; type: 'hmac'; secret: string }
  /** An Ed25519 or RSA public key (PEM, SPKI), as uploaded to Binance; a private key PEM is accepted too. */
  | { apiKey: string; type: 'ed25519' | 'rsa'; publicKeyPem: string };

export interface SignedRequest {
  apiKeyHeader: string | undefined;
  rawQuery: string;
  rawBody: string;
  /** The decoded parameters (query wins over body). */
  params: Readonly<Record<string, string>>;
}

export interface RequestAuth extends WsApiAuthenticator {
  /** Throws a SimError (-2014, -2015, -1102, -1022, -1021) or returns the api key. */
  verifyRest(request: SignedRequest): string;
}

type Verifier = { type: 'hmac'; secret: Buffer } | { type: 'ed25519' | 'rsa'; key: KeyObject };

const DEFAULT_RECV_WINDOW = 5000;
const MAX_RECV_WINDOW = 60_000;
const API_KEY_FORMAT = /^[A-Za-z0-9]{1,128}$/;

export function createRequestAuth(credentials: readonly ApiCredential[], serverTime: () => number): RequestAuth {
  const keys = new Map<string, Verifier>();
  for (const c of credentials) {
    if (c.type === 'hmac') {
      keys.set(c.apiKey, { type: 'hmac', secret: Buffer.from(c.secret, 'utf8') });
    } else {
      const key = createPublicKey(c.publicKeyPem);
      const actual = key.asymmetricKeyType;
      if (actual !== c.type) throw new Error(`credential ${c.type} holds a ${actual ?? 'unknown'} key`);
      keys.set(c.apiKey, { type: c.type, key });
    }
  }

  const keyFor = (apiKey: string | undefined): Verifier => {
    if (apiKey === undefined || !API_KEY_FORMAT.test(apiKey)) throw simErrors.badApiKey();
    const verifier = keys.get(apiKey);
    if (verifier === undefined) throw simErrors.rejectedMbxKey();
    return verifier;
  };

  const checkTime = (timestampText: string | undefined, recvWindowText: string | undefined): void => {
    if (timestampText === undefined || timestampText === '') throw simErrors.mandatoryMissing('timestamp');
    if (!/^\d{1,20}$/.test(timestampText)) throw simErrors.mandatoryMissing('timestamp');
    let timestamp = Number(timestampText);
    // 16 digits and more: microseconds (rest-api.md "General API Information").
    if (timestampText.length >= 16) timestamp = timestamp / 1000;
    let recvWindow = DEFAULT_RECV_WINDOW;
    if (recvWindowText !== undefined) {
      if (!/^\d{1,20}(\.\d{1,3})?$/.test(recvWindowText)) throw simErrors.mandatoryMissing('recvWindow');
      recvWindow = Number(recvWindowText);
      if (recvWindow > MAX_RECV_WINDOW) {
        throw new SimError(400, -1102, `'recvWindow' contains unexpected value. Cannot be greater than ${MAX_RECV_WINDOW}.`);
      }
    }
    const now = serverTime();
    if (timestamp >= now + 1000) throw simErrors.timestampAhead();
    if (now - timestamp > recvWindow) throw simErrors.timestampOutside();
  };

  const check = (verifier: Verifier, payload: string, signature: string): void => {
    if (!signatureMatches(verifier, payload, signature)) throw simErrors.badSignature();
  };

  return {
    verifyRest(request) {
      const verifier = keyFor(request.apiKeyHeader);
      const signature = request.params.signature;
      if (signature === undefined || signature === '') throw simErrors.mandatoryMissing('signature');
      if (request.params.timestamp === undefined) throw simErrors.mandatoryMissing('timestamp');
      check(verifier, withoutSignature(request.rawQuery) + withoutSignature(request.rawBody), signature);
      checkTime(request.params.timestamp, request.params.recvWindow);
      return request.apiKeyHeader!;
    },
    verifyWsSignature(params) {
      const apiKey = params.apiKey === undefined ? undefined : String(params.apiKey);
      const verifier = keyFor(apiKey);
      const signature = params.signature === undefined ? '' : String(params.signature);
      if (signature === '') throw simErrors.mandatoryMissing('signature');
      if (params.timestamp === undefined) throw simErrors.mandatoryMissing('timestamp');
      const payload = Object.keys(params)
        .filter((k) => k !== 'signature')
        .sort()
        .map((k) => `${k}=${String(params[k])}`)
        .join('&');
      check(verifier, payload, signature);
      checkTime(String(params.timestamp), params.recvWindow === undefined ? undefined : String(params.recvWindow));
      return apiKey!;
    },
    isEd25519: (apiKey) => keys.get(apiKey)?.type === 'ed25519',
  };
}

function signatureMatches(verifier: Verifier, payload: string, signature: string): boolean {
  const data = Buffer.from(payload, 'utf8');
  if (verifier.type === 'hmac') {
    if (!/^[0-9a-fA-F]{64}$/.test(signature)) return false;
    const expected = createHmac('sha256', verifier.secret).update(data).digest();
    return timingSafeEqual(expected, Buffer.from(signature, 'hex'));
  }
  // Strict base64: a `+` sent unencoded arrives as a space and must fail, as on Binance.
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(signature)) return false;
  const bytes = Buffer.from(signature, 'base64');
  try {
    return verifier.type === 'ed25519' ? verify(null, data, verifier.key, bytes) : verify('sha256', data, verifier.key, bytes);
  } catch {
    return false;
  }
}

/** The raw string with its `signature=…` pair taken out, everything else byte for byte. */
function withoutSignature(raw: string): string {
  if (!raw.includes('signature=')) return raw;
  return raw
    .split('&')
    .filter((pair) => !pair.startsWith('signature='))
    .join('&');
}
