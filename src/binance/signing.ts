/**
 * Request signing for the three key types Binance accepts (BINANCE.md "Signing"):
 * HMAC-SHA256 → lowercase hex; Ed25519 → base64; RSA PKCS#1 v1.5 with SHA-256 → base64.
 *
 * Two payload forms exist and must not be confused:
 * - REST: the percent-encoded query string concatenated (no separator) with the percent-encoded
 *   body, parameters in the order sent. We sign the exact string we send (`signQuery`).
 * - WebSocket API: every parameter except `signature` (apiKey included), sorted by name, raw
 *   UTF-8, no percent-encoding (`wsSignaturePayload`; web-socket-api.md "SIGNED requests").
 *
 * The secret lives only inside the signer's closure: a Signer has no field a logger could print.
 */
import { createHmac, createPrivateKey, createSecretKey, sign as cryptoSign, constants, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { AppError } from '../errors.js';
import type { Config } from '../config.js';
import { percentEncode, type ParamValue } from './percent-encode.js';

export { encodeParams, percentEncode } from './percent-encode.js';

export type KeyType = 'hmac' | 'ed25519' | 'rsa';

export interface Signer {
  readonly keyType: KeyType;
  /** The signature of `payload` as Binance expects it (hex for HMAC, base64 otherwise), not yet percent-encoded. */
  sign(payload: string): string;
}

export type SignerSource = { apiSecret: string } | { privateKeyPem: string; passphrase?: string };

export function createSigner(source: SignerSource): Signer {
  if ('apiSecret' in source) return hmacSigner(source.apiSecret);
  const key = loadPrivateKey(source.privateKeyPem, source.passphrase);
  const type = key.asymmetricKeyType;
  if (type === 'ed25519') {
    // Ed25519 hashes internally: the digest argument must be null.
    return { keyType: 'ed25519', sign: (payload) => cryptoSign(null, Buffer.from(payload, 'utf8'), key).toString('base64') };
  }
  if (type === 'rsa') {
    const rsaKey = { key, padding: constants.RSA_PKCS1_PADDING };
    return { keyType: 'rsa', sign: (payload) => cryptoSign('sha256', Buffer.from(payload, 'utf8'), rsaKey).toString('base64') };
  }
  throw new AppError('CONFIG_INVALID', `BINANCE_PRIVATE_KEY_PATH holds a ${type ?? 'unknown'} key; Binance accepts Ed25519 or RSA keys`);
}

function hmacSigner(apiSecret: string): Signer {
  if (apiSecret.length === 0) throw new AppError('CONFIG_INVALID', 'BINANCE_API_SECRET is empty');
  // A KeyObject keeps the secret out of any enumerable property and skips re-importing per call.
  const key = createSecretKey(Buffer.from(apiSecret, 'utf8'));
  return { keyType: 'hmac', sign: (payload) => createHmac('sha256', key).update(payload, 'utf8').digest('hex') };
}

function loadPrivateKey(pem: string, passphrase: string | undefined): KeyObject {
  try {
    return createPrivateKey(passphrase === undefined ? { key: pem, format: 'pem' } : { key: pem, format: 'pem', passphrase });
  } catch (error) {
    const code = (error as { code?: string }).code ?? '';
    const reason = (error as Error).message ?? '';
    // Never echo the PEM or the passphrase: only OpenSSL's reason.
    if (passphrase === undefined && pem.includes('ENCRYPTED')) {
      throw new AppError('CONFIG_INVALID', 'BINANCE_PRIVATE_KEY_PASSPHRASE is required: the key in BINANCE_PRIVATE_KEY_PATH is encrypted');
    }
    if (code === 'ERR_OSSL_EVP_UNSUPPORTED' || /unsupported/i.test(reason)) {
      throw new AppError(
        'CONFIG_INVALID',
        'BINANCE_PRIVATE_KEY_PATH is encrypted with a legacy algorithm OpenSSL 3 refuses; re-encrypt it ' +
          '(openssl pkcs8 -topk8 -v2 aes-256-cbc) or run node with --openssl-legacy-provider',
      );
    }
    if (code === 'ERR_OSSL_BAD_DECRYPT' || /bad decrypt/i.test(reason)) {
      throw new AppError('CONFIG_INVALID', 'BINANCE_PRIVATE_KEY_PASSPHRASE is missing or wrong for the key in BINANCE_PRIVATE_KEY_PATH');
    }
    throw new AppError('CONFIG_INVALID', `BINANCE_PRIVATE_KEY_PATH is not a PEM private key (${code || 'unreadable'})`);
  }
}

/** The signer for the configured credentials, or undefined when none are set (paper mode, public data only). */
export function loadSignerFromConfig(binance: Pick<Config['binance'], 'apiSecret' | 'privateKeyPath' | 'privateKeyPassphrase'>): Signer | undefined {
  if (binance.privateKeyPath !== undefined) {
    let pem: string;
    try {
      pem = readFileSync(binance.privateKeyPath, 'utf8');
    } catch {
      throw new AppError('CONFIG_INVALID', `BINANCE_PRIVATE_KEY_PATH cannot be read (${binance.privateKeyPath})`);
    }
    return createSigner(
      binance.privateKeyPassphrase === undefined
        ? { privateKeyPem: pem }
        : { privateKeyPem: pem, passphrase: binance.privateKeyPassphrase },
    );
  }
  if (binance.apiSecret !== undefined) return createSigner({ apiSecret: binance.apiSecret });
  return undefined;
}

export interface SignedRequest {
  /** The query string to send, `signature` appended when the body is empty. */
  query: string;
  /** The body to send, `signature` appended when it is not empty. */
  body: string;
}

/**
 * Signs already percent-encoded `query` and `body` exactly as they will be sent: the payload is
 * `query + body` with no separator (rest-api.md example 3), and the signature (percent-encoded:
 * base64 carries `+`, `/`, `=`) is appended to whichever part carries the parameters.
 */
export function signQuery(query: string, body: string, signer: Signer): SignedRequest {
  const signature = percentEncode(signer.sign(query + body));
  if (body.length > 0) return { query, body: `${body}&signature=${signature}` };
  return { query: query.length > 0 ? `${query}&signature=${signature}` : `signature=${signature}`, body };
}

/** WebSocket API payload: all params but `signature`, sorted by name, `k=v` joined by `&`, raw UTF-8. */
export function wsSignaturePayload(params: Readonly<Record<string, ParamValue>>): string {
  return Object.keys(params)
    .filter((k) => k !== 'signature' && params[k] !== undefined)
    .sort()
    .map((k) => `${k}=${String(params[k])}`)
    .join('&');
}

/** The signature for a WebSocket API request's params (sent as the `signature` param, not encoded). */
export function wsSign(params: Readonly<Record<string, ParamValue>>, signer: Signer): string {
  return signer.sign(wsSignaturePayload(params));
}
