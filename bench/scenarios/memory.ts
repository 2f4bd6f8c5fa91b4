/**
 * Scenario 6: resident memory of `node dist/main.js all` — the real process, as an operator
 * starts it — idle, and after the load of scenario 1 driven through it the way Telegram does:
 * updates queued at the fake Bot API (its own process) that the bot long-polls with getUpdates.
 * The exchange is the paper exchange in its own process (BINANCE_BASE_URL), as a live
 * deployment talks to Binance; a second, idle reading is taken of the demo shape, with the paper
 * exchange and its replayed market inside the process.
 *
 * Memory is read from /proc/<pid>/status: VmRSS (resident now) and VmHWM (the peak). The same
 * load also gives the Confirm → order request latency through the whole real process, long
 * polling included (Telegram's own delivery delay is not part of it: the fake answers at once).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort, startRedisServer } from '../../src/redis-server.js';
import { clientOrderIdOf } from '../../src/trading/intent-store.js';
import { callbackUpdate, messageUpdate, type UpdateUser } from '../../test/support/fake-bot-api.js';
import { benchUsers } from '../support/bench-app.js';
import { startSimChild, type SimChild } from '../support/sim-child.js';
import { startTelegramChild, type TelegramChild } from '../support/telegram-child.js';
import { epochMs, round3, sleep, summarize } from '../lib/stats.js';
import type { Row, ScenarioContext, ScenarioResult } from '../lib/types.js';

const ORDER = '/buy BTCUSDT 0.001';
const TARGET = { on: 'value', op: '<', value: 200, text: '< 200 MB' } as const;

interface Memory {
  rssMB: number;
  peakMB: number;
}

function memoryOf(pid: number): Memory {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMB: round3(kb('VmRSS') / 1024), peakMB: round3(kb('VmHWM') / 1024) };
}

interface AllRole {
  child: ChildProcess;
  pid: number;
  stop(): Promise<void>;
}

async function startAllRole(root: string, env: Record<string, string>): Promise<AllRole> {
  const port = await freePort();
  const cwd = mkdtempSync(join(tmpdir(), 'bench-all-'));
  const child = spawn(process.execPath, [resolve(root, 'dist/main.js'), 'all'], {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: cwd, PORT: String(port), LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-2000)));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const deadline = Date.now() + 60_000;
  for (;;) {
    const health = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined);
    if (health?.status === 200) break;
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`the all role did not become healthy: ${stderr.trim().slice(-500)}`);
    await sleep(100);
  }
  return {
    child,
    pid: child.pid!,
    async stop() {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
      rmSync(cwd, { recursive: true, force: true });
    },
  };
}

/** /buy → card → Confirm, through getUpdates; returns Confirm → POST at the exchange, ms. */
async function cycle(telegram: TelegramChild, sim: SimChild, user: UpdateUser): Promise<number> {
  const next = telegram.nextCard(user.id);
  telegram.pushUpdate(messageUpdate({ from: user, text: ORDER }));
  const card = await next;
  const confirmData = (card.replyMarkup as { inline_keyboard: Array<Array<{ callback_data: string }>> }).inline_keyboard[0]![0]!.callback_data;
  const t0 = epochMs();
  telegram.pushUpdate(callbackUpdate({ from: user, messageId: card.messageId, data: confirmData, messageText: card.text, replyMarkup: card.replyMarkup }));
  const arrived = await sim.arrival(clientOrderIdOf(confirmData.slice(3)));
  await telegram.filled(user.id, card.messageId);
  return arrived - t0;
}

