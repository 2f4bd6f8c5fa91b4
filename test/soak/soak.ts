/**
 * The soak: `npm run soak [-- --minutes 30] [-- --rate 2]`. Not part of CI.
 *
 * Runs the product as an operator does in paper mode — one `node dist/main.js all` with its own
 * paper exchange on the bundled BTCUSDT replay, played fast (PAPER_SPEED, one hourly candle a
 * second, so stops have candles to move on), a private Redis, and a fake Telegram (the same fake
 * Bot API the tests use) — and drives mixed traffic through Telegram for `--minutes`: orders
 * confirmed on cards (every one edits its card through the alerts queue), limit orders cancelled
 * from /orders, prices, balances, /status and /top, and a fractal trailing stop on 1h candles
 * (re-armed every minute) that the stop manager moves as the replay forms fractals. Every `--sample` seconds it reads the process's
 * memory from /metrics, the Redis keyspace by kind and the queue depths; at the end it prints a
 * summary (memory at start and end and its trend, keys and their retention, queue depths) and
 * writes it to test-results/reliability/soak.json. Exits 1 if the process died, a queue did not
 * drain, or a key with no retention rule appeared.
 *
 * `--heap-snapshots` also has the process write V8 heap snapshots (node's --heapsnapshot-signal)
 * after the first minute, at the middle and after the drain, into test-results/reliability/heap/
 * as 1-start, 2-middle and 3-end; test/soak/heap-diff.ts compares them (compiled beside this
 * file: `node node_modules/.cache/chatops-soak/test/soak/heap-diff.js <snapshots>`). Each snapshot
 * stops the process for a few seconds and leaves its RSS some 200 MB higher (V8 keeps the
 * profiler's memory), so such a run's RSS and latency numbers are not comparable with others'.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import { freePort, startRedisServer } from '../../src/redis-server.js';
import { callbackUpdate, messageUpdate, startFakeBotApi, type StoredMessage, type UpdateUser } from '../support/fake-bot-api.js';
import { createPrng } from '../fuzz/prng.js';
import { slope, takeSample, type SoakSample } from '../chaos/support/soak-probe.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const at = args.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (at < 0) return fallback;
  const raw = args[at]!.includes('=') ? args[at]!.split('=')[1] : args[at + 1];
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} needs a positive number, got ${raw}`);
  return value;
};
const minutes = option('minutes', 30);
const rate = option('rate', 2);
const sampleS = option('sample', minutes <= 5 ? 10 : 30);
const heapSnapshots = args.includes('--heap-snapshots');
const ROOT = process.cwd();
const USERS: UpdateUser[] = [9101, 9102, 9103, 9104, 9105].map((id) => ({ id, first_name: `Soak${id}`, username: `soak${id}` }));
const say = (line: string) => process.stdout.write(`${line}\n`);

async function main(): Promise<number> {
  const prng = createPrng(0x50a4);
  const work = mkdtempSync(join(tmpdir(), 'chatops-soak-'));
  const redisServer = await startRedisServer();
  const redis = new Redis(redisServer.url);
  const telegram = await startFakeBotApi();
  const port = await freePort();
  const heapDir = resolve(ROOT, 'test-results/reliability/heap');
  if (heapSnapshots) {
    rmSync(heapDir, { recursive: true, force: true });
    mkdirSync(heapDir, { recursive: true });
  }
  const nodeArgs = heapSnapshots ? ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${heapDir}`] : [];
  const child = spawn(process.execPath, [...nodeArgs, resolve(ROOT, 'dist/main.js'), 'all'], {
    cwd: work,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: work,
      TRADING_MODE: 'paper',
      PAPER_MARKET: 'replay',
      PAPER_SPEED: '3600',
      PAPER_BALANCES: 'USDT=100000000,BTC=1000',
      PAPER_DATA_DIR: join(work, 'paper'),
      REDIS_URL: redisServer.url,
      TELEGRAM_BOT_TOKEN: telegram.token,
      TELEGRAM_API_ROOT: telegram.apiRoot,
      TELEGRAM_ALLOWED_USERS: USERS.map((u) => u.id).join(','),
      PORT: String(port),
      LOG_LEVEL: 'warn',
      CONFIRM_TTL_S: '300',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let warnings = 0;
  let lastLines: string[] = [];
  const onOutput = (chunk: Buffer) => {
    const lines = chunk.toString().split('\n').filter(Boolean);
    warnings += lines.length;
    lastLines = [...lastLines, ...lines].slice(-20);
  };
  child.stdout.on('data', onOutput);
  child.stderr.on('data', onOutput);
  let died: number | null | undefined;
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r((died = code))));

  const startedAt = Date.now();
  for (;;) {
    if (died !== undefined) throw new Error(`the all process exited with ${died}:\n${lastLines.join('\n')}`);
    if ((await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined))?.status === 200) break;
    if (Date.now() - startedAt > 60_000) throw new Error('the all process was not healthy within 60 s');
    await sleep(200);
  }
  say(`soak: ${minutes} min, ~${rate} actions/s, sampling every ${sampleS} s; all process pid ${child.pid}, redis ${redisServer.url}`);

  const counts: Record<string, number> = {};
  const samples: SoakSample[] = [];
  const sample = async () => {
    const s = await takeSample({ port, redis, startedAt, queueNames: ['orders', 'alerts'] });
    samples.push(s);
    say(`  t=${String(s.atS).padStart(5)}s rss ${s.rssMb} MB heap ${s.heapUsedMb} MB lag99 ${s.eventLoopLagP99Ms} ms keys ${s.redisKeys} redis ${s.redisMemoryMb} MB ` +
      `orders w${s.queues.orders!.waiting}/a${s.queues.orders!.active}/c${s.queues.orders!.completed} alerts w${s.queues.alerts!.waiting}/a${s.queues.alerts!.active}/c${s.queues.alerts!.completed}`);
  };
  await sample();
  const sampler = setInterval(() => void sample().catch((e: unknown) => say(`  sample failed: ${String(e)}`)), sampleS * 1000);

  const deadline = startedAt + minutes * 60_000;
  // After the first minute's warm-up, and half-way between it and the end of the traffic.
  const snapshotsDue: Array<[number, string]> = heapSnapshots ? [[startedAt + 60_000, '1-start'], [(startedAt + 60_000 + deadline) / 2, '2-middle']] : [];
  let nextStopAt = 0;
  while (Date.now() < deadline && died === undefined) {
    if (snapshotsDue.length > 0 && Date.now() >= snapshotsDue[0]![0]) await takeHeapSnapshot(snapshotsDue.shift()![1]);
    const began = Date.now();
    if (began >= nextStopAt) {
      nextStopAt = began + 60_000;
      const outcome = await act('stop', USERS[0]!);
      counts[outcome] = (counts[outcome] ?? 0) + 1;
    }
    const kind = prng.weighted<string>([[4, 'order'], [1, 'limit-cancel'], [2, 'price'], [1, 'balance'], [1, 'orders'], [1, 'status'], [0.3, 'top']]);
    // A stalled answer is reported with what the process last logged, the only witness of why.
    const action = await act(kind, prng.pick(USERS)).catch((error: unknown) => {
      throw new Error(`${kind}: ${error instanceof Error ? error.message : String(error)}; the process last logged:\n${lastLines.join('\n')}`);
    });
    counts[action] = (counts[action] ?? 0) + 1;
    await sleep(Math.max(0, 1000 / rate - (Date.now() - began)));
  }
  clearInterval(sampler);

  // Drain: what was confirmed must be placed and shown before the numbers are final.
  const drainDeadline = Date.now() + 120_000;
  let drained = false;
  while (Date.now() < drainDeadline && !drained) {
    const s = await takeSample({ port, redis, startedAt, queueNames: ['orders', 'alerts'] });
    // Delayed alerts are mostly cards' expiry edits, due up to CONFIRM_TTL_S later: not work in flight.
    drained = Object.entries(s.queues).every(([name, q]) => q.waiting + q.active + (name === 'alerts' ? 0 : q.delayed) === 0);
    if (!drained) await sleep(1000);
  }
  await sample();
  if (heapSnapshots) await takeHeapSnapshot('3-end');
  const stopEvents: Record<string, number> = {};
  for (const [, fields] of await redis.xrange('chatops:audit', '-', '+')) {
    const entry: Record<string, string> = {};
    for (let i = 0; i + 1 < fields.length; i += 2) entry[fields[i]!] = fields[i + 1]!;
    if (entry.event === 'stop') stopEvents[entry.outcome ?? '?'] = (stopEvents[entry.outcome ?? '?'] ?? 0) + 1;
  }
  child.kill('SIGTERM');
  const exitCode = await exited;
  const summary = { ...summarize(samples, counts, { drained, exitCode, warnings, lastLines: lastLines.slice(-5), minutes, rate }), stopEvents };
  mkdirSync(resolve(ROOT, 'test-results/reliability'), { recursive: true });
  writeFileSync(resolve(ROOT, 'test-results/reliability/soak.json'), `${JSON.stringify({ ...summary, samples }, null, 2)}\n`);
  say(JSON.stringify(summary, null, 2));
  redis.disconnect();
  await telegram.close();
  await redisServer.stop();
  rmSync(work, { recursive: true, force: true });
  return summary.verdict === 'ok' ? 0 : 1;

  /** Signals the process to write a heap snapshot and waits until it is written (the write blocks its event loop). */
  async function takeHeapSnapshot(label: string): Promise<void> {
    const written = () => readdirSync(heapDir).filter((f) => f.startsWith('Heap.') && f.endsWith('.heapsnapshot'));
    const before = Date.now();
    child.kill('SIGUSR2');
    // The file appears when the write begins; /healthz answers again once it has ended.
    const file = await waitFor(() => written()[0], 120_000);
    while ((await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined))?.status !== 200) await sleep(200);
    const target = join(heapDir, `${label}.heapsnapshot`);
    renameSync(join(heapDir, file), target);
    say(`  heap snapshot ${label}: ${(statSync(target).size / 1e6).toFixed(1)} MB file, process paused ${((Date.now() - before) / 1000).toFixed(1)} s`);
  }

  /** One trader action through Telegram; resolves when the bot has answered it. */
  async function act(action: string, from: UpdateUser): Promise<string> {
    // Fill alerts land in the same chat: a reply is the first new message, or the one `want` picks.
    const send = async (text: string, want?: (m: StoredMessage) => boolean) => {
      const before = telegram.messages(from.id).length;
      telegram.pushUpdate(messageUpdate({ from, text }));
      const first = await waitFor(() => telegram.messages(from.id)[before]);
      if (!want || want(first)) return first;
      return waitFor(() => telegram.messages(from.id).slice(before).find(want), 3_000).catch(() => first);
    };
    const hasButton = (prefix: string) => (m: StoredMessage) => buttonData(m, prefix) !== undefined;
    const press = async (message: StoredMessage, data: string) => {
      const calls = telegram.calls('answerCallbackQuery').length;
      telegram.pushUpdate(callbackUpdate({ from, messageId: message.message_id, data, ...(message.reply_markup ? { replyMarkup: message.reply_markup } : {}) }));
      await waitFor(() => telegram.calls('answerCallbackQuery').length > calls || undefined);
    };
    switch (action) {
      case 'order': {
        const card = await send(prng.chance(0.5) ? '/buy BTCUSDT 0.001' : '/sell BTCUSDT 0.001', hasButton('oc:'));
        const data = buttonData(card, 'oc:');
        if (data) await press(card, data);
        return data ? 'order' : 'order refused';
      }
      case 'limit-cancel': {
        // A resting bid 10% under the market: inside PERCENT_PRICE_BY_SIDE, far from filling.
        const quote = await send('/price BTCUSDT', (m) => /<b>BTCUSDT<\/b> \d/.test(m.text ?? ''));
        const last = Number(/<b>BTCUSDT<\/b> ([\d,]+(?:\.\d+)?)/.exec(quote.text ?? '')?.[1]?.replace(/,/g, '') ?? NaN);
        if (!Number.isFinite(last)) return 'limit (no price)';
        const card = await send(`/buy BTCUSDT 0.001 ${Math.floor(last * 0.9)}`, hasButton('oc:'));
        const data = buttonData(card, 'oc:');
        if (!data) return 'limit refused';
        await press(card, data);
        await sleep(1500);
        const list = await send('/orders BTCUSDT', hasButton('k:'));
        const cancel = buttonData(list, 'k:');
        if (cancel) await press(list, cancel);
        return cancel ? 'limit-cancel' : 'limit (no cancel button yet)';
      }
      case 'stop': {
        const card = await send('/stop BTCUSDT fractal 1h 0.01', hasButton('oc:'));
        const data = buttonData(card, 'oc:');
        if (data) await press(card, data);
        return data ? 'stop armed' : 'stop refused';
      }
      default:
        await send({ price: '/price BTCUSDT', balance: '/balance', orders: '/orders', status: '/status', top: '/top' }[action] ?? '/help');
        return action;
    }
  }
}

