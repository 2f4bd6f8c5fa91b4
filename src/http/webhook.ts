/**
 * Webhook mode (DESIGN.md §1, §8): when TELEGRAM_WEBHOOK_URL is set, Telegram POSTs updates to
 * us instead of being polled. The route plugs into the health server (`routes` of
 * startHealthServer) and hands the update to grammY's webhookCallback, which compares
 * `X-Telegram-Bot-Api-Secret-Token` in constant time and answers 401 otherwise
 * (core.telegram.org/bots/api#setwebhook: secret_token).
 *
 * The body is read by our own adapter rather than grammY's `http` one, which buffers whatever
 * arrives: ours counts while reading (chunked bodies included) and stops at MAX_BODY_BYTES with a
 * 413. grammY asks for the body only after the secret matched, so a request without the secret
 * is answered 401 with its body unread.
 *
 * An update that takes longer than the time limit is answered 200 and keeps running: a non-200
 * makes Telegram deliver the same update again, and a redelivered /buy would make a second card.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { webhookCallback, type Bot, type Context } from 'grammy';
import type { Update } from 'grammy/types';
import type { Logger } from '../logger.js';
import { ALLOWED_UPDATES } from '../bot/run-bot.js';
import { isBodyTooLarge, readBoundedBody, refuseTooLarge } from './body.js';

/** Telegram sends one update per request; nothing legitimate comes close to this. */
export const MAX_BODY_BYTES = 1024 * 1024;

const SECRET_HEADER = 'x-telegram-bot-api-secret-token';

export interface WebhookRouteOptions {
  /** Path Telegram posts to: the path of TELEGRAM_WEBHOOK_URL. */
  path: string;
  /** TELEGRAM_WEBHOOK_SECRET (1–256 of A-Z a-z 0-9 _ -). */
  secretToken: string;
  logger: Logger;
  /** Answer 200 after this and let the update finish in the background. Default 10 s. */
  timeoutMs?: number;
  /** Default MAX_BODY_BYTES. */
  maxBodyBytes?: number;
}

export type Route = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

/** grammY's adapter contract (FrameworkAdapter), with the body read under a bound. */
function boundedNodeAdapter(maxBytes: number) {
  return (req: IncomingMessage, res: ServerResponse) => {
    const secret = req.headers[SECRET_HEADER];
    return {
      // A getter: grammY reads it only after the secret token matched.
      get update(): Promise<Update> {
        return readBoundedBody(req, maxBytes).then((body) => JSON.parse(body.toString('utf8')) as Update);
      },
      header: Array.isArray(secret) ? secret[0] : secret,
      end: () => void res.end(),
      respond: (json: string) => void res.writeHead(200, { 'content-type': 'application/json' }).end(json),
      // The unread body of a stranger is not drained: the connection closes after the answer.
      unauthorized: () => void res.writeHead(401, { connection: 'close' }).end('secret token is wrong\n'),
    };
  };
}

/** A route for startHealthServer: handles POST <path>, returns false for anything else. */
export function createWebhookRoute(bot: Bot<Context>, options: WebhookRouteOptions): Route {
  if (!options.secretToken) throw new Error('a webhook needs a secret token (TELEGRAM_WEBHOOK_SECRET)');
  const log = options.logger.child({ module: 'bot-webhook' });
  const maxBytes = options.maxBodyBytes ?? MAX_BODY_BYTES;
  const handle = webhookCallback(bot, boundedNodeAdapter(maxBytes), {
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
    try {
      await handle(req, res);
    } catch (error) {
      if (isBodyTooLarge(error)) {
        log.warn({ maxBytes, contentLength: req.headers['content-length'] }, 'webhook body over the bound: refused');
        refuseTooLarge(req, res);
        return true;
      }
      // A body that is not JSON, or a client gone mid-body; the bot's error handler has seen everything else.
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
