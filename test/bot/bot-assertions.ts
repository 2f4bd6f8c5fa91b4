/**
 * Checks shared by the bot tests.
 */
import { expect } from 'vitest';
import type { AppHarness } from '../support/app-harness.js';
import { validateTelegramHtml } from '../support/fake-bot-api.js';

/**
 * The fake Bot API answers 400 to HTML Telegram would not parse and to text over 4096
 * characters, like Telegram: no call the bot made may have been refused. Except one refusal the
 * product invites: after editing a card, the alerts worker puts the newest revision back when a
 * newer one was claimed meanwhile (card-revisions.ts reassertNewestCardEdit), since it cannot know
 * which edit landed last; when the newest had landed last, Telegram answers "message is not
 * modified", which changes nothing.
 */
export function expectEveryCallAccepted(app: AppHarness): void {
  for (const call of app.telegram!.calls()) {
    if (call.method === 'editMessageText' && call.status === 400 && /message is not modified/.test(call.description ?? '')) continue;
    expect(call.status, `${call.method} ${JSON.stringify(call.payload).slice(0, 300)}: ${call.description ?? ''}`).toBe('ok');
    const text = (call.payload.text ?? call.payload.caption) as string | undefined;
    if (text !== undefined) {
      expect(text.length).toBeLessThanOrEqual(4096);
      if (call.payload.parse_mode === 'HTML') expect(validateTelegramHtml(text)).toBeUndefined();
    }
  }
}

