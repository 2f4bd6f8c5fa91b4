/** Running a compiled benchmark script as a child node process and reading its JSON output. */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** dist-bench/ (this file is dist-bench/bench/lib/child.js). */
export const DIST_BENCH = fileURLToPath(new URL('../../', import.meta.url));

/** The flag that makes a child load the project from dist/ (use-dist.ts). */
export function useDistArgs(): string[] {
  return ['--import', resolve(DIST_BENCH, 'bench/lib/use-dist.js')];
}

export function benchScript(relative: string): string {
  return resolve(DIST_BENCH, 'bench', relative);
}

export function benchScriptExists(relative: string): boolean {
  return existsSync(benchScript(relative));
}

export interface ChildOutput {
  stdout: string;
  stderr: string;
  code: number | null;
}

export function runNode(args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {}): Promise<ChildOutput> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, args, { cwd: options.cwd ?? process.cwd(), env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 300_000);
    child.on('error', fail);
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ stdout, stderr, code });
    });
  });
}

/** Runs a script that prints one JSON document on stdout (its last non-empty output). */
export async function runJsonScript<T>(args: string[], options: Parameters<typeof runNode>[1] = {}): Promise<T> {
  const out = await runNode(args, options);
  if (out.code !== 0) throw new Error(`${args.filter((a) => a.endsWith('.js')).pop() ?? 'child'} exited ${out.code}: ${out.stderr.trim().slice(-500)}`);
  const text = out.stdout.trim();
  const start = text.startsWith('{') ? 0 : text.lastIndexOf('\n{') + 1;
  return JSON.parse(text.slice(start)) as T;
}
