/**
 * The alerts worker's duplicate window: a part is marked "being sent" (progress i + 0.5)
 * before it leaves and "accepted" (i + 1) after Telegram answers. A job retried with a part left
 * "being sent" — its worker died, or a 5xx came back, after Telegram may have delivered it — sends
 * that part again under the repeat notice; a part Telegram refused is sent again without one.
 * Jobs are put in that state by hand, as a killed worker leaves them (test/chaos/alerts-kill.test.ts
 * kills real processes for it).
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { claimCardRevision } from '../../src/trading/orders/card-revisions.js';
import { alertParts, createAlertsApi, createAlertsWorker, readAlertProgress, REPEAT_NOTICE, type AlertsWorker } from '../../src/alerts/alerts-worker.js';
import { alertJobId, createAlertsQueue, type AlertsQueue } from '../../src/alerts/alerts-queue.js';
import { TELEGRAM_TEXT_LIMIT } from '../../src/format.js';
import { createLogger } from '../../src/logger.js';
import { createRedisConnection } from '../../src/redis.js';
import type { AlertJob } from '../../src/trading/types.js';
import { startFakeBotApi, type FakeBotApi } from '../support/fake-bot-api.js';
import { testRedisUrl, uniquePrefix } from '../support/redis.js';
import { eventually } from '../support/wait.js';

const logger = createLogger({ level: 'silent' });
const CHAT = 535353;

let fake: FakeBotApi;
let producer: Redis;
let workerConnection: Redis;
let prefix: string;
let queue: AlertsQueue;
let registry: Registry;
let worker: AlertsWorker | undefined;

function startWorker(apiOptions: { maxDelaySeconds?: number; retryServerErrors?: boolean } = {}) {
  const api = createAlertsApi({ token: fake.token, apiRoot: fake.apiRoot, maxRetryAttempts: 3, maxDelaySeconds: 5, ...apiOptions });
  worker = createAlertsWorker({ connection: workerConnection, redis: producer, api, logger, prefix, registry, concurrency: 1 });
}

/** Queues the alert with the progress a killed attempt left behind (no worker runs yet). */
async function enqueueInterrupted(alert: AlertJob, progress: number) {
  await queue.enqueue(alert);
  const job = await queue.queue.getJob(alertJobId(alert.key));
  await job!.updateProgress(progress);
}

async function finished(key: string) {
  return eventually(async () => {
    const job = await queue.queue.getJob(alertJobId(key));
    const state = job ? await job.getState() : undefined;
    if (state !== 'completed' && state !== 'failed') return undefined;
    // Read again: the job read before its state may predate the move (returnvalue, failedReason).
    return { job: (await queue.queue.getJob(alertJobId(key)))!, state };
  }, `alert ${key} to finish`);
}

async function repeats(): Promise<number> {
  const metric = await registry.getSingleMetric('binance_chatops_alert_parts_repeated_total')!.get();
  return metric.values[0]?.value ?? 0;
}

/** A text of `lines` numbered lines of about 100 characters, well-formed HTML. */
function longText(tag: string, lines: number): string {
  return Array.from({ length: lines }, (_, i) => `<b>${tag} line ${i}</b> ${'x'.repeat(80)} &amp;`).join('\n');
}

const notice = `${REPEAT_NOTICE}\n`;

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
  prefix = uniquePrefix('repeat');
  registry = new Registry();
  queue = createAlertsQueue({ connection: producer, prefix, attempts: 3, backoffMs: 50 });
});

afterEach(async () => {
  await worker?.close();
  worker = undefined;
  await queue.close();
});

