/**
 * The demo's market (`npm run demo`: the console on the paper exchange replaying the bundled
 * candles): six real symbols moving together, re-stamped to the present, so /top ranks six pairs,
 * /top losers starts with pairs that fell, and an ETHUSDT order fills. A real process driven
 * through its stdin, like test/app/demo.test.ts.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const main = resolve(root, 'dist/main.js');

describe('the demo market: six replayed symbols', () => {
  let cwd: string;
  let child: ChildProcessWithoutNullStreams | undefined;
  let output = '';

  beforeAll(() => {
    if (!existsSync(main)) spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
    cwd = mkdtempSync(join(tmpdir(), 'chatops-demo-market-'));
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
  const type = (line: string, expect: RegExp) => {
    const from = output.length;
    child!.stdin.write(`${line}\n`);
    return waitFor(expect, from);
  };
  /** The ranked rows of a /top answer: [symbol, signed change %]. */
  const rows = (text: string) =>
    [...text.matchAll(/^\s*\d+\. ([A-Z]+) ([+−-]?)([0-9.]+)%/gm)].map((m) => [m[1]!, (m[2] === '−' || m[2] === '-' ? -1 : 1) * Number(m[3])] as const);

  it('/top lists six symbols, /top losers starts with losers, /buy ETHUSDT fills', async () => {
    child = spawn(process.execPath, [main, 'console'], {
      cwd,
      env: { PATH: process.env.PATH ?? '', HOME: cwd, TRADING_MODE: 'paper', PAPER_MARKET: 'replay', LOG_LEVEL: 'info' },
    });
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((r) => child!.once('exit', (code) => r(code)));
    await waitFor(/PAPER mode/, 0);

    const top = rows(await type('/top', /💰 Volume/));
    expect(top.map(([s]) => s).sort()).toEqual(['ADAUSDT', 'BNBUSDT', 'BTCUSDT', 'ETHUSDT', 'SOLUSDT', 'XRPUSDT']);
    // Dated now, not in 2025: the replay is re-stamped to the present.
    expect(output).toMatch(new RegExp(`As of ${new Date().toISOString().slice(0, 10)}`));

    const losers = rows(await type('/top losers', /💰 Volume/));
    expect(losers).toHaveLength(6);
    expect(losers[0]![1]).toBeLessThan(0);
    expect(losers.map(([, c]) => c)).toEqual([...losers.map(([, c]) => c)].sort((a, b) => a - b));

    const card = await type('/buy ETHUSDT 100USDT', /\[(\d+\.)?1\].*Confirm/);
    expect(card).toMatch(/BUY ETHUSDT/);
    // Several messages have buttons by now: press Confirm as "<message>.1".
    const message = /\[(\d+)\.1\].*Confirm/.exec(card)?.[1];
    const fill = await type(message === undefined ? '1' : `${message}.1`, /Filled: [0-9.]+ ETH at avg [0-9,.]+ USDT/);
    expect(fill).toMatch(/Confirmed/);

    child.stdin.write('/quit\n');
    expect(await exited).toBe(0);
  }, 90_000);
});
