/**
 * The demo as a newcomer runs it (`npm run demo` = build, then the console role on the paper
 * exchange with the bundled real candles): a real process, no secrets, no REDIS_URL (it starts
 * its own redis-server), driven through its stdin line by line.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const main = resolve(root, 'dist/main.js');

describe('npm run demo (console on the paper exchange)', () => {
  let cwd: string;
  let child: ChildProcessWithoutNullStreams | undefined;
  let output = '';

  beforeAll(() => {
    if (!existsSync(main)) spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
    cwd = mkdtempSync(join(tmpdir(), 'chatops-demo-'));
  });
  afterAll(() => {
    child?.kill('SIGKILL');
    rmSync(cwd, { recursive: true, force: true });
  });

  const waitFor = (pattern: RegExp, from: number, timeoutMs = 20_000) =>
    new Promise<string>((resolveWait, reject) => {
      const started = Date.now();
      const poll = () => {
        const seen = output.slice(from);
        if (pattern.test(seen)) return resolveWait(seen);
        if (Date.now() - started > timeoutMs) return reject(new Error(`no ${pattern} in output:\n${output}`));
        setTimeout(poll, 50);
      };
      poll();
    });

  const type = async (line: string, expect: RegExp) => {
    const from = output.length;
    child!.stdin.write(`${line}\n`);
    return waitFor(expect, from);
  };

  it('answers /help and /balance, shows a card for /buy BTCUSDT 100USDT, and fills it on 1', async () => {
    child = spawn(process.execPath, [main, 'console'], {
      cwd,
      env: { PATH: process.env.PATH ?? '', HOME: cwd, TRADING_MODE: 'paper', PAPER_MARKET: 'replay', LOG_LEVEL: 'info' },
    });
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((r) => child!.once('exit', (code) => r(code)));

    await waitFor(/PAPER mode/, 0);
    const help = await type('/help', /\/buy/);
    expect(help).toMatch(/PAPER/);
    const balance = await type('/balance', /Total/);
    expect(balance).toMatch(/USDT 10,000/);

    const card = await type('/buy BTCUSDT 100USDT', /\[\d+\.1\].*Confirm/);
    expect(card).toMatch(/BUY BTCUSDT/);
    expect(card).toMatch(/100\.00 USDT/);

    const fill = await type('1', /Filled: [0-9.]+ BTC at avg [0-9,.]+ USDT/);
    expect(fill).toMatch(/Confirmed/);

    const balanceAfter = await type('/balance', /Total/);
    expect(balanceAfter).toMatch(/BTC/);

    child.stdin.write('/quit\n');
    expect(await exited).toBe(0);
    // Logs went to the file, not into the chat; the private Redis kept its data under ./data.
    expect(output).not.toMatch(/"level":/);
    expect(readFileSync(join(cwd, 'data/logs/console.log'), 'utf8')).toMatch(/started a private redis-server/);
    expect(existsSync(join(cwd, 'data/redis'))).toBe(true);
  }, 90_000);
});
