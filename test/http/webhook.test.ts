/**
 * Webhook mode (DESIGN.md §1, §8): Telegram POSTs updates to the health server's route; only a
 * request carrying the secret token (X-Telegram-Bot-Api-Secret-Token) reaches the bot.
 */
import { request as httpRequest } from 'node:http';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startHealthServer, type HealthServer } from '../../src/http/health-server.js';
import { createWebhookRoute, MAX_BODY_BYTES, registerWebhook, webhookPathOf } from '../../src/http/webhook.js';
import { createLogger } from '../../src/logger.js';
import { startApp, TRADER, type AppHarness } from '../support/app-harness.js';
import { messageUpdate } from '../support/fake-bot-api.js';

const SECRET = 'webhook-secret_0123456789';
const PATH = '/telegram/webhook';

describe('webhook', () => {
  let app: AppHarness;
  let http: HealthServer;
  const logger = createLogger({ level: 'silent' });
  const url = (path = PATH) => `http://127.0.0.1:${http.port}${path}`;
  const post = (body: string, headers: Record<string, string> = {}) =>
    fetch(url(), { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

  beforeAll(async () => {
    app = await startApp({ workers: false });
    const route = createWebhookRoute(app.bot, { path: PATH, secretToken: SECRET, logger });
    http = await startHealthServer({ port: 0, host: '127.0.0.1', registry: new Registry(), checks: [], logger, routes: [route] });
  });
  afterAll(async () => {
    await http.close();
    await app.close();
  });
  beforeEach(() => app.telegram!.reset());

  it('hands an update with the right secret to the bot and answers 200', async () => {
    const res = await post(JSON.stringify(messageUpdate({ from: TRADER, text: '/help' })), { 'X-Telegram-Bot-Api-Secret-Token': SECRET });
    expect(res.status).toBe(200);
    const sent = app.telegram!.calls('sendMessage');
    expect(sent).toHaveLength(1);
    expect(sent[0]!.payload).toMatchObject({ chat_id: TRADER.id, parse_mode: 'HTML' });
    expect(String(sent[0]!.payload.text)).toContain('/buy — Buy at market');
  });

  it.each([
    ['a wrong secret', { 'X-Telegram-Bot-Api-Secret-Token': 'webhook-secret_0123456780' }],
    ['a longer secret', { 'X-Telegram-Bot-Api-Secret-Token': `${SECRET}x` }],
    ['no secret', {}],
  ])('refuses %s with 401 and runs nothing', async (_, headers) => {
    const res = await post(JSON.stringify(messageUpdate({ from: TRADER, text: '/balance' })), headers);
    expect(res.status).toBe(401);
    expect(app.telegram!.calls()).toHaveLength(0);
    expect(app.sim.control.requests().filter((r) => r.path === '/api/v3/account')).toHaveLength(0);
  });

  it('answers other methods with 405, junk with 400, and leaves other paths to the server', async () => {
    expect((await fetch(url(), { method: 'GET' })).status).toBe(405);
    expect((await post('{not json', { 'X-Telegram-Bot-Api-Secret-Token': SECRET })).status).toBe(400);
    expect((await fetch(url('/telegram/other'), { method: 'POST', body: '{}' })).status).toBe(404);
    expect((await fetch(url('/healthz'))).status).toBe(200);
    expect(app.telegram!.calls()).toHaveLength(0);
  });

  /**
   * A chunked POST (no Content-Length) written 64 KiB at a time, honouring back-pressure. With
   * `endlessUpTo` the body never ends: filler follows until the server answers or that many bytes
   * are out. Resolves with the status and the bytes written when the answer came.
   */
  function chunkedPost(body: Buffer, headers: Record<string, string>, endlessUpTo?: number): Promise<{ status: number; writtenAtAnswer: number }> {
    const filler = Buffer.alloc(64 * 1024, 'x');
    return new Promise((resolve, reject) => {
      let written = 0;
      let answered = false;
      const req = httpRequest(url(), { method: 'POST', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked', ...headers } });
      req.on('response', (res) => {
        answered = true;
        const writtenAtAnswer = written;
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, writtenAtAnswer }));
        res.on('error', () => resolve({ status: res.statusCode ?? 0, writtenAtAnswer }));
      });
      // The server drops the connection after its 413: a write error then is expected.
      req.on('error', (error) => {
        if (!answered) reject(error);
      });
      const writeMore = () => {
        for (;;) {
          if (answered) return;
          let chunk: Buffer;
          if (written < body.length) chunk = body.subarray(written, written + filler.length);
          else if (endlessUpTo !== undefined && written < endlessUpTo) chunk = filler;
          else break;
          written += chunk.length;
          if (!req.write(chunk)) {
            req.once('drain', writeMore);
            return;
          }
        }
        req.end();
      };
      writeMore();
    });
  }

  it('refuses a 2 MiB chunked body with 413; the bot sees no update', async () => {
    // A real update for the bot (it would answer /help), padded to 2 MiB.
    const body = Buffer.from(JSON.stringify(messageUpdate({ from: TRADER, text: `/help ${'x'.repeat(2 * 1024 * 1024)}` })));
    const result = await chunkedPost(body, { 'X-Telegram-Bot-Api-Secret-Token': SECRET });
    expect(result.status).toBe(413);
    await new Promise((r) => setTimeout(r, 200));
    expect(app.telegram!.calls()).toHaveLength(0);

    // The server is fine afterwards: a valid update still goes through.
    const res = await post(JSON.stringify(messageUpdate({ from: TRADER, text: '/help' })), { 'X-Telegram-Bot-Api-Secret-Token': SECRET });
    expect(res.status).toBe(200);
    expect(app.telegram!.calls('sendMessage')).toHaveLength(1);
  });

  it('answers 413 while a body that never ends is still arriving', async () => {
    const start = Buffer.from(JSON.stringify(messageUpdate({ from: TRADER, text: '/help ' })).slice(0, -3));
    const cap = 256 * 1024 * 1024;
    const result = await chunkedPost(start, { 'X-Telegram-Bot-Api-Secret-Token': SECRET }, cap);
    expect(result.status).toBe(413);
    // Answered on the running count: the client was still writing (kernel buffers hold a few MiB).
    expect(result.writtenAtAnswer).toBeLessThan(cap / 4);
    expect(app.telegram!.calls()).toHaveLength(0);
  });

  it('takes a chunked update under the bound, and refuses a declared Content-Length over it', async () => {
    const small = Buffer.from(JSON.stringify(messageUpdate({ from: TRADER, text: '/help' })));
    expect((await chunkedPost(small, { 'X-Telegram-Bot-Api-Secret-Token': SECRET })).status).toBe(200);
    expect(app.telegram!.calls('sendMessage')).toHaveLength(1);

    const big = JSON.stringify(messageUpdate({ from: TRADER, text: `/help ${'y'.repeat(MAX_BODY_BYTES)}` }));
    expect((await post(big, { 'X-Telegram-Bot-Api-Secret-Token': SECRET })).status).toBe(413);
    expect(app.telegram!.calls('sendMessage')).toHaveLength(1);
  });

  it('answers a chunked body with a wrong secret 401 without reading it', async () => {
    const body = Buffer.from(JSON.stringify(messageUpdate({ from: TRADER, text: `/help ${'z'.repeat(2 * 1024 * 1024)}` })));
    const result = await chunkedPost(body, { 'X-Telegram-Bot-Api-Secret-Token': 'not-the-secret' });
    expect(result.status).toBe(401);
    expect(app.telegram!.calls()).toHaveLength(0);
  });

  it('registers the webhook with the secret and only the updates the bot handles', async () => {
    await registerWebhook(app.bot, { url: `https://bot.example.com${PATH}`, secretToken: SECRET });
    const [call] = app.telegram!.calls('setWebhook');
    expect(call?.payload).toMatchObject({ url: `https://bot.example.com${PATH}`, secret_token: SECRET, allowed_updates: ['message', 'callback_query'] });
    expect(webhookPathOf(`https://bot.example.com${PATH}?x=1`)).toBe(PATH);
  });
});
