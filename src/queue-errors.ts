import type { Logger } from './logger.js';

/**
 * Routes a BullMQ Queue/Worker handle's `error` events to the log, at most one line per
 * `quietMs`. Without a listener BullMQ prints each failed command of an outage with
 * console.error: unstructured lines on stderr, and in the console role on the trader's terminal.
 */
export function logQueueErrors(
  emitter: { on(event: 'error', listener: (error: Error) => void): unknown },
  logger: Logger,
  fields: Record<string, unknown>,
  quietMs = 30_000,
): void {
  let lastAt = -Infinity;
  let suppressed = 0;
  emitter.on('error', (error: Error) => {
    const now = Date.now();
    if (now - lastAt < quietMs) {
      suppressed += 1;
      return;
    }
    logger.warn({ ...fields, err: { message: error.message }, ...(suppressed ? { suppressed } : {}) }, 'queue error (Redis)');
    lastAt = now;
    suppressed = 0;
  });
}
