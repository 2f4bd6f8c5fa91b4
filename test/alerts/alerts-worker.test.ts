import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { createAlertsApi, createAlertsWorker, type AlertsWorker } from '../../src/alerts/alerts-worker.js';
import { alertJobId, createAlertsQueue, type AlertsQueue } from '../../src/alerts/alerts-queue.js';
import { isChatInactive, markChatActive } from '../../src/alerts/chat-status.js';
import { createLogger } from '../../src/logger.js';
import { createRedisConnection } from '../../src/redis.js';
import { startFakeBotApi, type FakeBotApi } from '../support/fake-bot-api.js';
import { testRedisUrl, uniquePrefix } from '../support/redis.js';
import { eventually, sleep } from '../support/wait.js';

const logger = createLogger({ level: 'silent' });
const CHAT = 424242;

let fake: FakeBotApi;
let producer: Redis;
let workerConnection: Redis;
let prefix: string;
let queue: AlertsQueue;
let worker: AlertsWorker | undefined;

function startWorker(api = createAlertsApi({ token: fake.token, apiRoot: fake.apiRoot, maxRetryAttempts: 3, maxDelaySeconds: 5 }), concurrency = 2) {
  worker = createAlertsWorker({ connection: workerConnection, redis: producer, api, logger, prefix, concurrency });
  return worker;
}

async function finished(key: string) {
  return eventually(async () => {
    const job = await queue.queue.getJob(alertJobId(key));
    const state = job ? await job.getState() : undefined;
    if (state !== 'completed' && state !== 'failed') return undefined;
    // Read again: the job read before its state may predate the move (attemptsMade, failedReason).
    return { job: (await queue.queue.getJob(alertJobId(key)))!, state };
  }, `alert ${key} to finish`);
}

beforeAll(async () => {
  fake = await startFakeBotApi();
  producer = createRedisConnection(testRedisUrl(), 'producer');
  workerConnection = createRedisConnection(testRedisUrl(), 'worker');
});

afterAll(async () => {
  await fake.close();
  producer.disconnect();
  workerConnection.disconnect();
});

beforeEach(() => {
  fake.reset();
  prefix = uniquePrefix('alerts');
  queue = createAlertsQueue({ connection: producer, prefix, attempts: 3, backoffMs: 50 });
});

afterEach(async () => {
  await worker?.close();
  worker = undefined;
  await queue.close();
});

