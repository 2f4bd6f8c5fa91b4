/**
 * Ordered shutdown. Resources register a closer as they start; on SIGTERM/SIGINT they are closed
 * in reverse order of start (stop taking updates first, then workers finish their jobs, then
 * sockets, then Redis), each with a bound so a stuck one cannot keep the process alive.
 */
import type { Logger } from '../logger.js';

export interface Lifecycle {
  /** Registers a closer; closers run in reverse registration order. */
  onClose(name: string, close: () => Promise<void> | void, timeoutMs?: number): void;
  close(): Promise<void>;
}

export function createLifecycle(logger: Logger): Lifecycle {
  const closers: Array<{ name: string; close: () => Promise<void> | void; timeoutMs: number }> = [];
  let closing: Promise<void> | undefined;
  return {
    onClose(name, close, timeoutMs = 10_000) {
      closers.push({ name, close, timeoutMs });
    },
    close() {
      closing ??= (async () => {
        for (const closer of [...closers].reverse()) {
          let timer: NodeJS.Timeout | undefined;
          try {
            await Promise.race([
              Promise.resolve().then(closer.close),
              new Promise<void>((_, reject) => {
                timer = setTimeout(() => reject(new Error(`timed out after ${closer.timeoutMs} ms`)), closer.timeoutMs);
              }),
            ]);
            logger.debug({ resource: closer.name }, 'closed');
          } catch (error) {
            logger.warn({ resource: closer.name, err: error }, 'close failed');
          } finally {
            clearTimeout(timer);
          }
        }
      })();
      return closing;
    },
  };
}
