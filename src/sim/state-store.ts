/**
 * Paper balances, orders and id counters on disk, so a restart of the paper exchange resumes
 * the same account (open stops keep protecting, order ids keep increasing).
 *
 * One JSON file under the data dir, written atomically (a temp file, fsync, rename) and
 * debounced: a burst of fills costs one write. A file that cannot be parsed stops the start
 * with its path rather than silently starting an empty account.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { AssetBalance } from './engine/accounts.js';
import type { IdCounters } from './engine/matching-engine.js';
import type { SimOrder } from './engine/order-book.js';
import type { OrderListsState } from './engine/order-lists.js';
import type { TradeRecord } from './engine/trade-history.js';

export interface PaperState {
  version: 1;
  savedAt: number;
  balances: Record<string, AssetBalance>;
  orders: SimOrder[];
  counters: IdCounters;
  /** Absent in files written before order lists and trade history existed. */
  orderLists?: OrderListsState;
  trades?: TradeRecord[];
}

export interface StateStore {
  readonly path: string;
  load(): PaperState | undefined;
  /** Saves `snapshot()` soon (debounced). */
  schedule(snapshot: () => PaperState): void;
  /** Writes a pending save now and waits for it. */
  flush(): Promise<void>;
}

export interface StateStoreOptions {
  dir: string;
  logger: Logger;
  /** Default 100 ms. */
  debounceMs?: number;
  fileName?: string;
}

export function createStateStore(options: StateStoreOptions): StateStore {
  const path = join(options.dir, options.fileName ?? 'paper-exchange.json');
  const debounceMs = options.debounceMs ?? 100;
  const logger = options.logger;
  let timer: NodeJS.Timeout | undefined;
  let pending: (() => PaperState) | undefined;
  let writing: Promise<void> = Promise.resolve();
  let sequence = 0;

  const write = async (state: PaperState): Promise<void> => {
    mkdirSync(options.dir, { recursive: true });
    const tmp = `${path}.${process.pid}.${++sequence}.tmp`;
    const file = await open(tmp, 'w', 0o600);
    try {
      await file.writeFile(JSON.stringify(state));
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(tmp, path);
  };

  const runPending = (): Promise<void> => {
    timer = undefined;
    const snapshot = pending;
    pending = undefined;
    if (snapshot === undefined) return writing;
    const state = snapshot();
    writing = writing
      .then(() => write(state))
      .catch((err: unknown) => logger.error({ err, path }, 'paper exchange state could not be saved'));
    return writing;
  };

  return {
    path,
    load() {
      let text: string;
      try {
        text = readFileSync(path, 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw error;
      }
      let state: PaperState;
      try {
        state = JSON.parse(text) as PaperState;
      } catch {
        throw new Error(`paper exchange state ${path} is not valid JSON; move it away to start a fresh account`);
      }
      if (state.version !== 1 || typeof state.balances !== 'object' || !Array.isArray(state.orders)) {
        throw new Error(`paper exchange state ${path} has an unknown format (version ${String(state.version)})`);
      }
      return state;
    },
    schedule(snapshot) {
      pending = snapshot;
      timer ??= setTimeout(() => void runPending(), debounceMs);
    },
    async flush() {
      if (timer !== undefined) clearTimeout(timer);
      await runPending();
    },
  };
}
