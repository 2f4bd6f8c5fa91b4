/**
 * The console chat (DESIGN.md §7, `node dist/main.js console`, `npm run demo`): the same bot,
 * driven from a terminal. A typed line is a message from one allowed user; `2.1` presses button
 * 1 of message 2, and a bare `1` presses button 1 of the last keyboard shown, only while it can
 * still be pressed (a number meant for one card must never reach an old list scrolled out of
 * sight).
 * Replies, card edits and alerts are printed by the console transformer. Lines are handled one
 * after another, in order, like a chat; alerts that arrive meanwhile print above the prompt
 * without eating what is being typed.
 */
import { createInterface, type Interface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { Bot, Transformer } from 'grammy';
import type { Update, UserFromGetMe } from 'grammy/types';
import { dim, type RenderOptions } from './console-render.js';
import { createConsoleTransformer, type ConsoleButton, type ConsoleMessage, type ConsoleTransformer, type ConsoleTransformerOptions } from './console-transformer.js';

/** Who the bot is in the console (no getMe call: nothing goes to Telegram). */
export const CONSOLE_BOT_INFO: UserFromGetMe = {
  id: 1,
  is_bot: true,
  first_name: 'ChatOps',
  username: 'chatops_console_bot',
  can_join_groups: false,
  can_read_all_group_messages: false,
  supports_inline_queries: false,
  can_connect_to_business: false,
  has_main_web_app: false,
  has_topics_enabled: false,
  allows_users_to_create_topics: false,
} as UserFromGetMe;

export interface ConsoleSessionOptions {
  input: Readable;
  output: Writable;
  /** The Telegram user id the typed lines come from: put it in TELEGRAM_ALLOWED_USERS. */
  userId: number;
  botInfo?: UserFromGetMe;
  /** ANSI styles and prompt redraws; default: whether `output` is a TTY. */
  color?: boolean;
  /** Shown before each line the user types (TTY only). */
  prompt?: string;
  /** Where charts are written (console-transformer.ts DEFAULT_CHARTS_DIR). */
  chartsDir?: string;
  /** Message numbering that continues an earlier run's (console-transformer.ts). */
  messageIds?: ConsoleTransformerOptions['messageIds'];
}

export interface ConsoleSession {
  /** Install on every grammY `Api` that should print here (`api.config.use(transformer)`). */
  readonly transformer: Transformer;
  readonly botInfo: UserFromGetMe;
  /** Installs the transformer on the bot and feeds it the typed lines. */
  attach(bot: Bot): void;
  /** Reads lines until EOF or /quit; resolves when the session has ended and the last line is handled. */
  start(): Promise<void>;
  close(): void;
}

export function createConsoleSession(options: ConsoleSessionOptions): ConsoleSession {
  const botInfo = options.botInfo ?? CONSOLE_BOT_INFO;
  const tty = (options.output as { isTTY?: boolean }).isTTY === true;
  const render: RenderOptions = { color: options.color ?? tty };
  const user = { id: options.userId, is_bot: false, first_name: 'You', username: 'console', language_code: 'en' };
  const chat = { id: options.userId, type: 'private' as const, first_name: 'You', username: 'console' };

  let rl: Interface | undefined;
  let bot: Bot | undefined;
  let closed = false;
  let nextUpdateId = 1;
  let nextUserMessageId = 1_000_000;
  let nextQueryId = 1;

  const screen = {
    print(block: string) {
      if (closed) return;
      if (rl && tty) {
        // Clear the prompt line, print, then redraw the prompt with whatever was being typed.
        options.output.write('\r\x1b[2K');
        options.output.write(block);
        rl.prompt(true);
      } else {
        options.output.write(block);
      }
    },
  };
  const printer: ConsoleTransformer = createConsoleTransformer({ screen, botInfo, render, chartsDir: options.chartsDir, messageIds: options.messageIds });

  const messageUpdate = (text: string): Update => {
    const command = /^\/[A-Za-z0-9_]+(@[A-Za-z0-9_]+)?/.exec(text);
    return {
      update_id: nextUpdateId++,
      message: {
        message_id: nextUserMessageId++,
        date: Math.floor(Date.now() / 1000),
        chat,
        from: user,
        text,
        ...(command ? { entities: [{ type: 'bot_command', offset: 0, length: command[0].length }] } : {}),
      },
    } as Update;
  };

  const pressUpdate = (messageId: number, text: string, data: string): Update =>
    ({
      update_id: nextUpdateId++,
      callback_query: {
        id: `console-${nextQueryId++}`,
        from: user,
        chat_instance: `console-${options.userId}`,
        data,
        message: { message_id: messageId, date: Math.floor(Date.now() / 1000), chat, from: botInfo, text },
      },
    }) as Update;

  /** The message and button a typed `2.1` or `1` means, or why there is none. */
  function pressTarget(messageId: number | undefined, index: number): { message: ConsoleMessage; button: ConsoleButton } | string {
    let message: ConsoleMessage | undefined;
    if (messageId === undefined) {
      // A bare number is for the last keyboard on screen, and only for it: a "1" typed at a used
      // or expired card must not fall through to an older message's buttons further up (a Cancel
      // on an old /orders list). Views carry a Refresh button, so several messages have buttons.
      const newest = printer.newestKeyboard();
      if (!newest) return 'There are no buttons to press.';
      if (newest.pressed || newest.buttons.length === 0) {
        const gone = newest.pressed && newest.buttons.length > 0 ? 'were already used' : 'are gone';
        const older = printer.pressable().at(-1);
        return `Message ${newest.messageId}'s buttons ${gone}.${older ? ` To press a button of message ${older.messageId}, type ${older.messageId}.${index}.` : ''}`;
      }
      message = newest;
    } else {
      message = printer.message(chat.id, messageId);
      if (!message) return `There is no message ${messageId}.`;
      if (message.buttons.length === 0) return `Message ${messageId} has no buttons.`;
      if (message.pressed) return `Message ${messageId}'s buttons were already used. Send the command again for new ones.`;
    }
    const button = message.buttons[index - 1];
    if (!button) {
      const n = message.buttons.length;
      return `Message ${message.messageId} has no button ${message.messageId}.${index}: ${n === 1 ? `its button is ${message.messageId}.1` : `its buttons are ${message.messageId}.1 to ${message.messageId}.${n}`}.`;
    }
    return { message, button };
  }

  async function handleLine(raw: string): Promise<'quit' | void> {
    const line = raw.trim();
    if (line === '') return;
    if (line === '/quit' || line === '/exit') return 'quit';
    if (!tty) options.output.write(`${dim('you:', render)} ${line}\n`);
    if (!bot) throw new Error('console session: attach(bot) before start()');
    let update: Update;
    const press = /^(?:(\d{1,9})\.)?(\d{1,2})$/.exec(line);
    if (press) {
      const target = pressTarget(press[1] === undefined ? undefined : Number(press[1]), Number(press[2]));
      if (typeof target === 'string') {
        screen.print(`${dim(target, render)}\n`);
        return;
      }
      printer.markPressed(target.message);
      update = pressUpdate(target.message.messageId, target.message.text, target.button.data);
    } else {
      update = messageUpdate(line);
    }
    // bot.handleUpdate runs the error handler installed with bot.catch; anything that still
    // escapes is printed, and the session goes on.
    try {
      await bot.handleUpdate(update);
    } catch (error) {
      screen.print(`${dim('error:', render)} ${error instanceof Error ? error.message : String(error)}\n`);
    }
  }

  return {
    transformer: printer.transformer,
    botInfo,
    attach(target) {
      bot = target;
      bot.botInfo = botInfo;
      bot.api.config.use(printer.transformer);
    },
    async start() {
      rl = createInterface({ input: options.input, output: tty ? options.output : undefined, terminal: tty, historySize: 100 });
      rl.setPrompt(options.prompt ?? '> ');
      if (tty) rl.prompt();
      try {
        // The async iterator buffers lines typed while one is being handled: order is kept.
        for await (const line of rl) {
          if ((await handleLine(line)) === 'quit') break;
          if (tty && !closed) rl.prompt();
        }
      } finally {
        closed = true;
        rl.close();
      }
    },
    close() {
      closed = true;
      rl?.close();
    },
  };
}