function buttonData(message: StoredMessage, prefix: string): string | undefined {
  const rows = (message.reply_markup as { inline_keyboard?: Array<Array<{ callback_data?: string }>> } | undefined)?.inline_keyboard ?? [];
  return rows.flat().find((b) => b.callback_data?.startsWith(prefix))?.callback_data;
}

async function waitFor<T>(probe: () => T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`the bot did not answer within ${timeoutMs} ms`);
    await sleep(25);
  }
}

function summarize(samples: SoakSample[], counts: Record<string, number>, run: { drained: boolean; exitCode: number | null; warnings: number; lastLines: string[]; minutes: number; rate: number }) {
  // The first minute is warm-up (JIT, caches, connection pools); trends are taken after it.
  const steady = samples.filter((s) => s.atS >= Math.min(60, samples.at(-1)!.atS / 3));
  const first = steady[0] ?? samples[0]!;
  const last = samples.at(-1)!;
  const perHour = (pick: (s: SoakSample) => number) => Math.round(slope(steady.map((s) => [s.atS / 3600, pick(s)])) * 10) / 10;
  const maxDepth = (name: string) => Math.max(...samples.map((s) => s.queues[name]!.waiting + s.queues[name]!.active + s.queues[name]!.delayed));
  const untracked = [...new Set(samples.flatMap((s) => s.untracked))];
  const problems = [
    ...(run.exitCode === 0 ? [] : [`the all process exited with ${run.exitCode}`]),
    ...(run.drained ? [] : ['the queues did not drain']),
    ...(untracked.length ? [`keys with no retention rule: ${untracked.slice(0, 5).join(', ')}`] : []),
  ];
  return {
    verdict: problems.length ? 'failed' : 'ok',
    problems,
    minutes: run.minutes,
    actions: counts,
    memory: {
      rssMbAtStart: first.rssMb,
      rssMbAtEnd: last.rssMb,
      heapUsedMbAtStart: first.heapUsedMb,
      heapUsedMbAtEnd: last.heapUsedMb,
      heapTrendMbPerHour: perHour((s) => s.heapUsedMb),
      // The heap is sampled anywhere in its GC cycle; its low-water mark per third of the run is what a leak would raise.
      heapLowWaterMbByThird: thirds(steady).map((part) => Math.min(...part.map((s) => s.heapUsedMb))),
      rssTrendMbPerHour: perHour((s) => s.rssMb),
      maxEventLoopLagP99Ms: Math.max(...samples.map((s) => s.eventLoopLagP99Ms)),
    },
    redis: { keysAtStart: first.redisKeys, keysAtEnd: last.redisKeys, keysByKindAtEnd: last.keys, examples: last.examples, otherKeys: last.otherExamples, memoryMbAtEnd: last.redisMemoryMb, keysWithoutRetention: untracked.length },
    queues: { maxOrdersDepth: maxDepth('orders'), maxAlertsDepth: maxDepth('alerts'), ordersCompleted: last.queues.orders!.completed, ordersFailed: last.queues.orders!.failed, alertsCompleted: last.queues.alerts!.completed, alertsFailed: last.queues.alerts!.failed },
    logLinesAtWarnOrAbove: run.warnings,
    lastLogLines: run.lastLines.map((l) => l.slice(0, 300)),
  };
}

function thirds<T>(items: T[]): T[][] {
  const size = Math.max(1, Math.ceil(items.length / 3));
  return [items.slice(0, size), items.slice(size, 2 * size), items.slice(2 * size)].filter((part) => part.length > 0);
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`soak failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
