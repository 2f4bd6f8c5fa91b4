/**
 * Webhook mode (DESIGN.md §1, §8): Telegram POSTs updates to the health server's route; only a
 * request carrying the secret token (X-Telegram-Bot-Api-Secret-Token) reaches the bot.
 */
import { Registry } from 'prom-client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startHealthServer, type HealthServer } from '../../src/http/health-server.js';
import { createWebhookRoute, registerWebhook, webhookPathOf } from '../../src/http/webhook.js';
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

  it('registers the webhook with the secret and only the updates the bot handles', async () => {
    await registerWebhook(app.bot, { url: `https://bot.example.com${PATH}`, secretToken: SECRET });
    const [call] = app.telegram!.calls('setWebhook');
    expect(call?.payload).toMatchObject({ url: `https://bot.example.com${PATH}`, secret_token: SECRET, allowed_updates: ['message', 'callback_query'] });
    expect(webhookPathOf(`https://bot.example.com${PATH}?x=1`)).toBe(PATH);
  });
});