describe('alerts worker against the fake Bot API', () => {
  it('sends an HTML message with buttons, once per key', async () => {
    startWorker();
    const alert = {
      key: 'fill:BTCUSDT:42',
      chatId: CHAT,
      text: '<b>Filled</b> 0.001 BTC at 65,000.00 &amp; done',
      buttons: [[{ text: 'Orders', data: 'orders' }]],
      category: 'fill' as const,
    };
    await queue.enqueue(alert);
    await queue.enqueue(alert);
    const { state } = await finished(alert.key);
    expect(state).toBe('completed');
    await sleep(200);
    const messages = fake.messages(CHAT);
    expect(messages).toHaveLength(1);
    expect(messages[0]!.text).toBe(alert.text);
    expect(fake.calls('sendMessage')[0]!.payload.parse_mode).toBe('HTML');
    expect(messages[0]!.reply_markup).toEqual({ inline_keyboard: [[{ text: 'Orders', callback_data: 'orders' }]] });
  });

  it('edits a card in place, tolerates "not modified", and drops an older revision', async () => {
    startWorker();
    const api = createAlertsApi({ token: fake.token, apiRoot: fake.apiRoot });
    const card = await api.sendMessage(CHAT, 'card: pending', { reply_markup: { inline_keyboard: [[{ text: 'Confirm', callback_data: 'oc:x' }]] } });

    await queue.enqueue({ key: 'card-1-filled', chatId: CHAT, editMessageId: card.message_id, text: 'card: filled', category: 'order', revision: 3 });
    expect((await finished('card-1-filled')).state).toBe('completed');
    const edited = fake.message(CHAT, card.message_id)!;
    expect(edited.text).toBe('card: filled');
    expect(edited.reply_markup).toBeUndefined();

    // Same content again under another key: Telegram says "not modified", which is delivered.
    await queue.enqueue({ key: 'card-1-again', chatId: CHAT, editMessageId: card.message_id, text: 'card: filled', category: 'order', revision: 3 });
    const again = await finished('card-1-again');
    expect(again.state).toBe('completed');
    expect(again.job.returnvalue).toBe('not-modified');
    expect(fake.calls('editMessageText').at(-1)!.status).toBe(400);

    // A late "placed" (revision 2) must not roll the card back from "filled".
    await queue.enqueue({ key: 'card-1-placed', chatId: CHAT, editMessageId: card.message_id, text: 'card: placed', category: 'order', revision: 2 });
    const late = await finished('card-1-placed');
    expect(late.job.returnvalue).toBe('stale');
    expect(fake.message(CHAT, card.message_id)!.text).toBe('card: filled');
  });

  it('honours 429 retry_after in-line and delivers once', async () => {
    startWorker();
    fake.injectFault({ method: 'sendMessage', kind: 'too-many-requests', retryAfter: 1 });
    await queue.enqueue({ key: 'flood-1', chatId: CHAT, text: 'after the flood', category: 'system' });
    expect((await finished('flood-1')).state).toBe('completed');
    const calls = fake.calls('sendMessage');
    expect(calls.map((c) => c.status)).toEqual([429, 'ok']);
    expect(calls[1]!.at - calls[0]!.at).toBeGreaterThanOrEqual(1000);
    expect(fake.messages(CHAT)).toHaveLength(1);
  });

  it('holds the whole queue when retry_after exceeds the in-line limit', async () => {
    // One job at a time, so nothing is already in flight when the 429 arrives.
    startWorker(createAlertsApi({ token: fake.token, apiRoot: fake.apiRoot, maxRetryAttempts: 3, maxDelaySeconds: 0 }), 1);
    fake.injectFault({ method: 'sendMessage', kind: 'too-many-requests', retryAfter: 1 });
    await queue.enqueue({ key: 'held-1', chatId: CHAT, text: 'first', category: 'system' });
    await queue.enqueue({ key: 'held-2', chatId: CHAT, text: 'second', category: 'system' });
    await finished('held-1');
    await finished('held-2');
    const calls = fake.calls('sendMessage');
    const limited = calls.find((c) => c.status === 429)!;
    const after = calls.filter((c) => c.at > limited.at);
    expect(after.length).toBeGreaterThanOrEqual(2);
    for (const call of after) expect(call.at - limited.at).toBeGreaterThanOrEqual(1000);
    expect(fake.messages(CHAT).map((m) => m.text).sort()).toEqual(['first', 'second']);
  });

  it('retries a 5xx with backoff and delivers once', async () => {
    startWorker(createAlertsApi({ token: fake.token, apiRoot: fake.apiRoot, retryServerErrors: false }));
    fake.injectFault({ method: 'sendMessage', kind: 'server-error', status: 502 });
    await queue.enqueue({ key: 'bad-gateway', chatId: CHAT, text: 'through', category: 'system' });
    const { job, state } = await finished('bad-gateway');
    expect(state).toBe('completed');
    expect(job.attemptsMade).toBeGreaterThanOrEqual(1);
    expect(fake.messages(CHAT)).toHaveLength(1);
  });

  it('marks a chat that blocked the bot inactive, stops retrying, and skips its later alerts', async () => {
    startWorker();
    fake.injectFault({ method: 'sendMessage', chatId: CHAT, kind: 'blocked', times: Infinity });
    await queue.enqueue({ key: 'blocked-1', chatId: CHAT, text: 'hello?', category: 'fill' });
    const { state, job } = await finished('blocked-1');
    expect(state).toBe('failed');
    expect(job.attemptsMade).toBe(1);
    expect(await isChatInactive(producer, prefix, CHAT)).toBe(true);

    await queue.enqueue({ key: 'blocked-2', chatId: CHAT, text: 'still there?', category: 'fill' });
    const skipped = await finished('blocked-2');
    expect(skipped.job.returnvalue).toBe('skipped-inactive');
    expect(fake.calls('sendMessage')).toHaveLength(1);

    fake.clearFaults();
    await markChatActive(producer, prefix, CHAT);
    await queue.enqueue({ key: 'blocked-3', chatId: CHAT, text: 'welcome back', category: 'fill' });
    expect((await finished('blocked-3')).job.returnvalue).toBe('sent');
  });

  it('splits a text over 4096 characters into parts, buttons on the last', async () => {
    startWorker();
    const line = `${'x'.repeat(99)}`;
    const text = Array.from({ length: 60 }, (_, i) => `${i} ${line}`).join('\n');
    expect(text.length).toBeGreaterThan(4096);
    await queue.enqueue({ key: 'long', chatId: CHAT, text, category: 'system', buttons: [[{ text: 'More', data: 'more' }]] });
    expect((await finished('long')).state).toBe('completed');
    const messages = fake.messages(CHAT);
    expect(messages).toHaveLength(2);
    for (const m of messages) expect(m.text!.length).toBeLessThanOrEqual(4096);
    expect(messages.map((m) => m.text).join('\n')).toBe(text);
    expect(messages[0]!.reply_markup).toBeUndefined();
    expect(messages[1]!.reply_markup).toBeDefined();
  });

  it('encodes keys BullMQ would refuse as job ids, one-to-one', () => {
    expect(alertJobId('fill-42')).toBe('fill-42');
    expect(alertJobId('fill:42')).not.toContain(':');
    expect(alertJobId('12345')).not.toBe('12345');
    expect(alertJobId('k-abc')).not.toBe('k-abc');
    const keys = ['a:b', 'a_b', 'k-YTpi', alertJobId('a:b'), alertJobId('k-YTpi')];
    expect(new Set(keys.map(alertJobId)).size).toBe(new Set(keys).size);
  });
});
