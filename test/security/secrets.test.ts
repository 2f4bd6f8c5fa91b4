/**
 * Secrets (DESIGN.md §8): the API key, the API secret, the bot token and request
 * signatures never reach a log line or a Telegram payload — above all on the failure paths,
 * where an HTTP library's error carries the signed URL, the key header or the token in the path.
 * Every chaos, fuzz and authorization suite scans its own logs and payloads too (secret-scan.ts);
 * this one drives the failures those suites meet only by chance.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { createAlertsApi, createAlertsWorker } from '../../src/alerts/alerts-worker.js';
import { createRestClient } from '../../src/binance/rest-client.js';
import { createSigner } from '../../src/binance/signing.js';
import { freePort } from '../../src/redis-server.js';
import { randomApiKey } from '../support/simulator.js';
import { messageUpdate } from '../support/fake-bot-api.js';
import { testRedisUrl } from '../support/redis.js';
import { eventually } from '../support/wait.js';
import { confirmDataOf, startChaosStack, user, type ChaosStack } from '../chaos/support/chaos-stack.js';
import { recordFigures } from '../chaos/support/figures.js';
import { startRoleProcess, type RoleProcess } from '../chaos/support/role-process.js';
import { findSecrets, recordSignatures, telegramTexts } from './secret-scan.js';
import { orderAndConfirm } from '../chaos/support/traders.js';

const TRADER = user(7801);
let stack: ChaosStack | undefined;
let role: RoleProcess | undefined;
afterAll(async () => {
  if (role && role.child.exitCode === null) role.child.kill('SIGKILL');
  await stack?.close();
});

const figures: Record<string, number> = {};

describe('secrets never reach logs or Telegram', () => {
  it('REST failures (refused signature, 5xx, time-outs, bans) and Telegram failures log no secret', async () => {
    stack = await startChaosStack({ allowedUsers: [TRADER.id], orderWorker: { concurrency: 2 }, restTimeoutMs: 800 });
    const s = stack;
    const log = s.capture.logger;

    // A client whose secret the exchange does not know: every signed call is refused (-1022).
    const wrongSecret = randomApiKey();
    const wrongSigning = recordSignatures(createSigner({ apiSecret: wrongSecret }));
    const wrong = createRestClient({ baseUrl: s.sim.restUrl, apiKey: s.sim.apiKey, signer: wrongSigning.signer, logger: log.child({ module: 'rest-client' }), registry: new Registry(), timeoutMs: 800, recvWindowMs: 1_000, clockRefreshMs: 0 });
    const attempts = [
      () => wrong.account(),
      () => wrong.newOrder({ symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: '0.001', newClientOrderId: 'secret-scan-1' }),
      () => wrong.getOrder({ symbol: 'BTCUSDT', origClientOrderId: 'secret-scan-1' }),
    ];
    for (const attempt of attempts) await attempt().catch((err: unknown) => log.error({ err }, 'refused as expected'));
    await wrong.close();

    // Failures with the right key: 5xx after execution, a time-out, a 500, a ban, a skewed clock.
    s.sim.control.faults.inject({ method: 'POST', path: '/api/v3/order', action: 'error-503-after-execute' });
    s.sim.control.faults.inject({ method: 'POST', path: '/api/v3/order', action: 'timeout-after-execute', holdMs: 1_500 });
    s.sim.control.faults.inject({ method: 'POST', path: '/api/v3/order', action: 'error-500-before' });
    s.sim.control.faults.inject({ method: 'GET', path: '/api/v3/account', action: 'ban-418', retryAfterSeconds: 1 });
    s.sim.control.setClockOffset(3_000);
    const orders: Array<Awaited<ReturnType<typeof orderAndConfirm>>> = [];
    for (const command of ['/buy BTCUSDT 0.001', '/buy BTCUSDT 0.001', '/buy BTCUSDT 0.001']) orders.push(await orderAndConfirm(s, TRADER, command));
    s.sim.control.setClockOffset(0);
    await expect.poll(async () => {
      const states = await Promise.all(orders.map(async (o) => (await s.ordersQueue.queue.getJob(o.card.intentId))?.getState()));
      return states.every((st) => st === 'completed' || st === 'failed') || undefined;
    }, { message: 'the orders to settle', timeout: 60_000 }).toBeTruthy();
    await s.send(TRADER, '/balance');
    await s.send(TRADER, '/orders');

    // Telegram unreachable, and Telegram refusing the token: the alerts worker and the bot log both.
    const deadRoot = `http://127.0.0.1:${await freePort()}`;
    const deadApi = createAlertsApi({ token: s.telegram.token, apiRoot: deadRoot, maxRetryAttempts: 0 });
    const lost = createAlertsWorker({ connection: s.workerConnection, redis: s.producer, api: deadApi, logger: log, prefix: `${s.prefix}-dead` });
    const deadQueue = (await import('../../src/alerts/alerts-queue.js')).createAlertsQueue({ connection: s.producer, prefix: `${s.prefix}-dead`, attempts: 2, backoffMs: 50 });
    await deadQueue.enqueue({ key: 'unreachable', chatId: TRADER.id, text: 'x', category: 'system' });
    await expect.poll(async () => ((await deadQueue.queue.getJobCounts('failed')).failed ?? 0) > 0, { message: 'the undeliverable alert to fail', timeout: 30_000 }).toBeTruthy();
    await lost.close();
    await deadQueue.close();
    const refusedApi = createAlertsApi({ token: `${TRADER.id}:AAwrongTokenWrongTokenWrongToken000`, apiRoot: s.telegram.apiRoot, maxRetryAttempts: 0 });
    await refusedApi.sendMessage(TRADER.id, 'x').catch((err: unknown) => log.error({ err }, 'Telegram refused as expected'));

    const hits = [
      ...s.secretHits(),
      ...findSecrets([{ where: 'logs', texts: s.capture.lines() }], { apiSecret: wrongSecret, signatures: wrongSigning.signatures() }),
    ];
    if (process.env.SECRETS_DUMP) (await import('node:fs')).writeFileSync(`${process.env.SECRETS_DUMP}.in-process.log`, s.capture.lines().join(''));
    figures.inProcessLogLines = s.capture.lines().length;
    figures.inProcessSignatures = s.signing.signatures().length + wrongSigning.signatures().length;
    figures.inProcessHits = hits.length;
    expect(s.capture.lines().some((l) => /"level":50/.test(l))).toBe(true);
    expect(hits).toEqual([]);
  }, 120_000);

  it('a real all process with a key the exchange refuses logs no secret and tells the trader plainly', async () => {
    const s = stack!;
    const apiSecret = randomApiKey();
    role = startRoleProcess(
      'all',
      {
        TRADING_MODE: 'paper',
        BINANCE_BASE_URL: s.sim.restUrl,
        BINANCE_WS_API_URL: s.sim.wsApiUrl,
        BINANCE_API_KEY: s.sim.apiKey,
        BINANCE_API_SECRET: apiSecret,
        TELEGRAM_BOT_TOKEN: s.telegram.token,
        TELEGRAM_API_ROOT: s.telegram.apiRoot,
        TELEGRAM_ALLOWED_USERS: String(TRADER.id),
        REDIS_URL: `${testRedisUrl()}/${3 + (TRADER.id % 10)}`,
        LOG_LEVEL: 'debug',
      },
      await freePort(),
    );
    await role.healthy();
    s.telegram.reset();
    for (const text of ['/balance', '/buy BTCUSDT 0.001', '/orders']) s.telegram.pushUpdate(messageUpdate({ from: TRADER, text }));
    const replies = await eventually(() => {
      const sent = s.telegram.calls('sendMessage').filter((c) => c.payload.chat_id === TRADER.id);
      return sent.length >= 3 ? sent : undefined;
    }, 'three replies', 60_000);
    expect(replies.some((c) => confirmDataOf({ reply_markup: c.payload.reply_markup } as never))).toBe(false);
    expect(await role.terminate()).toBe(0);
    const hits = findSecrets(
      [
        { where: 'all process output', texts: [role.output()] },
        { where: 'telegram', texts: telegramTexts(s.telegram) },
      ],
      { apiKey: s.sim.apiKey, apiSecret, botToken: s.telegram.token },
    );
    if (process.env.SECRETS_DUMP) (await import('node:fs')).writeFileSync(`${process.env.SECRETS_DUMP}.process.log`, role.output());
    figures.processLogBytes = role.output().length;
    figures.processHits = hits.length;
    recordFigures('secrets', { ...figures, secretsFound: (figures.inProcessHits ?? 0) + hits.length });
    expect(role.output()).toMatch(/EXCHANGE_BAD_SIGNATURE|-1022/);
    expect(hits).toEqual([]);
  }, 120_000);
});
