/**
 * `node dist/main.js all` as an operator runs it, in paper mode: a real process that long-polls
 * a (fake) Telegram, serves /healthz and /metrics, answers a command from an allowed user, and
 * exits 0 on SIGTERM after closing everything.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/redis-server.js';
import { messageUpdate, startFakeBotApi, type FakeBotApi } from '../support/fake-bot-api.js';
import { testRedisUrl, uniquePrefix } from '../support/redis.js';

const root = resolve(import.meta.dirname, '../..');
const main = resolve(root, 'dist/main.js');
const TRADER = { id: 4242, first_name: 'Ana', username: 'ana' };

describe('the all role as a process', () => {
  let telegram: FakeBotApi;
  let cwd: string;

  beforeAll(async () => {
    if (!existsSync(main)) spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
    telegram = await startFakeBotApi();
    cwd = mkdtempSync(join(tmpdir(), 'chatops-all-'));
  });
  afterAll(async () => {
    await telegram.close();
    rmSync(cwd, { recursive: true, force: true });
  });

  it('serves health and metrics, answers an allowed user, and exits 0 on SIGTERM', async () => {
    const port = await freePort();
    // A private Redis database number keeps this process's keys away from other tests' prefixes.
    const redisUrl = `${testRedisUrl()}/${1 + (parseInt(uniquePrefix('').slice(1, 3), 16) % 14)}`;
    const child = spawn(process.execPath, [main, 'all'], {
      cwd,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: cwd,
        TELEGRAM_BOT_TOKEN: telegram.token,
        TELEGRAM_API_ROOT: telegram.apiRoot,
        TELEGRAM_ALLOWED_USERS: String(TRADER.id),
        TRADING_MODE: 'paper',
        PAPER_MARKET: 'replay',
        REDIS_URL: redisUrl,
        PORT: String(port),
        LOG_LEVEL: 'info',
      },
    });
    let logs = '';
    child.stdout.on('data', (c: Buffer) => (logs += c.toString()));
    child.stderr.on('data', (c: Buffer) => (logs += c.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));

    const deadline = Date.now() + 30_000;
    let health: Response | undefined;
    while (Date.now() < deadline) {
      health = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined);
      if (health?.status === 200) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(health?.status, logs).toBe(200);
    expect(await health!.json()).toMatchObject({ status: 'ok', checks: { redis: true } });
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toMatch(/binance_chatops_process_resident_memory_bytes/);

    expect((await telegram.waitForCall('setMyCommands')).payload.commands).toBeTruthy();
    telegram.pushUpdate(messageUpdate({ from: TRADER, text: '/balance' }));
    const reply = await telegram.waitForCall('sendMessage', (c) => c.payload.chat_id === TRADER.id, 20_000);
    expect(String(reply.payload.text)).toMatch(/10,000/);

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(logs).toMatch(/shutting down/);
    expect(logs).toMatch(/"msg":"stopped"/);
    expect(logs).not.toContain(telegram.token.split(':')[1]);
  }, 60_000);
});
