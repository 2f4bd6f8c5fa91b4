/**
 * A supervisor for real chaos worker processes of any kind (a script under
 * test/support/processes/): keeps `size` of them running, starts a fresh one whenever one dies
 * (as systemd or Kubernetes would), keeps their output for the secrets scan, collects the kill
 * points they report, knows which process holds which piece of work (so a test can SIGKILL the
 * holder at a random moment) and which have finished starting. A script speaks in lines on stdout:
 * `CHAOS-ACTIVE <id>` (started work `id`), `CHAOS-KILL <point> <id> [detail]` (about to SIGKILL
 * itself), `CHAOS-READY` (start-up done, e.g. the stop manager's reconciliation).
 */
import { spawn, type ChildProcess } from 'node:child_process';

export interface ProcessFleetOptions {
  /** Absolute path of the .mjs to run with this Node. */
  script: string;
  size: number;
  env: Record<string, string>;
  /** Receives every chunk of every process's stdout and stderr, with the process's ordinal (1, 2, …). */
  onOutput(text: string, ordinal: number): void;
  /** Receives each whole stdout line (a test reacting to a process's own report, e.g. CHAOS-STALL). */
  onLine?(line: string, ordinal: number): void;
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
  /** SIGKILLs the live process that last reported starting `id`; false when none holds it. */
  killHolder(id: string): boolean;
  /** Resolves when some process has reported starting `id`. */
  whenActive(id: string): Promise<void>;
  /** True when `size` processes are alive and each has printed CHAOS-READY. */
  ready(): boolean;
  /** Stops respawning; SIGTERM to each (graceful close), SIGKILL after `graceMs`. */
  close(graceMs?: number): Promise<void>;
}

export function startProcessFleet(options: ProcessFleetOptions): ProcessFleet {
  const live = new Map<ChildProcess, { ready: boolean }>();
  const holders = new Map<string, ChildProcess>();
  const activeWaiters = new Map<string, Array<() => void>>();
  const kills: SelfKill[] = [];
  let started = 0;
  let deaths = 0;
  let closing = false;

  const spawnOne = () => {
    const ordinal = ++started;
    const child = spawn(process.execPath, [options.script], {
      env: { PATH: process.env.PATH ?? '', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const state = { ready: false };
    live.set(child, state);
    let pending = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      const text = chunk.toString();
      options.onOutput(text, ordinal);
      pending += text;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        options.onLine?.(line, ordinal);
        if (line === 'CHAOS-READY') state.ready = true;
        const activated = /^CHAOS-ACTIVE (\S+)/.exec(line);
        if (activated) {
          const id = activated[1]!;
          holders.set(id, child);
          for (const wake of activeWaiters.get(id) ?? []) wake();
          activeWaiters.delete(id);
        }
        const kill = /^CHAOS-KILL (\S+) (\S+) ?(.*)$/.exec(line);
        if (kill) kills.push({ point: kill[1]!, id: kill[2]!, detail: kill[3] ?? '' });
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => options.onOutput(chunk.toString(), ordinal));
    child.once('exit', () => {
      live.delete(child);
      for (const [id, holder] of holders) if (holder === child) holders.delete(id);
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
    killHolder(id) {
      const holder = holders.get(id);
      if (!holder || holder.exitCode !== null || holder.signalCode !== null) return false;
      return holder.kill('SIGKILL');
    },
    whenActive(id) {
      if (holders.has(id)) return Promise.resolve();
      return new Promise((wake) => activeWaiters.set(id, [...(activeWaiters.get(id) ?? []), wake]));
    },
    ready: () => live.size === options.size && [...live.values()].every((s) => s.ready),
    async close(graceMs = 15_000) {
      closing = true;
      await Promise.all(
        [...live.keys()].map(
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
