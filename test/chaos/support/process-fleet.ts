/**
 * A supervisor for real chaos worker processes of any kind (a script under
 * test/support/processes/): keeps `size` of them running, starts a fresh one whenever one dies
 * (as systemd or Kubernetes would), keeps their output for the secrets scan, and collects the
 * kill points they report. The pattern of worker-fleet.ts (order workers), for any script that
 * prints `CHAOS-ACTIVE <id>` and `CHAOS-KILL <point> <id> [detail]`.
 */
import { spawn, type ChildProcess } from 'node:child_process';

export interface ProcessFleetOptions {
  /** Absolute path of the .mjs to run with this Node. */
  script: string;
  size: number;
  env: Record<string, string>;
  /** Receives every chunk of every process's stdout and stderr, with the process's ordinal (1, 2, …). */
  onOutput(text: string, ordinal: number): void;
}

export interface SelfKill {
  point: string;
  id: string;
  /** Whatever the process printed after the id (e.g. the part of an alert). */
  detail: string;
}

export interface ProcessFleet {
  /** Processes started so far, the first `size` included. */
  started(): number;
  /** Kill points the processes reported before dying. */
  selfKills(): SelfKill[];
  /** Exits by signal or code, besides those of close(). */
  deaths(): number;
  /** Ids some process reported starting, in order (with repeats for retried work). */
  activations(): string[];
  /** Stops respawning; SIGTERM to each (graceful close), SIGKILL after `graceMs`. */
  close(graceMs?: number): Promise<void>;
}

export function startProcessFleet(options: ProcessFleetOptions): ProcessFleet {
  const live = new Set<ChildProcess>();
  const kills: SelfKill[] = [];
  const active: string[] = [];
  let started = 0;
  let deaths = 0;
  let closing = false;

  const spawnOne = () => {
    const ordinal = ++started;
    const child = spawn(process.execPath, [options.script], {
      env: { PATH: process.env.PATH ?? '', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    live.add(child);
    let pending = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      const text = chunk.toString();
      options.onOutput(text, ordinal);
      pending += text;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        const activated = /^CHAOS-ACTIVE (\S+)/.exec(line);
        if (activated) active.push(activated[1]!);
        const kill = /^CHAOS-KILL (\S+) (\S+) ?(.*)$/.exec(line);
        if (kill) kills.push({ point: kill[1]!, id: kill[2]!, detail: kill[3] ?? '' });
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => options.onOutput(chunk.toString(), ordinal));
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
    selfKills: () => [...kills],
    deaths: () => deaths,
    activations: () => [...active],
    async close(graceMs = 15_000) {
      closing = true;
      await Promise.all(
        [...live].map(
          (child) =>
            new Promise<void>((done) => {
              if (child.exitCode !== null || child.signalCode !== null) return done();
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
