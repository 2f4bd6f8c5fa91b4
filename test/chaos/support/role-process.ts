/**
 * `node dist/main.js <role>` as an operator runs it (the built product, as in
 * test/app/all-role.test.ts), for the graceful-shutdown suite and the soak: started with an
 * explicit environment, its output kept for the secrets scan, healthy when /healthz says so.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const MAIN = resolve(import.meta.dirname, '../../../dist/main.js');

export interface RoleProcess {
  readonly child: ChildProcess;
  readonly port: number;
  /** Resolves with the exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>;
  output(): string;
  /** Waits until GET /healthz answers 200. */
  healthy(timeoutMs?: number): Promise<void>;
  /** Sends SIGTERM and resolves with the exit code. */
  terminate(): Promise<number | null>;
}

export function startRoleProcess(role: 'all' | 'bot' | 'worker' | 'sim', env: Record<string, string>, port: number): RoleProcess {
  const cwd = mkdtempSync(join(tmpdir(), `chatops-${role}-`));
  const child = spawn(process.execPath, [MAIN, role], {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: cwd, PORT: String(port), LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return {
    child,
    port,
    exited,
    output: () => output,
    async healthy(timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        if (child.exitCode !== null) throw new Error(`${role} exited with ${child.exitCode} before it was healthy:\n${output.slice(-3000)}`);
        const res = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined);
        if (res?.status === 200) return;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`${role} was not healthy in time:\n${output.slice(-3000)}`);
    },
    terminate() {
      child.kill('SIGTERM');
      return exited;
    },
  };
}
