/**
 * `createBot(deps)`: the grammY bot, assembled and not started (importing or calling this opens
 * no connection; polling, webhook or the console start it: run-bot.ts, http/webhook.ts,
 * console-session.ts).
 *
 * Middleware order is the security model:
 *   1. the allow-list — anyone else gets one refusal and nothing below runs;
 *   2. sequentialize per chat (@grammyjs/runner) — a chat's updates run one at a time, so a card
 *      is attached to its intent before a Confirm from the same chat is handled;
 *   3. the sender's request budget: the exchange reads below are paid from their share
 *      (request-budget.ts), so one trader cannot spend everyone's request weight;
 *   4. an error boundary: a failure is logged and the trader told in a plain sentence;
 *   5. the chat scope (chat-scope.ts): with TELEGRAM_GROUPS=off, commands and buttons that show or
 *      move the account are refused outside private chats;
 *   6. button presses (one router: decoded by the owning feature's schema, answered exactly once);
 *   7. the features (features/index.ts), one Composer per feature file with its commands;
 *   8. the fallback for unknown commands and text (features/unknown.ts, the registry's last).
 */
import { autoRetry } from '@grammyjs/auto-retry';
import { sequentialize } from '@grammyjs/runner';
import { Bot, type Context } from 'grammy';
import { createAllowList } from './auth.js';
import type { BotDeps } from './bot-deps.js';
import { createCallbackRouter } from './callback-router.js';
import { createCancelConfirmations } from './cancel-confirmations.js';
import { createChatScopeGuard } from './chat-scope.js';
import { createErrorHandler } from './error-handler.js';
import type { FeatureEnv } from './features/feature.js';
import { buttonHandlers, featureRegistry } from './features/index.js';
import { htmlParseMode } from './html-mode.js';
import { createTickerCache } from '../market/ticker-cache.js';

export type { BotDeps } from './bot-deps.js';

/** Telegram's 429/5xx are retried (bounded): a reply that waits minutes is worse than an error. */
export const DEFAULT_AUTO_RETRY = { maxRetryAttempts: 5, maxDelaySeconds: 60 } as const;

export function createBot(deps: BotDeps): Bot<Context> {
  const bot = new Bot<Context>(deps.token, {
    ...(deps.botInfo ? { botInfo: deps.botInfo } : {}),
    client: {
      ...(deps.apiRoot ? { apiRoot: deps.apiRoot } : {}),
      // A hung Telegram call must not hold a chat's queue (sequentialize) for long; it must
      // still outlast a long poll (getUpdates timeout 30 s, run-bot.ts).
      timeoutSeconds: 60,
    },
  });
  if (deps.autoRetry !== false) bot.api.config.use(autoRetry({ ...DEFAULT_AUTO_RETRY, ...deps.autoRetry }));
  // Every text and caption in HTML, unless a call says otherwise.
  bot.api.config.use(htmlParseMode);

  const confirmations = createCancelConfirmations({ redis: deps.redis, prefix: deps.keyPrefix, ttlSeconds: deps.settings.confirmTtlS, now: deps.now });
  // One all-symbols ticker for every /top and its buttons (weight 80: at most one request per 30 s).
  const tickers = deps.tickers ?? createTickerCache({ exchange: deps.exchange, logger: deps.logger, now: deps.now });

  const onError = createErrorHandler(deps.logger);
  bot.use(createAllowList({ allowedUsers: deps.allowedUsers, logger: deps.logger, now: deps.now }));
  bot.use(sequentialize((ctx: Context) => (ctx.chat ? String(ctx.chat.id) : ctx.from ? `user:${ctx.from.id}` : undefined)));
  // After the allow-list, so a stranger's update spends nobody's share.
  if (deps.requestBudget) bot.use(deps.requestBudget.middleware());
  // Errors below are handled here, inside the chat's turn, however the update arrived (runner,
  // webhook, console): bot.catch alone only serves bot.start and the runner.
  const guarded = bot.errorBoundary(onError);
  guarded.use(createChatScopeGuard({ groups: deps.settings.telegramGroups === true, logger: deps.logger }));
  const registry = featureRegistry();
  const env: FeatureEnv = { deps, tickers, confirmations, commands: registry.commands };
  guarded.use(createCallbackRouter(buttonHandlers(env, registry), deps.logger));
  // The features' commands in registry order; the unknown-command fallback is the last feature.
  guarded.use(...registry.features.map((feature) => feature.composer(env)));
  bot.catch(onError);
  return bot;
}
