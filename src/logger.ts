/**
 * pino logger with redaction as configuration (DESIGN.md §8): API keys, secrets, signatures,
 * bot tokens and whole axios request configs never reach a log line.
 */
import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';

export type { Logger } from 'pino';

/** Paths censored wherever they appear (pino fast-redact syntax; `*` is one level of nesting). */
export const REDACT_PATHS = [
  'apiKey',
  'apiSecret',
  'secret',
  'signature',
  'token',
  'botToken',
  'privateKey',
  'passphrase',
  'password',
  'authorization',
  '*.apiKey',
  '*.apiSecret',
  '*.secret',
  '*.signature',
  '*.token',
  '*.botToken',
  '*.privateKey',
  '*.passphrase',
  '*.password',
  '*.authorization',
  '*.headers["x-mbx-apikey"]',
  '*.headers["X-MBX-APIKEY"]',
  '*.*.headers["x-mbx-apikey"]',
  '*.*.headers["X-MBX-APIKEY"]',
  // axios errors carry the request config (url with the signature, headers with the key)
  'config',
  'request',
  '*.config',
  '*.request',
  'err.config',
  'err.request',
  'err.response.config',
  'err.response.request',
  'query',
  '*.query',
  'url',
  '*.url',
];

export interface CreateLoggerOptions {
  level?: LoggerOptions['level'];
  name?: string;
  /** Where lines go; tests pass a capturing stream to prove secrets never appear. */
  destination?: DestinationStream;
  /** Exact secret values to mask wherever they appear in a line, as a last line of defence. */
  secrets?: Array<string | undefined>;
}

export function createLogger(options: CreateLoggerOptions = {}): Logger {
  const given = (options.secrets ?? []).filter((s): s is string => typeof s === 'string' && s.length >= 6);
  // A line is JSON: a secret with a quote or a backslash (a Redis password may have either)
  // appears there escaped. Longest first, so a secret that contains another is masked whole.
  const secrets = [...new Set(given.flatMap((s) => [s, JSON.stringify(s).slice(1, -1)]))].sort((a, b) => b.length - a.length);
  const mask = (stream: DestinationStream) => (secrets.length > 0 ? maskingStream(stream, secrets) : stream);
  // Warnings and errors are written synchronously: a process killed right after one (SIGKILL, the
  // OOM killer) must not take the line that explains it along. The routine lines stay buffered
  // (written synchronously, they held the event loop and raised the `all` role's peak RSS by
  // about 17 MB over 2,000 confirmations in the memory bench). Each line goes to one stream only.
  // Both write to fd 1: the buffered one writes whole lines at most PIPE_BUF (4 KiB) at a time,
  // which a pipe takes whole, so a warning can fall between two lines, never inside one.
  const destination = options.destination
    ? mask(options.destination)
    : pino.multistream(
        [
          { level: 'trace', stream: mask(pino.destination({ dest: 1, sync: false, maxWrite: 4096 })) },
          { level: 'warn', stream: mask(pino.destination({ dest: 1, sync: true })) },
        ],
        { dedupe: true },
      );
  const opts: LoggerOptions = {
    level: options.level ?? 'info',
    base: options.name ? { name: options.name } : undefined,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    serializers: { err: pino.stdSerializers.err },
  };
  return pino(opts, destination);
}

/**
 * Wraps a destination so any exact secret value is replaced before the line is written.
 * Redaction by path covers the shapes we know; this covers a secret that ends up inside a
 * message string (an error message that quotes a URL, say).
 */
function maskingStream(inner: DestinationStream, secrets: string[]): DestinationStream {
  return {
    write(line: string) {
      let out = line;
      for (const s of secrets) if (out.includes(s)) out = out.split(s).join('[redacted]');
      inner.write(out);
    },
  };
}
