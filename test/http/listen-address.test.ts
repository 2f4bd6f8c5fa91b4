/**
 * HOST and SIM_HOST (DESIGN.md §3): the health/metrics server listens on HOST (default
 * every interface: probes come from outside a container); the `sim` role's paper exchange on
 * SIM_HOST (default loopback: it takes any order signed with the paper key). A real
 * `node dist/main.js sim` process, reached over loopback and over this machine's own
 * non-loopback address.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const main = resolve(root, 'dist/main.js');

/** An address of this machine that is not loopback: a connection from "another host". */
const outside = Object.values(networkInterfaces())
  .flat()
  .find((a) => a !== undefined && a.family === 'IPv4' && !a.internal)?.address;

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect({ host, port });
    const finish = (ok: boolean) => {
      socket.destroy();
      done(ok);
    };
    socket.once('connect', () => finish(true));
    socket.once('error', () => finish(false));
    socket.setTimeout(2_000, () => finish(false));
  });
}

interface Started {
  child: ChildProcess;
  healthHost: string;
  healthPort: number;
  simUrl: URL;
}

const children: ChildProcess[] = [];
const dirs: string[] = [];

/** Starts the sim role and waits for its two log lines: the paper exchange's URLs and "started". */
function startSim(env: Record<string, string>): Promise<Started> {
  const dataDir = mkdtempSync(join(tmpdir(), 'listen-address-'));
  dirs.push(dataDir);
  const child = spawn(process.execPath, [main, 'sim'], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', PORT: '0', SIM_PORT: '0', PAPER_MARKET: 'replay', PAPER_DATA_DIR: dataDir, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  return new Promise((done, fail) => {
    let buffered = '';
    let simUrl: URL | undefined;
    const timer = setTimeout(() => fail(new Error(`the sim role did not start: ${buffered.slice(-2000)}`)), 20_000);
    child.once('exit', (code) => fail(new Error(`the sim role exited (${code}): ${buffered.slice(-2000)}`)));
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      for (const line of buffered.split('\n')) {
        if (!line.startsWith('{')) continue;
        let entry: { msg?: string; restUrl?: string; host?: string; port?: number };
        try {
          entry = JSON.parse(line) as typeof entry;
        } catch {
          continue;
        }
        if (entry.restUrl && entry.msg?.startsWith('paper exchange listening')) simUrl = new URL(entry.restUrl);
        if (entry.msg === 'started' && simUrl) {
          clearTimeout(timer);
          done({ child, healthHost: String(entry.host), healthPort: Number(entry.port), simUrl });
          return;
        }
      }
    });
  });
}

describe('listen addresses', () => {
  beforeAll(() => {
    if (!existsSync(main)) spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
  });
  afterEach(() => {
    for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('by default the sim role listens on loopback only; HOST=127.0.0.1 keeps the health server there too', async () => {
    const s = await startSim({ HOST: '127.0.0.1' });
    expect(s.healthHost).toBe('127.0.0.1');
    expect(s.simUrl.hostname).toBe('127.0.0.1');
    const simPort = Number(s.simUrl.port);
    expect(await canConnect('127.0.0.1', s.healthPort)).toBe(true);
    expect(await canConnect('127.0.0.1', simPort)).toBe(true);
    if (outside) {
      expect(await canConnect(outside, s.healthPort)).toBe(false);
      expect(await canConnect(outside, simPort)).toBe(false);
    }
  }, 30_000);

  it('HOST defaults to every interface, and SIM_HOST=0.0.0.0 opens the sim to other hosts', async () => {
    const s = await startSim({ SIM_HOST: '0.0.0.0' });
    expect(s.healthHost).toBe('0.0.0.0');
    const simPort = Number(s.simUrl.port);
    if (outside) {
      expect(await canConnect(outside, s.healthPort)).toBe(true);
      expect(await canConnect(outside, simPort)).toBe(true);
    }
    expect(await canConnect('127.0.0.1', simPort)).toBe(true);
  }, 30_000);
});
