/**
 * The fake Telegram Bot API (test/support/fake-bot-api.ts) in a process of its own: in
 * production Telegram is another machine, so its work (parsing, HTML checks, storing messages)
 * must not run on the event loop of the bot being measured. Started by telegram-child.ts.
 *
 * Reports over IPC every message the bot sends and every edit (chat, message id, text, keyboard),
 * and queues updates for getUpdates (long polling) when told to.
 */
import { startFakeBotApi, type RecordedCall } from '../../test/support/fake-bot-api.js';

export type TelegramParentMessage = { type: 'update'; update: Record<string, unknown> } | { type: 'close' };
export type TelegramChildMessage =
  | { type: 'ready'; apiRoot: string; token: string }
  | { type: 'sent'; chatId: number; messageId: number; text: string; replyMarkup: unknown }
  | { type: 'edited'; chatId: number; messageId: number; text: string };

const FOREVER_MS = 2 ** 31 - 1;

function send(message: TelegramChildMessage): void {
  process.send?.(message);
}

async function main(): Promise<void> {
  const api = await startFakeBotApi();
  // A predicate that never matches is a standing listener: waitForCall runs it on every call.
  const listen = (method: string, onCall: (call: RecordedCall) => void) =>
    void api.waitForCall(method, (call) => (call.status === 'ok' && onCall(call), false), FOREVER_MS).catch(() => undefined);
  listen('sendMessage', (call) => {
    const chatId = Number(call.payload.chat_id);
    const stored = api.messages(chatId).at(-1);
    if (stored) send({ type: 'sent', chatId, messageId: stored.message_id, text: stored.text ?? '', replyMarkup: stored.reply_markup });
  });
  listen('editMessageText', (call) => send({ type: 'edited', chatId: Number(call.payload.chat_id), messageId: Number(call.payload.message_id), text: String(call.payload.text) }));

  const close = () => void api.close().finally(() => process.exit(0));
  process.on('message', (message: TelegramParentMessage) => {
    if (message.type === 'update') api.pushUpdate(message.update);
    else if (message.type === 'close') close();
  });
  process.on('disconnect', close);
  send({ type: 'ready', apiRoot: api.apiRoot, token: api.token });
}

main().catch((error: unknown) => {
  console.error('telegram-process failed:', error instanceof Error ? error.message : error);
  process.exit(1);
});