export async function memory(ctx: ScenarioContext): Promise<ScenarioResult> {
  const sequential = ctx.quick ? 100 : 1000;
  const perUser = ctx.quick ? 2 : 20;
  const users = benchUsers(50);
  const sim = await startSimChild();
  const telegram = await startTelegramChild();
  const redis = await startRedisServer();
  const rows: Row[] = [];
  const details: Record<string, unknown> = {};
  let app: AllRole | undefined;
  try {
    app = await startAllRole(ctx.root, {
      TELEGRAM_BOT_TOKEN: telegram.token,
      TELEGRAM_API_ROOT: telegram.apiRoot,
      TELEGRAM_ALLOWED_USERS: users.map((u) => u.id).join(','),
      TRADING_MODE: 'paper',
      BINANCE_BASE_URL: sim.restUrl,
      BINANCE_API_KEY: sim.apiKey,
      BINANCE_API_SECRET: sim.apiSecret,
      REDIS_URL: redis.url,
    });
    await sleep(ctx.quick ? 2_000 : 3_000); // polling up, connections made, start-up garbage collectable
    const idle = memoryOf(app.pid);
    ctx.log(`memory: all role idle ${idle.rssMB} MB; ${sequential} sequential confirmations through getUpdates`);

    for (let i = 0; i < 20; i++) await cycle(telegram, sim, users[0]!); // warm-up
    const seq: number[] = [];
    for (let i = 0; i < sequential; i++) seq.push(await cycle(telegram, sim, users[0]!));
    ctx.log(`memory: 50 users × ${perUser} confirmations`);
    const crowd: number[] = [];
    await Promise.all(
      users.map(async (user, u) => {
        await sleep((u * 2000) / users.length);
        for (let i = 0; i < perUser; i++) {
          await sleep(1000 + Math.random() * 2000);
          crowd.push(await cycle(telegram, sim, user));
        }
      }),
    );
    const loaded = memoryOf(app.pid);
    await sleep(ctx.quick ? 2_000 : 5_000);
    const settled = memoryOf(app.pid);
    const seqSummary = summarize(seq);
    const crowdSummary = summarize(crowd);
    details.production = { idle, afterLoad: loaded, fiveSecondsLater: settled, confirmations: seq.length + crowd.length, sequentialMs: seqSummary, usersMs: crowdSummary };
    rows.push(
      { what: '`all` role idle (exchange in another process)', unit: 'MB', value: idle.rssMB, target: TARGET },
      { what: `\`all\` role after ${seq.length + crowd.length + 20} confirmations (and as many /buy)`, unit: 'MB', value: loaded.rssMB, target: TARGET, note: `peak (VmHWM) ${loaded.peakMB} MB; ${ctx.quick ? 2 : 5} s later ${settled.rssMB} MB` },
      { what: 'Confirm → order request through the real process (long polling), sequential', unit: 'ms', median: seqSummary.p50, p99: seqSummary.p99, n: seqSummary.n },
      { what: 'the same, 50 users at once (1–3 s to read each card)', unit: 'ms', median: crowdSummary.p50, p99: crowdSummary.p99, n: crowdSummary.n },
    );
    await app.stop();
    app = undefined;

    ctx.log('memory: demo shape (paper exchange inside the process, replayed market)');
    const demoRedis = await startRedisServer();
    const demo = await startAllRole(ctx.root, {
      TELEGRAM_BOT_TOKEN: telegram.token,
      TELEGRAM_API_ROOT: telegram.apiRoot,
      TELEGRAM_ALLOWED_USERS: String(users[0]!.id),
      TRADING_MODE: 'paper',
      PAPER_MARKET: 'replay',
      REDIS_URL: demoRedis.url,
    });
    await sleep(ctx.quick ? 2_000 : 3_000);
    const demoIdle = memoryOf(demo.pid);
    await demo.stop();
    await demoRedis.stop();
    details.demo = { idle: demoIdle };
    rows.push({ what: '`all` role idle, paper exchange inside (the demo shape)', unit: 'MB', value: demoIdle.rssMB, target: TARGET });
  } finally {
    await app?.stop();
    await telegram.close();
    await sim.close();
    await redis.stop();
  }
  return { id: 'memory', title: '6. Resident memory of the `all` role', rows, details };
}
