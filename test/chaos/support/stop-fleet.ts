/**
 * A supervisor for real stop-manager processes (test/support/processes/stop-worker.mjs): keeps
 * `size` of them running, starts a fresh one whenever one dies (as systemd or Kubernetes would),
 * keeps their output for the secrets scan, and knows which of them finished their start-up
 * reconciliation (`CHAOS-READY`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

const SCRIPT = resolve(import.meta.dirname, '../../support/processes/stop-worker.mjs');

export interface StopFleetOptions {
  size: number;
  env: Record<string, string>;
  /** Receives every chunk of every process's stdout and stderr. */
  onOutput(text: string): void;
}

export interface StopKill {
  point: string;
  stopId: string;
}

export interface StopFleet {
  /** Processes started so far, the first `size` included. */
  started(): number;
  /** Exits by signal or code, besides those of close(). */
  deaths(): number;
  /** Kill points the processes reported before dying (`CHAOS-KILL <point> <stopId>`). */
  selfKills(): StopKill[];
  /** True when `size` processes are alive and each has reconciled at start. */
  ready(): boolean;
  /** Stops respawning; SIGTERM to each (graceful close), SIGKILL after `graceMs`. */
  close(graceMs?: number): Promise<void>;
}

export function startStopFleet(options: StopFleetOptions): StopFleet {
  const live = new Map<ChildProcess, { ready: boolean }>();
  const kills: StopKill[] = [];
  let started = 0;
  let deaths = 0;
  let closing = false;

  const spawnOne = () => {
    started++;
    const child = spawn(process.execPath, [SCRIPT], { env: { PATH: process.env.PATH ?? '', ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const state = { ready: false };
    live.set(child, state);
    let pending = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      const text = chunk.toString();
      options.onOutput(text);
      pending += text;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        if (line === 'CHAOS-READY') state.ready = true;
        const kill = /^CHAOS-KILL (\S+) (\S+)/.exec(line);
        if (kill) kills.push({ point: kill[1]!, stopId: kill[2]! });
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => options.onOutput(chunk.toString()));
    child.once('exit', () => {
      live.delete(child);
      if (closing) return;
      deaths++;
      spawnOne();
    });
  };
  for (let i = 0; i < options.size; i++) spawnOne();

  return {
    started: () => started,
    deaths: () => deaths,
    selfKills: () => [...kills],
    ready: () => live.size === options.size && [...live.values()].every((s) => s.ready),
    async close(graceMs = 15_000) {
      closing = true;
      await Promise.all(
        [...live.keys()].map(
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
