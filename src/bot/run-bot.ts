/**
 * Long polling with @grammyjs/runner (DESIGN.md §1: exactly one `bot` process polls). Updates
 * of different chats run concurrently; a chat's own updates stay in order (sequentialize in
 * createBot). `stop()` stops fetching and resolves when the updates in progress have finished.
 *
 * The runner's own console output is switched off: a network error printed raw can carry the
 * request URL, and the URL carries the bot token. Failed getUpdates calls are logged here,
 * method and status only.
 */
import { run, type RunnerHandle } from '@grammyjs/runner';
import { GrammyError, HttpError, type Bot, type Context, type Transformer } from 'grammy';
import type { Update } from 'grammy/types';
import type { Logger } from '../logger.js';

/** What the bot handles; anything else is never fetched. */
export const ALLOWED_UPDATES = ['message', 'callback_query'] as const satisfies ReadonlyArray<Exclude<keyof Update, 'update_id'>>;

export interface PollingOptions {
  logger: Logger;
  /** Updates processed at once across chats. Default 50. */
  concurrency?: number;
  /** Long-poll timeout, seconds. Default 30 (Telegram holds the request open up to this); at most 50, below the client's 60 s request time-out. */
  pollTimeoutS?: number;
  /** An update still running after this is logged (it is not cancelled). Default 60 s. */
  slowUpdateMs?: number;
  /** How long to keep retrying getUpdates through network failures before giving up. Default 1 h. */
  maxRetryTimeMs?: number;
}

export interface PollingHandle {
  readonly runner: RunnerHandle;
  /** Stops fetching, waits for running updates. Idempotent. */
  stop(): Promise<void>;
}

/** Logs failed Bot API calls of one method with what is safe to log (never the URL or payload). */
export function logFailedCalls(logger: Logger, method: string): Transformer {
  return (async (prev: Parameters<Transformer>[0], m: string, payload: unknown, signal?: Parameters<Transformer>[3]) => {
    try {
      const response = await prev(m as never, payload as never, signal);
      if (m === method && !response.ok) logger.warn({ method: m, telegramCode: response.error_code, description: response.description }, 'Bot API call failed');
      return response;
    } catch (error) {
      if (m === method && !signal?.aborted) {
        const detail = error instanceof GrammyError ? { telegramCode: error.error_code, description: error.description } : { error: error instanceof HttpError ? error.message : String(error) };
        logger.warn({ method: m, ...detail }, 'Bot API call failed');
      }
      throw error;
    }
  }) as unknown as Transformer;
}

export async function startPolling(bot: Bot<Context>, options: PollingOptions): Promise<PollingHandle> {
  const log = options.logger.child({ module: 'bot-polling' });
  bot.api.config.use(logFailedCalls(log, 'getUpdates'));
  await bot.init();
  // A webhook left from an earlier deployment makes getUpdates fail with 409.
  await bot.api.deleteWebhook({ drop_pending_updates: false });

  const runner = run(bot, {
    runner: {
      fetch: { timeout: Math.min(options.pollTimeoutS ?? 30, 50), allowed_updates: ALLOWED_UPDATES },
      retryInterval: 'exponential',
      maxRetryTime: options.maxRetryTimeMs ?? 60 * 60 * 1000,
      silent: true,
    },
    sink: {
      concurrency: options.concurrency ?? 50,
      timeout: {
        milliseconds: options.slowUpdateMs ?? 60_000,
        handler: (update) => log.warn({ updateId: update.update_id }, 'an update is still being handled after the time limit'),
      },
    },
  });
  log.info({ username: bot.botInfo.username }, 'polling Telegram for updates');

  void runner.task()?.catch((error: unknown) => {
    const code = error instanceof GrammyError ? error.error_code : undefined;
    log.fatal(
      { telegramCode: code, description: error instanceof GrammyError ? error.description : undefined },
      code === 409 ? 'polling stopped: another process is polling with this token (or a webhook is set)' : code === 401 ? 'polling stopped: Telegram rejected the bot token' : 'polling stopped',
    );
  });

  let stopping: Promise<void> | undefined;
  return {
    runner,
    stop() {
      stopping ??= (async () => {
        if (runner.isRunning()) await runner.stop();
        log.info('polling stopped');
      })();
      return stopping;
    },
  };
}
