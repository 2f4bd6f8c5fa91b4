/**
 * Long polling with @grammyjs/runner against the fake Bot API's getUpdates: updates are fetched
 * and answered, and stop() ends polling after the update in progress.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPolling } from '../../src/bot/run-bot.js';
import { createLogger } from '../../src/logger.js';
import { startApp, TRADER, type AppHarness } from '../support/app-harness.js';
import { eventually } from '../support/wait.js';
import { messageUpdate } from '../support/fake-bot-api.js';

describe('long polling', () => {
  let app: AppHarness;
  beforeAll(async () => {
    app = await startApp({ workers: false });
  });
  afterAll(() => app.close());

  it('removes a leftover webhook, answers polled updates in order, and stops cleanly', async () => {
    const polling = await startPolling(app.bot, { logger: createLogger({ level: 'silent' }), pollTimeoutS: 1 });
    try {
      const methods = app.telegram!.calls().map((c) => c.method);
      expect(methods.indexOf('deleteWebhook')).toBeGreaterThanOrEqual(0);

      for (const text of ['/help', '/price BTCUSDT', '/nonsense']) app.telegram!.pushUpdate(messageUpdate({ from: TRADER, text }));
      const replies = await eventually(() => {
        const texts = app.telegram!.messages(TRADER.id).map((m) => m.text ?? '');
        return texts.length >= 3 ? texts : undefined;
      }, 'three replies');
      // One chat's updates run one at a time, in the order Telegram sent them (sequentialize).
      expect(replies[0]).toContain('<b>Commands</b>');
      expect(replies[1]).toMatch(/^<b>BTCUSDT<\/b> 65,000\.00 USDT/);
      expect(replies[2]).toBe('Unknown command /nonsense. See /help.');

      const getUpdates = app.telegram!.calls('getUpdates');
      expect(getUpdates[0]!.payload).toMatchObject({ timeout: 1, allowed_updates: ['message', 'callback_query'] });
    } finally {
      await polling.stop();
    }
    expect(polling.runner.isRunning()).toBe(false);
    // Nothing is fetched any more: an update sent now is still unanswered after a full poll period.
    const answered = app.telegram!.calls('sendMessage').length;
    app.telegram!.pushUpdate(messageUpdate({ from: TRADER, text: '/help' }));
    await new Promise((r) => setTimeout(r, 1_500));
    expect(app.telegram!.calls('sendMessage')).toHaveLength(answered);
    await polling.stop(); // idempotent
  });
});
