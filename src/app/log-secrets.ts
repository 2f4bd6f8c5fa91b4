/**
 * The exact values the logger masks wherever they appear in a line (createLogger's `secrets`),
 * the last line of defence behind redaction by path (DESIGN.md §8). Built from the parsed
 * configuration, so a secret added to the configuration is added here in one place.
 */
import type { Config } from '../config.js';

/** The password inside a redis:// or rediss:// URL, as written (percent-encoded) and decoded. */
export function redisPasswordForms(redisUrl: string | undefined): string[] {
  if (redisUrl === undefined) return [];
  let raw: string;
  try {
    raw = new URL(redisUrl).password;
  } catch {
    return [];
  }
  if (raw === '') return [];
  let decoded = raw;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    // A malformed escape: Redis gets the text as written, so that is the form to mask.
  }
  return decoded === raw ? [raw] : [raw, decoded];
}

export function logSecretsOf(config: Config): string[] {
  return [
    config.telegram.token,
    config.telegram.webhookSecret,
    config.binance.apiKey,
    config.binance.apiSecret,
    config.binance.privateKeyPassphrase,
    ...redisPasswordForms(config.redis.url),
  ].filter((s): s is string => s !== undefined);
}
