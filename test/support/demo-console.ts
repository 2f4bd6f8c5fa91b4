/**
 * The demo as a newcomer runs it (`npm run demo` = build, then the console role on the paper
 * exchange with the bundled real candles): a real process in a fresh directory, no secrets, no
 * REDIS_URL (it starts its own redis-server), driven through its stdin line by line.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');
const main = resolve(root, 'dist/main.js');

export interface DemoConsole {
  /** The directory it runs in (its ./data). */
  cwd: string;
  /** Everything printed so far, stdout and stderr. */
  output(): string;
  /** Waits until what is printed after `from` matches; returns it. */
  waitFor(pattern: RegExp, from: number, timeoutMs?: number): Promise<string>;
  /** Types a line and waits for what it prints to match. */
  type(line: string, until: RegExp): Promise<string>;
  /** Types /quit; resolves with the exit code. */
  quit(): Promise<number | null>;
  /** Kills the process and removes its directory. */
  close(): void;
}

/**
 * Starts the console and waits for its first line. `env` adds variables (PAPER_SPEED, say);
 * `cwd` runs it again in an earlier run's directory (its ./data: the private Redis, the charts).
 */
export async function startDemoConsole(name: string, env: Record<string, string> = {}, options: { cwd?: string } = {}): Promise<DemoConsole> {
  if (!existsSync(main)) spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
  const cwd = options.cwd ?? mkdtempSync(join(tmpdir(), `chatops-${name}-`));
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, [main, 'console'], {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: cwd, TRADING_MODE: 'paper', PAPER_MARKET: 'replay', LOG_LEVEL: 'info', ...env },
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));

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

  const demo: DemoConsole = {
    cwd,
    output: () => output,
    waitFor,
    type(line, until) {
      const from = output.length;
      child.stdin.write(`${line}\n`);
      return waitFor(until, from);
    },
    quit() {
      child.stdin.write('/quit\n');
      return exited;
    },
    close() {
      child.kill('SIGKILL');
      // A console killed does not stop its private redis-server: stopped here, not left running.
      const pidFile = join(cwd, 'data/redis/redis-server.pid');
      const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').trim()) : NaN;
      const command = Number.isInteger(pid) && pid > 0 && existsSync(`/proc/${pid}/cmdline`) ? readFileSync(`/proc/${pid}/cmdline`, 'utf8') : '';
      if (command.includes('redis-server')) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      rmSync(cwd, { recursive: true, force: true });
    },
  };
  await waitFor(/PAPER mode/, 0);
  return demo;
}
