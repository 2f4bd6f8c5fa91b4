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

  it('prints the usage for an unknown role', () => {
    const result = run(['dance']);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/unknown role "dance"/);
    expect(result.stderr).toMatch(/console/);
  });
});
