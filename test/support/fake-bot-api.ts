/**
 * A local fake of the Telegram Bot API (https://core.telegram.org/bots/api), served over real
 * HTTP so grammY's own client, auto-retry and runner run unmodified against it
 * (`client.apiRoot` / TELEGRAM_API_ROOT).
 *
 * It is strict where Telegram is strict, so tests catch what production would reject:
 * text over 4096 characters, HTML that does not parse, an edit that changes nothing, an edit of
 * an unknown message. It records every call, keeps per-chat messages, serves getUpdates from a
 * queue, and injects faults (429 with retry_after, 5xx, 403 blocked, delays).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const FAKE_BOT_TOKEN = '123456789:AAFakeTokenForTestsOnly_abcdefghijkl';
export const FAKE_BOT_USER = {
  id: 123456789,
  is_bot: true,
  first_name: 'ChatOps Test Bot',
  username: 'chatops_test_bot',
  can_join_groups: true,
  can_read_all_group_messages: false,
  supports_inline_queries: false,
};

export interface RecordedCall {
  method: string;
  payload: Record<string, unknown>;
  at: number;
  /** What the fake answered: ok or the error code. */
  status: 'ok' | number;
  /** The refusal's description, when it refused. */
  description?: string;
}

export interface StoredMessage {
  message_id: number;
  chat_id: number;
  text?: string;
  caption?: string;
  photo?: boolean;
  reply_markup?: unknown;
  disable_notification?: boolean;
  edits: number;
}

export interface BotApiFault {
  /** Method name to match (any when omitted). */
  method?: string;
  chatId?: number;
  kind: 'too-many-requests' | 'server-error' | 'blocked' | 'delay';
  /** retry_after seconds for too-many-requests (default 1). */
  retryAfter?: number;
  /** HTTP status for server-error (default 502). */
  status?: number;
  /** Milliseconds for delay. */
  delayMs?: number;
  /** How many calls it affects (default 1; Infinity for all). */
  times?: number;
}

export interface FakeBotApi {
  /** Root to give grammY: `client: { apiRoot }`. */
  readonly apiRoot: string;
  readonly token: string;
  calls(method?: string): RecordedCall[];
  /** Messages of a chat in order of sending. */
  messages(chatId: number): StoredMessage[];
  message(chatId: number, messageId: number): StoredMessage | undefined;
  /** Queues an update for getUpdates (long polling). */
  pushUpdate(update: Record<string, unknown>): void;
  injectFault(fault: BotApiFault): void;
  clearFaults(): void;
  /** Resolves when a call to `method` matching `predicate` has been recorded (or times out). */
  waitForCall(method: string, predicate?: (call: RecordedCall) => boolean, timeoutMs?: number): Promise<RecordedCall>;
  reset(): void;
  close(): Promise<void>;
}

const ALLOWED_TAGS = new Set(['b', 'strong', 'i', 'em', 'u', 'ins', 's', 'strike', 'del', 'a', 'code', 'pre', 'tg-spoiler', 'span', 'blockquote', 'tg-emoji']);