describe('alerts worker: parts that may have arrived are sent again under a notice', () => {
  it('reads progress as accepted parts plus an unconfirmed one', () => {
    expect(readAlertProgress(undefined)).toEqual({ done: 0, sending: false });
    expect(readAlertProgress(0)).toEqual({ done: 0, sending: false });
    expect(readAlertProgress(0.5)).toEqual({ done: 0, sending: true });
    expect(readAlertProgress(2)).toEqual({ done: 2, sending: false });
    expect(readAlertProgress(2.5)).toEqual({ done: 2, sending: true });
    expect(readAlertProgress({ parts: 1 })).toEqual({ done: 0, sending: false });
  });

  it('sends a push alert left "being sent" again, once, under the notice, and counts it', async () => {
    const alert = { key: 'fill-resent', chatId: CHAT, text: '🔔 <b>Filled</b> 0.001 BTC &amp; more', buttons: [[{ text: 'Orders', data: 'orders' }]], category: 'fill' as const };
    await enqueueInterrupted(alert, 0.5);
    startWorker();
    const { job, state } = await finished(alert.key);
    expect(state).toBe('completed');
    expect(job.progress).toBe(1);
    const messages = fake.messages(CHAT);
    expect(messages.map((m) => m.text)).toEqual([`${notice}${alert.text}`]);
    expect(messages[0]!.reply_markup).toEqual({ inline_keyboard: [[{ text: 'Orders', callback_data: 'orders' }]] });
    expect(await repeats()).toBe(1);
  });

  it('resumes a multi-part alert: accepted parts skipped, the unconfirmed one under the notice, the rest plain', async () => {
    const text = longText('multi', 110);
    const parts = alertParts(text);
    expect(parts.length).toBe(3);
    expect(parts.join('\n')).toBe(text);
    await enqueueInterrupted({ key: 'long-resent', chatId: CHAT, text, category: 'system' }, 1.5);
    startWorker();
    expect((await finished('long-resent')).state).toBe('completed');
    const sent = fake.messages(CHAT).map((m) => m.text!);
    expect(sent).toEqual([`${notice}${parts[1]}`, parts[2]]);
    for (const message of sent) expect(message.length).toBeLessThanOrEqual(TELEGRAM_TEXT_LIMIT);
    expect(await repeats()).toBe(1);
  });

  it('resumes after an accepted part without a notice (whole-number progress)', async () => {
    const text = longText('whole', 70);
    const parts = alertParts(text);
    await enqueueInterrupted({ key: 'long-accepted', chatId: CHAT, text, category: 'system' }, 1);
    startWorker();
    expect((await finished('long-accepted')).state).toBe('completed');
    expect(fake.messages(CHAT).map((m) => m.text)).toEqual(parts.slice(1));
    expect(await repeats()).toBe(0);
  });

  it('keeps a single part near the limit whole: the notice goes first in its own message', async () => {
    const text = `<b>near</b> ${'y'.repeat(TELEGRAM_TEXT_LIMIT - 20)}`;
    expect(text.length).toBeLessThanOrEqual(TELEGRAM_TEXT_LIMIT);
    await enqueueInterrupted({ key: 'near-limit', chatId: CHAT, text, category: 'system' }, 0.5);
    startWorker();
    expect((await finished('near-limit')).state).toBe('completed');
    expect(fake.messages(CHAT).map((m) => m.text)).toEqual([REPEAT_NOTICE, text]);
  });

  it('sends again without a notice what Telegram refused with a 429 (nothing was delivered)', async () => {
    // retry_after beyond the in-line limit: the queue is held and the job retried later.
    startWorker({ maxDelaySeconds: 0 });
    fake.injectFault({ method: 'sendMessage', kind: 'too-many-requests', retryAfter: 1 });
    await queue.enqueue({ key: 'flood-held', chatId: CHAT, text: 'after the hold', category: 'fill' });
    const { job, state } = await finished('flood-held');
    expect(state).toBe('completed');
    expect(job.progress).toBe(1);
    expect(fake.calls('sendMessage').map((c) => c.status)).toEqual([429, 'ok']);
    expect(fake.messages(CHAT).map((m) => m.text)).toEqual(['after the hold']);
    expect(await repeats()).toBe(0);
  });

  it('sends again under the notice after a 5xx that outlived in-line retries (Telegram may have delivered)', async () => {
    startWorker({ retryServerErrors: false });
    fake.injectFault({ method: 'sendMessage', kind: 'server-error', status: 502 });
    await queue.enqueue({ key: 'bad-gateway-resent', chatId: CHAT, text: 'through the 502', category: 'fill' });
    expect((await finished('bad-gateway-resent')).state).toBe('completed');
    expect(fake.messages(CHAT).map((m) => m.text)).toEqual([`${notice}through the 502`]);
    expect(await repeats()).toBe(1);
  });

  it('edits a card again without a notice when its edit was left unconfirmed', async () => {
    const api = createAlertsApi({ token: fake.token, apiRoot: fake.apiRoot });
    const card = await api.sendMessage(CHAT, 'card: queued');
    await enqueueInterrupted({ key: 'card-edit-resent', chatId: CHAT, editMessageId: card.message_id, text: 'card: <b>placed</b>', revision: 2, category: 'order' }, 0.5);
    startWorker();
    expect((await finished('card-edit-resent')).job.returnvalue).toBe('edited');
    expect(fake.message(CHAT, card.message_id)!.text).toBe('card: <b>placed</b>');
    expect(fake.calls('sendMessage').filter((c) => c.payload.chat_id === CHAT)).toHaveLength(1); // the card itself
    expect(await repeats()).toBe(0);
  });

  it('puts the newest card state back when an unconfirmed older edit may have landed after it', async () => {
    // Revision 3 is claimed and was applied; then revision 2's edit (slow on the wire) landed on top,
    // and its worker died before recording it. Its retry finds revision 2 stale: it must not leave
    // the card rolled back.
    const api = createAlertsApi({ token: fake.token, apiRoot: fake.apiRoot });
    const card = await api.sendMessage(CHAT, 'card: rev 2');
    expect(await claimCardRevision(producer, prefix, CHAT, card.message_id, 3, { text: 'card: rev 3' })).toBe(true);
    await enqueueInterrupted({ key: 'card-rev-2', chatId: CHAT, editMessageId: card.message_id, text: 'card: rev 2', revision: 2, category: 'order' }, 0.5);
    startWorker();
    expect((await finished('card-rev-2')).job.returnvalue).toBe('stale');
    expect(fake.message(CHAT, card.message_id)!.text).toBe('card: rev 3');
  });
});
