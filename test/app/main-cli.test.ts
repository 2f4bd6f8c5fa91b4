import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const main = resolve(root, 'dist/main.js');

function run(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [main, ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: 20_000,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
  });
}

describe('node dist/main.js', () => {
  beforeAll(() => {
    // `npm test` builds first (pretest); a bare `vitest run` may not have.
    if (!existsSync(main)) spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
  });

  it('exits non-zero with one clear line when TELEGRAM_BOT_TOKEN is missing for the all role', () => {
    const result = run(['all']);
    expect(result.status).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/TELEGRAM_BOT_TOKEN/);
    expect(result.stdout).toBe('');
  });

  it('names a malformed variable in one line', () => {
    const result = run(['worker'], { TRADING_MODE: 'moon' });
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/TRADING_MODE/);
  });

  // A copied live .env in paper mode would place real orders under a PAPER badge.
  it.each([
    ['worker', 'paper', 'BINANCE_BASE_URL', 'https://api.binance.com'],
    ['all', 'paper', 'BINANCE_WS_API_URL', 'wss://ws-api.binance.com:443/ws-api/v3'],
    ['worker', 'testnet', 'BINANCE_STREAM_URL', 'wss://stream.binance.com:9443'],
  ])('%s in %s mode exits non-zero with one line naming %s when it points at a live Binance host', (role, mode, variable, url) => {
    const result = run([role], {
      TRADING_MODE: mode,
      TELEGRAM_BOT_TOKEN: '123456:ABCdefGHIjklMNOpqrSTUvwxYZ012345',
      BINANCE_API_KEY: 'a-real-looking-api-key-0123456789',
      BINANCE_API_SECRET: 'a-real-looking-api-secret-0123456789',
      // Nothing may be tried before the refusal: no Redis, no exchange.
      REDIS_URL: 'redis://127.0.0.1:1',
      [variable]: url,
    });
    expect(result.status).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^binance-chatops: configuration error: ${variable} points at the live Binance host \\S+ in ${mode} mode`));
    expect(result.stdout).toBe('');
  });

  // --help prints the usage and exits 0, not 'unknown role "--help"' with 2.
  it.each([['--help'], ['-h'], ['help']])('%s prints the usage on stdout, the roles and the npm commands, and exits 0', (flag) => {
    const result = run([flag]);
    expect(result.status).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/^usage: node dist\/main\.js <role>/);
    for (const role of ['all', 'bot', 'worker', 'sim', 'console']) expect(result.stdout).toMatch(new RegExp(`^ {2}${role} +\\S`, 'm'));
    expect(result.stdout).toMatch(/^ {2}npm start +\S/m);
    expect(result.stdout).toMatch(/^ {2}npm run demo +\S/m);
    expect(result.stdout).not.toMatch(/unknown/);
  });

  it('refuses an unknown option or a stray argument with the usage, exit 2', () => {
    const option = run(['--verbose']);
    expect(option.status).toBe(2);
    expect(option.stderr.split('\n')[0]).toBe("binance-chatops: Unknown option '--verbose'");
    expect(option.stderr).toMatch(/^roles:/m);
    const extra = run(['worker', 'now']);
    expect(extra.status).toBe(2);
    expect(extra.stderr).toMatch(/^binance-chatops: unexpected argument "now" after the role/);
  });

  it('prints the usage for an unknown role', () => {
    const result = run(['dance']);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/unknown role "dance"/);
    expect(result.stderr).toMatch(/console/);
  });
});