/** Telegram's HTML rules, enough to reject what it would reject: unknown tags, unbalanced tags, bad entities. */
export function validateTelegramHtml(html: string): string | undefined {
  const stack: string[] = [];
  const tagRe = /<(\/?)([a-zA-Z-]+)([^>]*)>|<|&(#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);|&/g;
  let m: RegExpExecArray | null;
  while ((m = tagRe.exec(html))) {
    const token = m[0];
    if (token === '<') return `Unsupported start tag at byte offset ${m.index}`;
    if (token === '&') return `Character entity expected at byte offset ${m.index}`;
    if (token.startsWith('&')) {
      const name = m[4]!;
      if (!name.startsWith('#') && !['lt', 'gt', 'amp', 'quot'].includes(name)) return `Unsupported HTML entity "&${name};"`;
      continue;
    }
    const closing = m[1] === '/';
    const tag = m[2]!.toLowerCase();
    if (!ALLOWED_TAGS.has(tag)) return `Unsupported start tag "${tag}"`;
    if (closing) {
      if (stack.pop() !== tag) return `Unmatched end tag "${tag}"`;
    } else {
      stack.push(tag);
    }
  }
  if (stack.length > 0) return `Can't find end tag corresponding to start tag "${stack[stack.length - 1]}"`;
  return undefined;
}

export async function startFakeBotApi(options: { token?: string } = {}): Promise<FakeBotApi> {
  const token = options.token ?? FAKE_BOT_TOKEN;
  let calls: RecordedCall[] = [];
  let faults: Array<BotApiFault & { remaining: number }> = [];
  let updates: Array<Record<string, unknown>> = [];
  let nextUpdateId = 1;
  let nextMessageId = 1000;
  const chats = new Map<number, StoredMessage[]>();
  const pollers: Array<() => void> = [];
  const callWaiters: Array<{ method: string; predicate: (c: RecordedCall) => boolean; resolve: (c: RecordedCall) => void }> = [];

  const record = (call: RecordedCall) => {
    calls.push(call);
    for (const waiter of [...callWaiters]) {
      if (waiter.method === call.method && waiter.predicate(call)) {
        callWaiters.splice(callWaiters.indexOf(waiter), 1);
        waiter.resolve(call);
      }
    }
  };

  const chatMessages = (chatId: number) => {
    let list = chats.get(chatId);
    if (!list) chats.set(chatId, (list = []));
    return list;
  };

  const telegramMessage = (stored: StoredMessage) => ({
    message_id: stored.message_id,
    from: FAKE_BOT_USER,
    chat: { id: stored.chat_id, type: stored.chat_id < 0 ? 'supergroup' : 'private' },
    date: Math.floor(Date.now() / 1000),
    ...(stored.text !== undefined ? { text: stored.text } : {}),
    ...(stored.caption !== undefined ? { caption: stored.caption } : {}),
    ...(stored.photo ? { photo: [{ file_id: `photo-${stored.message_id}`, file_unique_id: `u${stored.message_id}`, width: 800, height: 500 }] } : {}),
    ...(stored.reply_markup ? { reply_markup: stored.reply_markup } : {}),
  });

  const badRequest = (description: string) => ({ status: 400, body: { ok: false, error_code: 400, description: `Bad Request: ${description}` } });

  const checkText = (text: unknown, parseMode: unknown, field = 'text') => {
    if (typeof text !== 'string' || text.length === 0) return badRequest(`message ${field} is empty`);
    if (text.length > 4096) return badRequest('message is too long');
    if (parseMode === 'HTML') {
      const problem = validateTelegramHtml(text);
      if (problem) return badRequest(`can't parse entities: ${problem}`);
    }
    return undefined;
  };

  const handlers: Record<string, (p: Record<string, unknown>) => { status: number; body: unknown } | Promise<{ status: number; body: unknown }>> = {
    getMe: () => ok(FAKE_BOT_USER),
    setMyCommands: () => ok(true),
    deleteMyCommands: () => ok(true),
    getMyCommands: () => ok([]),
    deleteWebhook: () => ok(true),
    // Telegram refuses a web_app menu button without text or with a URL that is not HTTPS.
    setChatMenuButton: (p) => {
      const button = p.menu_button as { type?: string; text?: string; web_app?: { url?: string } } | undefined;
      if (button?.type === 'web_app' && (!button.text || !button.web_app?.url?.startsWith('https://'))) return badRequest('BUTTON_URL_INVALID');
      return ok(true);
    },
    setWebhook: () => ok(true),
    close: () => ok(true),
    answerCallbackQuery: (p) => {
      if (typeof p.callback_query_id !== 'string') return badRequest('query is too old and response timeout expired or query ID is invalid');
      if (typeof p.text === 'string' && p.text.length > 200) return badRequest('MESSAGE_TOO_LONG');
      return ok(true);
    },
    sendChatAction: () => ok(true),
    sendMessage: (p) => {
      const problem = checkText(p.text, p.parse_mode);
      if (problem) return problem;
      const stored: StoredMessage = {
        message_id: nextMessageId++,
        chat_id: Number(p.chat_id),
        text: String(p.text),
        reply_markup: p.reply_markup,
        disable_notification: p.disable_notification === true,
        edits: 0,
      };
      chatMessages(stored.chat_id).push(stored);
      return ok(telegramMessage(stored));
    },
    sendPhoto: (p) => {
      if (p.caption !== undefined) {
        const problem = checkText(p.caption, p.parse_mode, 'caption');
        if (problem) return problem;
        if (String(p.caption).length > 1024) return badRequest('message caption is too long');
      }
      const stored: StoredMessage = {
        message_id: nextMessageId++,
        chat_id: Number(p.chat_id),
        caption: p.caption === undefined ? undefined : String(p.caption),
        photo: true,
        reply_markup: p.reply_markup,
        disable_notification: p.disable_notification === true,
        edits: 0,
      };
      chatMessages(stored.chat_id).push(stored);
      return ok(telegramMessage(stored));
    },
    editMessageText: (p) => {
      const problem = checkText(p.text, p.parse_mode);
      if (problem) return problem;
      const stored = chatMessages(Number(p.chat_id)).find((m) => m.message_id === Number(p.message_id));
      if (!stored) return badRequest('message to edit not found');
      if (stored.text === p.text && JSON.stringify(stored.reply_markup ?? null) === JSON.stringify(p.reply_markup ?? null)) {
        return badRequest('message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message');
      }
      stored.text = String(p.text);
      stored.reply_markup = p.reply_markup;
      stored.edits++;
      return ok(telegramMessage(stored));
    },
    editMessageCaption: (p) => {
      const stored = chatMessages(Number(p.chat_id)).find((m) => m.message_id === Number(p.message_id));
      if (!stored) return badRequest('message to edit not found');
      if (!stored.photo) return badRequest('there is no caption in the message to edit');
      const problem = checkText(p.caption, p.parse_mode, 'caption');
      if (problem) return problem;
      if (String(p.caption).length > 1024) return badRequest('message caption is too long');
      if (stored.caption === p.caption && JSON.stringify(stored.reply_markup ?? null) === JSON.stringify(p.reply_markup ?? null)) {
        return badRequest('message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message');
      }
      stored.caption = String(p.caption);
      stored.reply_markup = p.reply_markup;
      stored.edits++;
      return ok(telegramMessage(stored));
    },
    // A new photo in place (grammY sends it multipart: `media` names its file part as attach://<name>).
    editMessageMedia: (p) => {
      const stored = chatMessages(Number(p.chat_id)).find((m) => m.message_id === Number(p.message_id));
      if (!stored) return badRequest('message to edit not found');
      const media = p.media as { type?: string; media?: string; caption?: string; parse_mode?: string } | undefined;
      if (media?.type !== 'photo' || typeof media.media !== 'string') return badRequest('media type is invalid');
      const attached = /^attach:\/\/(.+)$/.exec(media.media)?.[1];
      if (attached === undefined || !(p[attached] as { file?: boolean } | undefined)?.file) return badRequest('wrong file identifier/HTTP URL specified');
      if (media.caption !== undefined) {
        const problem = checkText(media.caption, media.parse_mode, 'caption');
        if (problem) return problem;
        if (media.caption.length > 1024) return badRequest('message caption is too long');
      }
      stored.photo = true;
      stored.text = undefined;
      stored.caption = media.caption;
      stored.reply_markup = p.reply_markup;
      stored.edits++;
      return ok(telegramMessage(stored));
    },
    editMessageReplyMarkup: (p) => {
      const stored = chatMessages(Number(p.chat_id)).find((m) => m.message_id === Number(p.message_id));
      if (!stored) return badRequest('message to edit not found');
      stored.reply_markup = p.reply_markup;
      stored.edits++;
      return ok(telegramMessage(stored));
    },
    deleteMessage: (p) => {
      const list = chatMessages(Number(p.chat_id));
      const index = list.findIndex((m) => m.message_id === Number(p.message_id));
      if (index < 0) return badRequest('message to delete not found');
      list.splice(index, 1);
      return ok(true);
    },
    getUpdates: async (p) => {
      const offset = Number(p.offset ?? 0);
      if (offset > 0) updates = updates.filter((u) => Number(u.update_id) >= offset);
      if (updates.length === 0) {
        const timeoutS = Math.min(Number(p.timeout ?? 0), 2);
        if (timeoutS > 0) await new Promise<void>((r) => {
          const timer = setTimeout(r, timeoutS * 1000);
          pollers.push(() => {
            clearTimeout(timer);
            r();
          });
        });
      }
      return ok(updates.slice(0, Number(p.limit ?? 100)));
    },
  };

  const server: Server = createServer((req, res) => void handle(req, res));
  async function handle(req: IncomingMessage, res: ServerResponse) {
    const match = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(new URL(req.url ?? '/', 'http://x').pathname);
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (!match) return send(404, { ok: false, error_code: 404, description: 'Not Found' });
    const [, callToken, method] = match as unknown as [string, string, string];
    if (callToken !== token) return send(401, { ok: false, error_code: 401, description: 'Unauthorized' });
    const payload = await readPayload(req);
    const chatId = payload.chat_id === undefined ? undefined : Number(payload.chat_id);

    const fault = faults.find((f) => f.remaining > 0 && (!f.method || f.method === method) && (f.chatId === undefined || f.chatId === chatId));
    if (fault) {
      fault.remaining--;
      if (fault.kind === 'delay') await new Promise((r) => setTimeout(r, fault.delayMs ?? 1000));
      else {
        const status = fault.kind === 'too-many-requests' ? 429 : fault.kind === 'blocked' ? 403 : (fault.status ?? 502);
        record({ method, payload, at: Date.now(), status });
        if (fault.kind === 'too-many-requests') {
          const retryAfter = fault.retryAfter ?? 1;
          return send(429, { ok: false, error_code: 429, description: `Too Many Requests: retry after ${retryAfter}`, parameters: { retry_after: retryAfter } });
        }
        if (fault.kind === 'blocked') return send(403, { ok: false, error_code: 403, description: 'Forbidden: bot was blocked by the user' });
        return send(status, { ok: false, error_code: status, description: 'Bad Gateway' });
      }
    }

    const handler = handlers[method];
    const result = handler ? await handler(payload) : { status: 404, body: { ok: false, error_code: 404, description: 'Not Found: method not found' } };
    const refusal = result.status === 200 ? undefined : (result.body as { description?: string } | undefined)?.description;
    record({ method, payload, at: Date.now(), status: result.status === 200 ? 'ok' : result.status, ...(refusal !== undefined ? { description: refusal } : {}) });
    send(result.status, result.body);
  }

  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;

  return {
    apiRoot: `http://127.0.0.1:${port}`,
    token,
    calls: (method) => (method ? calls.filter((c) => c.method === method) : [...calls]),
    messages: (chatId) => [...chatMessages(chatId)],
    message: (chatId, messageId) => chatMessages(chatId).find((m) => m.message_id === messageId),
    pushUpdate(update) {
      updates.push({ update_id: nextUpdateId++, ...update });
      for (const wake of pollers.splice(0)) wake();
    },
    injectFault: (fault) => faults.push({ ...fault, remaining: fault.times ?? 1 }),
    clearFaults: () => {
      faults = [];
    },
    waitForCall(method, predicate = () => true, timeoutMs = 10_000) {
      const existing = calls.find((c) => c.method === method && predicate(c));
      if (existing) return Promise.resolve(existing);
      return new Promise((resolve, reject) => {
        const waiter = { method, predicate, resolve: (c: RecordedCall) => (clearTimeout(timer), resolve(c)) };
        const timer = setTimeout(() => {
          callWaiters.splice(callWaiters.indexOf(waiter), 1);
          reject(new Error(`no ${method} call within ${timeoutMs} ms; calls so far: ${calls.map((c) => c.method).join(', ')}`));
        }, timeoutMs);
        callWaiters.push(waiter);
      });
    },
    reset() {
      calls = [];
      faults = [];
      updates = [];
      chats.clear();
    },
    close: () =>
      new Promise<void>((r) => {
        for (const wake of pollers.splice(0)) wake();
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

function ok(result: unknown) {
  return { status: 200, body: { ok: true, result } };
}

/** grammY sends JSON, or multipart/form-data when a file is attached (sendPhoto). */
async function readPayload(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks);
  const type = req.headers['content-type'] ?? '';
  if (type.includes('application/json')) return raw.length ? (JSON.parse(raw.toString('utf8')) as Record<string, unknown>) : {};
  if (type.includes('multipart/form-data')) {
    const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(type);
    const marker = `--${boundary?.[1] ?? boundary?.[2]}`;
    const payload: Record<string, unknown> = {};
    for (const part of raw.toString('latin1').split(marker)) {
      const name = /name="([^"]+)"/.exec(part)?.[1];
      if (!name) continue;
      const body = part.slice(part.indexOf('\r\n\r\n') + 4).replace(/\r\n$/, '');
      // grammY writes `filename=NAME` unquoted (grammy/out/core/payload.js); browsers quote it.
      if (/;\s*filename=/i.test(part.slice(0, part.indexOf('\r\n\r\n')))) payload[name] = { file: true, bytes: Buffer.from(body, 'latin1') };
      else {
        const text = Buffer.from(body, 'latin1').toString('utf8');
        try {
          payload[name] = JSON.parse(text);
        } catch {
          payload[name] = text;
        }
      }
    }
    return payload;
  }
  return Object.fromEntries(new URLSearchParams(raw.toString('utf8')));
}

// ---- real-shaped updates (field layout as in ../shared/fixtures/telegram) ----

let updateCounter = 500_000_000;
let userMessageCounter = 1;

export interface UpdateUser {
  id: number;
  first_name?: string;
  username?: string;
}

/** A text message update; a leading /command gets its bot_command entity like Telegram sends. */
export function messageUpdate(options: { from: UpdateUser; chatId?: number; chatType?: 'private' | 'group' | 'supergroup'; text: string }): Record<string, unknown> {
  const chatId = options.chatId ?? options.from.id;
  const chatType = options.chatType ?? (chatId < 0 ? 'supergroup' : 'private');
  const command = /^\/[A-Za-z0-9_]+(@[A-Za-z0-9_]+)?/.exec(options.text);
  return {
    update_id: updateCounter++,
    message: {
      message_id: userMessageCounter++,
      from: { is_bot: false, first_name: 'Trader', language_code: 'en', ...options.from },
      chat:
        chatType === 'private'
          ? { id: chatId, first_name: options.from.first_name ?? 'Trader', username: options.from.username, type: 'private' }
          : { id: chatId, title: 'Trading desk', type: chatType },
      date: Math.floor(Date.now() / 1000),
      text: options.text,
      ...(command ? { entities: [{ offset: 0, length: command[0].length, type: 'bot_command' }] } : {}),
    },
  };
}

/** A callback_query update for an inline button on one of the bot's messages. */
export function callbackUpdate(options: {
  from: UpdateUser;
  chatId?: number;
  messageId: number;
  data: string;
  messageText?: string;
  replyMarkup?: unknown;
  /** The pressed message is a photo (a chart) with this caption: it then has no text. */
  photoCaption?: string;
}): Record<string, unknown> {
  const chatId = options.chatId ?? options.from.id;
  return {
    update_id: updateCounter++,
    callback_query: {
      id: String(BigInt(options.from.id) * 1000n + BigInt(updateCounter)),
      from: { is_bot: false, first_name: 'Trader', language_code: 'en', ...options.from },
      message: {
        message_id: options.messageId,
        from: FAKE_BOT_USER,
        chat: chatId < 0 ? { id: chatId, title: 'Trading desk', type: 'supergroup' } : { id: chatId, first_name: 'Trader', type: 'private' },
        date: Math.floor(Date.now() / 1000),
        ...(options.photoCaption !== undefined
          ? { photo: [{ file_id: `photo-${options.messageId}`, file_unique_id: `u${options.messageId}`, width: 1000, height: 560 }], caption: options.photoCaption }
          : { text: options.messageText ?? '' }),
        // Telegram includes the message's current keyboard with the press.
        ...(options.replyMarkup ? { reply_markup: options.replyMarkup } : {}),
      },
      chat_instance: String(-chatId * 7),
      data: options.data,
    },
  };
}
