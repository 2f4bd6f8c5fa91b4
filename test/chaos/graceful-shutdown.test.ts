/**
 * Graceful shutdown under load: SIGTERM reaches a real `node dist/main.js all`, and
 * later a real `worker` of a split bot + worker deployment, while order jobs are in flight (the
 * simulator holds every order request 1.5 s). Each process must exit 0, its in-flight jobs must
 * finish or stay safely resumable, and a restarted worker must complete the rest with exactly one
 * exchange order per intent and a final card for each.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { freePort } from '../../src/redis-server.js';
import { createOrdersQueue, type OrdersQueue } from '../../src/trading/orders/orders-queue.js';
import { callbackUpdate, messageUpdate, startFakeBotApi, type FakeBotApi, type UpdateUser } from '../support/fake-bot-api.js';
import { startRedisServer, type RedisServerHandle } from '../support/redis.js';
import { startTestSimulator, type TestSimulator } from '../support/simulator.js';
import { eventually } from '../support/wait.js';
import { findSecrets, telegramTexts } from '../security/secret-scan.js';
import { confirmDataOf, finalStateOf, user } from './support/chaos-stack.js';
import { recordFigures } from './support/figures.js';
import { startRoleProcess, type RoleProcess } from './support/role-process.js';
import { budgetMs, scale } from './support/scale.js';

const load = scale.shutdownLoad();
const USERS = Array.from({ length: load }, (_, i) => user(7700 + i));

let redis: RedisServerHandle | undefined;
let sim: TestSimulator | undefined;
let telegram: FakeBotApi | undefined;
let client: Redis | undefined;
let orders: OrdersQueue | undefined;
const processes: RoleProcess[] = [];
afterAll(async () => {
  for (const p of processes) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
  await orders?.close();
  client?.disconnect();
  await telegram?.close();
  await sim?.close();
  await redis?.stop();
});

interface Placed {
  from: UpdateUser;
  messageId: number;
  intentId: string;
}

describe('chaos: SIGTERM while order jobs are in flight', () => {
  it(
    `an all process, then a worker, stop with ${load} jobs in flight: exit 0, one order per intent`,
    async () => {
      redis = await startRedisServer();
      sim = await startTestSimulator({ balances: { USDT: '10000000', BTC: '100', ETH: '1000' }, prices: { BTCUSDT: '65000', ETHUSDT: '3500' } });
      telegram = await startFakeBotApi();
      client = new Redis(redis.url, { maxRetriesPerRequest: null });
      orders = createOrdersQueue({ connection: client, prefix: 'chatops' });
      const env = {
        TRADING_MODE: 'paper',
        BINANCE_BASE_URL: sim.restUrl,
        BINANCE_WS_API_URL: sim.wsApiUrl,
        BINANCE_STREAM_URL: sim.streamUrl,
        BINANCE_API_KEY: sim.apiKey,
        BINANCE_API_SECRET: sim.apiSecret!,
        TELEGRAM_BOT_TOKEN: telegram.token,
        TELEGRAM_API_ROOT: telegram.apiRoot,
        TELEGRAM_ALLOWED_USERS: USERS.map((u) => u.id).join(','),
        REDIS_URL: redis.url,
        CONFIRM_TTL_S: '600',
      };
      const start = async (role: 'all' | 'bot' | 'worker') => {
        const p = startRoleProcess(role, env, await freePort());
        processes.push(p);
        await p.healthy();
        return p;
      };
      const placed: Placed[] = [];
      const sigterms: Array<{ role: string; exit: number | null; inFlight: number; finishedWhileStopping: number; leftActive: number }> = [];

      /** Every user asks for an order and confirms it while the exchange holds order requests. */
      const burst = async (command: string) => {
        const before = new Map(USERS.map((u) => [u.id, telegram!.messages(u.id).length]));
        for (const from of USERS) telegram!.pushUpdate(messageUpdate({ from, text: command }));
        const cards = await Promise.all(
          USERS.map((from) =>
            eventually(() => {
              const card = telegram!.messages(from.id).slice(before.get(from.id)).find((m) => confirmDataOf(m));
              return card ? { from, messageId: card.message_id, data: confirmDataOf(card)!, markup: card.reply_markup } : undefined;
            }, `a card for ${from.id}`, 60_000),
          ),
        );
        sim!.control.faults.inject({ method: 'POST', path: '/api/v3/order', action: 'delay', delayMs: 1_500, times: cards.length });
        for (const c of cards) {
          telegram!.pushUpdate(callbackUpdate({ from: c.from, messageId: c.messageId, data: c.data, replyMarkup: c.markup }));
          placed.push({ from: c.from, messageId: c.messageId, intentId: c.data.slice(3) });
        }
        return eventually(async () => ((await orders!.queue.getJobCounts('active')).active ?? 0) > 0 || undefined, 'an order job in flight', 60_000);
      };
      const stop = async (p: RoleProcess, role: string) => {
        const before = await orders!.queue.getJobCounts('active', 'completed');
        const exit = await p.terminate();
        const after = await orders!.queue.getJobCounts('active', 'completed');
        sigterms.push({ role, exit, inFlight: before.active ?? 0, finishedWhileStopping: (after.completed ?? 0) - (before.completed ?? 0), leftActive: after.active ?? 0 });
      };

      // 1. One `all` process takes SIGTERM mid-burst.
      const all = await start('all');
      await burst('/buy BTCUSDT 0.001');
      await stop(all, 'all');

      // 2. The split deployment: bot + worker; the worker takes SIGTERM mid-burst, a new one finishes.
      const bot = await start('bot');
      const worker = await start('worker');
      await burst('/sell ETHUSDT 0.02');
      await stop(worker, 'worker');
      const worker2 = await start('worker');

      await expect.poll(async () => {
        const states = await Promise.all(placed.map(async (p) => (await orders!.queue.getJob(p.intentId))?.getState()));
        return states.every((s) => s === 'completed') || undefined;
      }, { message: 'every order job to complete', timeout: budgetMs(60_000, 3_000, placed.length) }).toBeTruthy();
      let duplicates = 0;
      let untold = 0;
      for (const p of placed) {
        const found = sim.control.orders().filter((o) => o.clientOrderId === `bco-${p.intentId}`);
        duplicates += Math.max(0, found.length - 1);
        expect(found, `orders of ${p.intentId}`).toHaveLength(1);
        const final = await eventually(() => finalStateOf(telegram!.message(p.from.id, p.messageId)?.text ?? ''), `card ${p.intentId}`, 30_000).catch(() => undefined);
        if (!final) untold++;
      }
      await stop(bot, 'bot');
      await stop(worker2, 'worker (restarted)');

      const hits = findSecrets(
        [...processes.map((p, i) => ({ where: `process ${i}`, texts: [p.output()] })), { where: 'telegram', texts: telegramTexts(telegram) }],
        { apiKey: sim.apiKey, apiSecret: sim.apiSecret!, botToken: telegram.token },
      );
      recordFigures('graceful-shutdown', {
        intents: placed.length,
        sigterms: sigterms.length,
        exits: Object.fromEntries(sigterms.map((s) => [s.role, s.exit ?? -1])),
        jobsInFlightAtSigterm: Object.fromEntries(sigterms.map((s) => [s.role, s.inFlight])),
        jobsFinishedWhileStopping: Object.fromEntries(sigterms.map((s) => [s.role, s.finishedWhileStopping])),
        orders: sim.control.orders().length,
        duplicates,
        cardsWithoutFinalState: untold,
        secretsFound: hits.length,
      });
      expect(sigterms.map((s) => [s.role, s.exit])).toEqual(sigterms.map((s) => [s.role, 0]));
      // A graceful stop leaves no job locked by a dead process.
      expect(sigterms.map((s) => s.leftActive)).toEqual(sigterms.map(() => 0));
      expect(sigterms.slice(0, 2).every((s) => s.inFlight > 0)).toBe(true);
      expect(duplicates).toBe(0);
      expect(untold).toBe(0);
      expect(hits).toEqual([]);
    },
    budgetMs(180_000, 6_000, load),
  );
});
