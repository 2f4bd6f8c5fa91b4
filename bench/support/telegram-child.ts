/**
 * Starts telegram-process.ts (the fake Bot API in its own process) and follows what the bot does
 * there: the next message sent to a chat, and the moment a card shows its fill.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { TelegramChildMessage, TelegramParentMessage } from './telegram-process.js';

export interface SentMessage {
  chatId: number;
  messageId: number;
  text: string;
  replyMarkup: unknown;
}

export interface TelegramChild {
  apiRoot: string;
  token: string;
  /** The next message sent to the chat that carries a keyboard (register before causing it). */
  nextCard(chatId: number, timeoutMs?: number): Promise<SentMessage>;
  /** Resolves once the message was edited to show a fill ("Filled"). */
  filled(chatId: number, messageId: number, timeoutMs?: number): Promise<void>;
  /** Queues an update for the bot's getUpdates. */
  pushUpdate(update: Record<string, unknown>): void;
  close(): Promise<void>;
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms))),
  ]);
}

export async function startTelegramChild(): Promise<TelegramChild> {
  const child = fork(fileURLToPath(new URL('./telegram-process.js', import.meta.url)), [], {
    env: { PATH: process.env.PATH ?? '' },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const cardWaiters = new Map<number, Array<(m: SentMessage) => void>>();
  const filledKeys = new Set<string>();
  const filledWaiters = new Map<string, () => void>();
  let onReady: ((m: { apiRoot: string; token: string }) => void) | undefined;
  const ready = new Promise<{ apiRoot: string; token: string }>((resolve, reject) => {
    onReady = resolve;
    child.once('exit', (code) => reject(new Error(`telegram-process exited with ${code} before it was ready`)));
  });

  child.on('message', (message: TelegramChildMessage) => {
    if (message.type === 'ready') onReady?.(message);
    else if (message.type === 'sent') {
      if (message.replyMarkup === undefined) return;
      const waiter = cardWaiters.get(message.chatId)?.shift();
      waiter?.(message);
    } else if (message.type === 'edited' && message.text.includes('Filled')) {
      const key = `${message.chatId}:${message.messageId}`;
      const waiter = filledWaiters.get(key);
      if (waiter) {
        filledWaiters.delete(key);
        waiter();
      } else filledKeys.add(key);
    }
  });
  const post = (message: TelegramParentMessage) => child.send(message);
  const { apiRoot, token } = await ready;

  return {
    apiRoot,
    token,
    nextCard(chatId, timeoutMs = 20_000) {
      const sent = new Promise<SentMessage>((resolve) => {
        const list = cardWaiters.get(chatId) ?? [];
        list.push(resolve);
        cardWaiters.set(chatId, list);
      });
      return withTimeout(sent, timeoutMs, `a card in chat ${chatId}`);
    },
    filled(chatId, messageId, timeoutMs = 20_000) {
      const key = `${chatId}:${messageId}`;
      if (filledKeys.delete(key)) return Promise.resolve();
      return withTimeout(new Promise<void>((resolve) => filledWaiters.set(key, resolve)), timeoutMs, `message ${messageId} in chat ${chatId} to show a fill`);
    },
    pushUpdate: (update) => post({ type: 'update', update }),
    async close() {
      if (child.exitCode === null && child.connected) post({ type: 'close' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
