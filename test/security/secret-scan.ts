/**
 * Secrets must never reach a log line or a Telegram payload (DESIGN.md §8). Every reliability
 * suite captures what it logged (a recording pino destination, and its child processes' output)
 * and what it sent to the fake Bot API, and scans both here for the API key, the secret, the
 * bot token and request signatures.
 *
 * The capture deliberately does NOT use the logger's last-resort masking of known values
 * (createLogger's `secrets`): a secret that only that mask would hide is still a defect.
 */
import { createLogger, type Logger } from '../../src/logger.js';
import type { Signer } from '../../src/binance/signing.js';
import type { FakeBotApi } from '../support/fake-bot-api.js';

export interface LogCapture {
  logger: Logger;
  /** Every line written so far. */
  lines(): string[];
  /** Adds output captured elsewhere (a child process's stdout and stderr). */
  add(text: string): void;
}

/** A pino logger at debug level that keeps every line in memory. */
export function createLogCapture(level: 'debug' | 'info' | 'warn' = 'debug'): LogCapture {
  const lines: string[] = [];
  const destination = { write: (line: string) => void lines.push(line) };
  return { logger: createLogger({ level, destination }), lines: () => lines, add: (text) => void lines.push(text) };
}

export interface SigningRecorder {
  signer: Signer;
  /** Every signature produced, oldest first (bounded: the last 20 000). */
  signatures(): string[];
}

/** Wraps a signer so the test knows every signature the client sent. */
export function recordSignatures(inner: Signer): SigningRecorder {
  const seen: string[] = [];
  return {
    signer: {
      keyType: inner.keyType,
      sign(payload) {
        const signature = inner.sign(payload);
        seen.push(signature);
        if (seen.length > 20_000) seen.splice(0, seen.length - 20_000);
        return signature;
      },
    },
    signatures: () => seen,
  };
}

export interface SecretSet {
  apiKey?: string;
  apiSecret?: string;
  botToken?: string;
  /** Signatures the clients produced. */
  signatures?: readonly string[];
}

export interface SecretHit {
  what: string;
  where: string;
  excerpt: string;
}

/**
 * Patterns that betray a secret whatever its value: a signed query string, a key header, an
 * HMAC-sized hex run (signatures, keys and secrets of the simulator are 64 hex digits), a
 * Telegram bot token, a PEM private key.
 */
const PATTERNS: Array<[string, RegExp]> = [
  ['signed query string', /[?&]signature=/i],
  ['api key header', /x-mbx-apikey["']?\s*[:=]\s*["']?[A-Za-z0-9]{16,}/i],
  ['64-hex-digit value (key, secret or HMAC signature)', /(?<![0-9a-f])[0-9a-f]{64}(?![0-9a-f])/i],
  ['bot token', /\b\d{6,}:[A-Za-z0-9_-]{30,}\b/],
  ['private key', /-----BEGIN [A-Z ]*PRIVATE KEY-----/],
];

/** Every place a secret shows up in `texts` (each labelled `where`). */
export function findSecrets(sources: Array<{ where: string; texts: readonly string[] }>, secrets: SecretSet): SecretHit[] {
  const exact: Array<[string, string]> = [];
  if (secrets.apiKey) exact.push(['API key', secrets.apiKey]);
  if (secrets.apiSecret) exact.push(['API secret', secrets.apiSecret]);
  if (secrets.botToken) {
    exact.push(['bot token', secrets.botToken]);
    // The part after the colon is the secret half; the numeric id alone is public.
    const secretHalf = secrets.botToken.split(':')[1];
    if (secretHalf) exact.push(['bot token (secret half)', secretHalf]);
  }
  const signatures = new Set(secrets.signatures ?? []);
  const hits: SecretHit[] = [];
  for (const { where, texts } of sources) {
    for (const text of texts) {
      for (const [what, value] of exact) {
        const at = text.indexOf(value);
        if (at >= 0) hits.push({ what, where, excerpt: excerpt(text, at) });
      }
      for (const [what, re] of PATTERNS) {
        const m = re.exec(text);
        if (m) hits.push({ what, where, excerpt: excerpt(text, m.index) });
      }
      if (signatures.size > 0) {
        for (const token of text.match(/[A-Za-z0-9+/=]{40,}/g) ?? []) {
          if (signatures.has(token)) hits.push({ what: 'request signature', where, excerpt: excerpt(text, text.indexOf(token)) });
        }
      }
    }
  }
  return hits;
}

/** Every string a test sent to the fake Telegram: texts, captions, callback answers, buttons. */
export function telegramTexts(telegram: FakeBotApi): string[] {
  return telegram.calls().map((call) => JSON.stringify(call.payload));
}

function excerpt(text: string, at: number): string {
  // Never print the secret itself in a failure message: show what surrounds it.
  return `${text.slice(Math.max(0, at - 60), at)}⟨…⟩`.replace(/\s+/g, ' ');
}
