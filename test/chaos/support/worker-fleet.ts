/**
 * A supervisor for real order-worker processes (test/support/processes/order-worker.mjs): keeps
 * `size` of them running, starts a fresh one whenever one dies (as systemd or Kubernetes would),
 * keeps their output for the secrets scan, and knows which process holds which job so a test
 * can SIGKILL the holder at a random moment.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

const SCRIPT = resolve(import.meta.dirname, '../../support/processes/order-worker.mjs');

export interface WorkerFleetOptions {
  size: number;
  env: Record<string, string>;
  /** Receives every chunk of every process's stdout and stderr. */
  onOutput(text: string): void;
}

export interface WorkerFleet {
  /** Processes started so far, the first `size` included. */
  started(): number;
  /** Kill points the workers reported before dying (`CHAOS-KILL <point> <clientOrderId>`). */
  selfKills(): Array<{ point: string; clientOrderId: string }>;
  /** Exits by signal or code, besides those of close(). */
  deaths(): number;
  /** SIGKILLs the process currently running `jobId`; false when no live process holds it. */
  killHolder(jobId: string): boolean;
  /** Resolves when some process has started `jobId`. */
  whenActive(jobId: string): Promise<void>;
  /** Stops respawning; SIGTERM to each (graceful close), SIGKILL after `graceMs`. */
  close(graceMs?: number): Promise<void>;
}

export function startWorkerFleet(options: WorkerFleetOptions): WorkerFleet {
  const live = new Set<ChildProcess>();
  const holders = new Map<string, ChildProcess>();
  const activeWaiters = new Map<string, Array<() => void>>();
  const kills: Array<{ point: string; clientOrderId: string }> = [];
  let started = 0;
  let deaths = 0;
  let closing = false;

  const spawnOne = () => {
    started++;
    const child = spawn(process.execPath, [SCRIPT], {
      env: { PATH: process.env.PATH ?? '', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    live.add(child);
    let pending = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      const text = chunk.toString();
      options.onOutput(text);
      pending += text;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        const active = /^CHAOS-ACTIVE (\S+)/.exec(line);
        if (active) {
          holders.set(active[1]!, child);
          for (const wake of activeWaiters.get(active[1]!) ?? []) wake();
          activeWaiters.delete(active[1]!);
        }
        const kill = /^CHAOS-KILL (\S+) (\S+)/.exec(line);
        if (kill) kills.push({ point: kill[1]!, clientOrderId: kill[2]! });
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => options.onOutput(chunk.toString()));
    child.once('exit', () => {
      live.delete(child);
      for (const [job, holder] of holders) if (holder === child) holders.delete(job);
      if (closing) return;
      deaths++;
      spawnOne();
    });
  };
  for (let i = 0; i < options.size; i++) spawnOne();

  return {
    started: () => started,
    selfKills: () => [...kills],
    deaths: () => deaths,
    killHolder(jobId) {
      const holder = holders.get(jobId);
      if (!holder || holder.exitCode !== null || holder.signalCode !== null) return false;
      return holder.kill('SIGKILL');
    },
    whenActive(jobId) {
      if (holders.has(jobId)) return Promise.resolve();
      return new Promise((r) => activeWaiters.set(jobId, [...(activeWaiters.get(jobId) ?? []), r]));
    },
    async close(graceMs = 15_000) {
      closing = true;
      await Promise.all(
        [...live].map(
          (child) =>
            new Promise<void>((done) => {
              const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
              child.once('exit', () => {
                clearTimeout(timer);
                done();
              });
              child.kill('SIGTERM');
            }),
        ),
      );
    },
  };
}
