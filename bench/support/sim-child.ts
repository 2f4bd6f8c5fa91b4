/**
 * Starts sim-process.ts as a child and gives the benchmark what it needs from it: the REST URL
 * and HMAC credentials, the arrival time of every POST /api/v3/order on this process's clock,
 * and the child's CPU time.
 *
 * Both processes read the same system clock, but each converts its monotonic clock to epoch
 * time from its own start; the offset between the two conversions is measured NTP-style (the
 * ping with the shortest round trip wins) and removed from every arrival.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createSigner, type Signer } from '../../src/binance/signing.js';
import { epochMs } from '../lib/stats.js';
import type { SimChildMessage, SimParentMessage } from './sim-process.js';

export interface SimStats {
  cpuMs: number;
  rssBytes: number;
  requests: number;
  /** Requests received by `METHOD /path`. */
  byRoute: Record<string, number>;
  /** Request weight charged so far (Binance's REQUEST_WEIGHT; the header itself is not sent). */
  weight: number;
}

export interface SimChild {
  restUrl: string;
  apiKey: string;
  apiSecret: string;
  signer: Signer;
  pid: number;
  /** This process's epoch-ms minus the child's for the same instant (already applied to arrivals). */
  clockOffsetMs: number;
  /** Resolves with the arrival time (this process's epochMs) of the order with this client order id. */
  arrival(clientOrderId: string): Promise<number>;
  /** Orders that arrived so far. */
  arrivals(): number;
  stats(): Promise<SimStats>;
  close(): Promise<void>;
}

export async function startSimChild(options: { symbols?: string[]; klineSymbols?: string[] } = {}): Promise<SimChild> {
  const apiKey = randomBytes(32).toString('hex');
  const apiSecret = randomBytes(32).toString('hex');
  const child: ChildProcess = fork(fileURLToPath(new URL('./sim-process.js', import.meta.url)), [], {
    env: {
      PATH: process.env.PATH ?? '',
      BENCH_SIM_API_KEY: apiKey,
      BENCH_SIM_API_SECRET: apiSecret,
      BENCH_SIM_SYMBOLS: (options.symbols ?? []).join(','),
      BENCH_SIM_KLINE_SYMBOLS: (options.klineSymbols ?? []).join(','),
      ...(process.env.FIXTURES_DIR ? { FIXTURES_DIR: process.env.FIXTURES_DIR } : {}),
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const arrived = new Map<string, number>();
  const waiters = new Map<string, (at: number) => void>();
  const pongs = new Map<number, (at: number) => void>();
  let statsWaiter: ((s: SimStats) => void) | undefined;
  let offset = 0;
  let readyUrl: ((url: string) => void) | undefined;
  const ready = new Promise<string>((resolve, reject) => {
    readyUrl = resolve;
    child.once('exit', (code) => reject(new Error(`sim-process exited with ${code} before it was ready`)));
  });

  child.on('message', (message: SimChildMessage) => {
    switch (message.type) {
      case 'ready':
        readyUrl?.(message.restUrl);
        break;
      case 'pong':
        pongs.get(message.id)?.(message.at);
        break;
      case 'orders':
        for (const [id, at] of message.arrivals) {
          const local = at + offset;
          arrived.set(id, local);
          const waiter = waiters.get(id);
          if (waiter) {
            waiters.delete(id);
            waiter(local);
          }
        }
        break;
      case 'stats':
        statsWaiter?.(message);
        statsWaiter = undefined;
        break;
    }
  });
  const post = (message: SimParentMessage) => child.send(message);

  const restUrl = await ready;

  // NTP-style: offset = parent time at the child's reading − child's reading; best of 30 pings.
  let bestRtt = Infinity;
  for (let id = 0; id < 30; id++) {
    const t0 = epochMs();
    const childAt = await new Promise<number>((resolve) => {
      pongs.set(id, resolve);
      post({ type: 'ping', id });
    });
    const t2 = epochMs();
    pongs.delete(id);
    if (t2 - t0 < bestRtt) {
      bestRtt = t2 - t0;
      offset = (t0 + t2) / 2 - childAt;
    }
  }

  return {
    restUrl,
    apiKey,
    apiSecret,
    signer: createSigner({ apiSecret }),
    pid: child.pid!,
    clockOffsetMs: offset,
    arrival(clientOrderId) {
      const at = arrived.get(clientOrderId);
      if (at !== undefined) return Promise.resolve(at);
      return new Promise((resolve) => waiters.set(clientOrderId, resolve));
    },
    arrivals: () => arrived.size,
    stats() {
      return new Promise((resolve) => {
        statsWaiter = resolve;
        post({ type: 'stats' });
      });
    },
    async close() {
      if (child.exitCode === null && child.connected) post({ type: 'close' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
