/**
 * Webhook mode (DESIGN.md §1, §8): when TELEGRAM_WEBHOOK_URL is set, Telegram POSTs updates to
 * us instead of being polled. The route plugs into the health server (`routes` of
 * startHealthServer) and hands the update to grammY's webhookCallback with the `http` adapter,
 * which compares `X-Telegram-Bot-Api-Secret-Token` in constant time and answers 401 otherwise
 * (core.telegram.org/bots/api#setwebhook: secret_token).
 *
 * An update that takes longer than the time limit is answered 200 and keeps running: a non-200
 * makes Telegram deliver the same update again, and a redelivered /buy would make a second card.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { webhookCallback, type Bot, type Context } from 'grammy';
import type { Logger } from '../logger.js';
import { ALLOWED_UPDATES } from '../bot/run-bot.js';

/** Telegram sends one update per request; nothing legitimate comes close to this. */
const MAX_BODY_BYTES = 1024 * 1024;

export interface WebhookRouteOptions {
  /** Path Telegram posts to: the path of TELEGRAM_WEBHOOK_URL. */
  path: string;
  /** TELEGRAM_WEBHOOK_SECRET (1–256 of A-Z a-z 0-9 _ -). */
  secretToken: string;
  logger: Logger;
  /** Answer 200 after this and let the update finish in the background. Default 10 s. */
  timeoutMs?: number;
}

export type Route = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

/** A route for startHealthServer: handles POST <path>, returns false for anything else. */
export function createWebhookRoute(bot: Bot<Context>, options: WebhookRouteOptions): Route {
  if (!options.secretToken) throw new Error('a webhook needs a secret token (TELEGRAM_WEBHOOK_SECRET)');
  const log = options.logger.child({ module: 'bot-webhook' });
  const handle = webhookCallback(bot, 'http', {
    secretToken: options.secretToken,
    onTimeout: 'return',
    timeoutMilliseconds: options.timeoutMs ?? 10_000,
  });
  return async (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== options.path) return false;
    if (req.method !== 'POST') {
      res.writeHead(405, { allow: 'POST' }).end();
      return true;
    }
    if (Number(req.headers['content-length'] ?? 0) > MAX_BODY_BYTES) {
      res.writeHead(413).end();
      return true;
    }
    try {
      await handle(req, res);
    } catch (error) {
      // A body that is not JSON; the error handler of the bot has seen everything else.
      log.warn({ err: error instanceof Error ? { message: error.message } : String(error) }, 'webhook request failed');
      if (!res.headersSent) res.writeHead(400).end();
    }
    return true;
  };
}

/** Points Telegram at our URL with the secret (setWebhook), asking only for the updates we handle. */
export async function registerWebhook(bot: Bot<Context>, options: { url: string; secretToken: string }): Promise<void> {
  await bot.api.setWebhook(options.url, { secret_token: options.secretToken, allowed_updates: ALLOWED_UPDATES, max_connections: 40 });
}

/** The path part of TELEGRAM_WEBHOOK_URL, which the route listens on. */
export function webhookPathOf(url: string): string {
  return new URL(url).pathname || '/';
}
