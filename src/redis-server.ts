/**
 * Starts a private `redis-server` child process: used when REDIS_URL is unset (paper mode and
 * the demo need no separate install step) and by tests that need a clean or crashable Redis.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { resolve } from 'node:path';
import { AppError } from './errors.js';

export interface RedisServerOptions {
  /** TCP port; 0 (default) picks a free one. */
  port?: number;
  /** Append-only file persistence: what survives a crash. Default false (tests). */
  appendOnly?: boolean;
  /** Working directory for AOF files; required with appendOnly. */
  dir?: string;
  /** Start-up deadline. Default 10 s. */
  startTimeoutMs?: number;
}

export interface RedisServerHandle {
  readonly url: string;
  readonly port: number;
  readonly pid: number | undefined;
  /** Graceful shutdown (SIGTERM, waits for exit). */
  stop(): Promise<void>;
  /** Crash it (SIGKILL): what a power cut looks like to the clients. */
  kill(): Promise<void>;
  /** Starts it again on the same port and directory (after stop or kill). */
  restart(): Promise<void>;
}

export const REDIS_INSTALL_HINT =
  'redis-server was not found on PATH. Install Redis (Debian/Ubuntu: sudo apt-get install redis-server; macOS: brew install redis) or set REDIS_URL to a running Redis.';

export function hasRedisServer(): boolean {
  const probe = spawnSync('redis-server', ['--version'], { stdio: 'ignore' });
  return probe.error === undefined && probe.status === 0;
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

function waitForPort(port: number, deadline: number): Promise<void> {
  return new Promise((resolveReady, reject) => {
    const attempt = () => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        // PING to be sure it is ready to serve (not only accepting while loading the AOF).
        socket.write('PING\r\n');
      });
      socket.once('data', (data) => {
        socket.destroy();
        if (data.toString().startsWith('+PONG')) resolveReady();
        else retry();
      });
      socket.once('error', () => {
        socket.destroy();
        retry();
      });
    };
    const retry = () => {
      if (Date.now() > deadline) reject(new Error(`redis-server did not answer on port ${port} in time`));
      else setTimeout(attempt, 50);
    };
    attempt();
  });
}

const PID_FILE = 'redis-server.pid';

/** Whether `pid` is a live redis-server (a pid file outlives a crash, and its pid may be reused). */
function isRedisServer(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const proc = `/proc/${pid}/cmdline`;
  const command = existsSync(proc) ? readFileSync(proc, 'utf8') : spawnSync('ps', ['-p', String(pid), '-o', 'command='], { encoding: 'utf8' }).stdout ?? '';
  return /redis-server/.test(command);
}

/**
 * A redis-server left running on `dir` by a process that died without stopping it (SIGKILL, a
 * closed terminal) still holds its append-only files: it is shut down (SIGTERM: it writes what it
 * holds) before another one opens them, so two servers never write the same files.
 */
async function retireOrphan(dir: string): Promise<void> {
  const file = resolve(dir, PID_FILE);
  const pid = existsSync(file) ? Number(readFileSync(file, 'utf8').trim()) : NaN;
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid || !isRedisServer(pid)) return;
  process.kill(pid, 'SIGTERM');
  for (let waited = 0; isRedisServer(pid); waited += 50) {
    if (waited >= 10_000) {
      process.kill(pid, 'SIGKILL');
      break;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServerHandle> {
  if (!hasRedisServer()) throw new AppError('REDIS_NOT_INSTALLED', REDIS_INSTALL_HINT);
  const port = options.port || (await freePort());
  const dir = options.dir ? resolve(options.dir) : undefined;
  if (dir) mkdirSync(dir, { recursive: true });
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    options.appendOnly ? 'yes' : 'no',
    // fsync every write: an acknowledged job must survive a crash of this child.
    ...(options.appendOnly ? ['--appendfsync', 'always'] : []),
    ...(dir ? ['--dir', dir, '--pidfile', resolve(dir, PID_FILE)] : []),
    '--daemonize',
    'no',
    '--loglevel',
    'warning',
  ];
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();

  const launch = async () => {
    if (dir) await retireOrphan(dir);
    const proc = spawn('redis-server', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    child = proc;
    exited = new Promise((done) => proc.once('exit', () => done()));
    let stderr = '';
    proc.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-2000);
    });
    try {
      await waitForPort(port, Date.now() + (options.startTimeoutMs ?? 10_000));
    } catch (error) {
      proc.kill('SIGKILL');
      throw new AppError('REDIS_UNAVAILABLE', `redis-server failed to start on port ${port}: ${stderr.trim()}`, {
        cause: error,
      });
    }
  };

  const terminate = async (signal: NodeJS.Signals) => {
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill(signal);
      await exited;
    }
  };

  await launch();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    get pid() {
      return child?.pid;
    },
    stop: () => terminate('SIGTERM'),
    kill: () => terminate('SIGKILL'),
    restart: async () => {
      await terminate('SIGTERM');
      await launch();
    },
  };
}
