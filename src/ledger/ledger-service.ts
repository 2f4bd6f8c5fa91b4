/**
 * The ledger wired (DESIGN.md §10): the store, the valuation of fills, the myTrades sync and its
 * queue, the live fills from the user data stream, and the reader the views use.
 *
 * Live fills are stored as they arrive, one at a time in arrival order, outside the alerts'
 * chain (a klines request to value a fill must not delay a fill alert). A fill that cannot be
 * stored (Redis or the exchange down) asks for a sync, which finds it again over myTrades.
 * Every (re)connect of the stream asks for a sync too: fills made while nobody listened.
 */
import type { Redis } from 'ioredis';
import type { Logger } from '../logger.js';
import type { ExchangeClient } from '../binance/exchange-client.js';
import type { SymbolInfo } from '../binance/types.js';
import type { ExecutionReport } from '../binance/user-data-events.js';
import { createFillIngest, fillFromReport, type FillIngest } from './ledger-ingest.js';
import { createLedgerJobs, type LedgerJobs, type LedgerJobsOptions } from './ledger-jobs.js';
import { createLedgerRates } from './ledger-rates.js';
import { createLedgerReader, type Ledger } from './ledger-reader.js';
import { createLedgerStore, type LedgerStore } from './ledger-store.js';
import { createLedgerSync, type LedgerSync, type LedgerSyncDeps } from './ledger-sync.js';

export interface LedgerServiceDeps {
  /** A `producer` connection. */
  redis: Redis;
  prefix?: string;
  /** The REST client; the ledger's reads should not spend the trading reserve: pass its `withPriority('view')`. */
  exchange: Pick<ExchangeClient, 'myTrades' | 'account' | 'klines'>;
  symbols: { symbol(name: string): Promise<SymbolInfo | undefined> };
  valuationAsset: string;
  logger: Logger;
  /** The worker side: sync jobs run here (a `worker` connection for BullMQ). Absent in the bot. */
  worker?: { connection: Redis };
  extraSymbols?: LedgerSyncDeps['extraSymbols'];
  /** Queue tuning (schedule, attempts, locks). */
  jobs?: Partial<Pick<LedgerJobsOptions, 'syncEveryMs' | 'attempts' | 'backoffMs' | 'lockDurationMs' | 'stalledIntervalMs'>>;
  sync?: Partial<Pick<LedgerSyncDeps, 'pageLimit' | 'maxPagesPerSymbol' | 'onPage'>>;
  now?: () => number;
}

export interface LedgerService {
  readonly reader: Ledger;
  readonly store: LedgerStore;
  readonly sync: LedgerSync;
  readonly ingest: FillIngest;
  readonly jobs: LedgerJobs;
  /** For the user data stream: stores a TRADE report's fill. */
  onExecutionReport(report: ExecutionReport): void;
  /** For the user data stream: after a (re)connect. */
  onStreamConnected(): void;
  /** Resolves when the live fills received so far are stored (tests, shutdown). */
  idle(): Promise<void>;
  /** Worker side: the queue's worker, schedule and a first sync. */
  start(): Promise<void>;
  close(): Promise<void>;
}

export function createLedgerService(deps: LedgerServiceDeps): LedgerService {
  const log = deps.logger.child({ module: 'ledger' });
  const store = createLedgerStore({ redis: deps.redis, ...(deps.prefix ? { prefix: deps.prefix } : {}) });
  const rates = createLedgerRates({ exchange: deps.exchange, symbols: deps.symbols, store, valuationAsset: deps.valuationAsset });
  const ingest = createFillIngest({ store, rates, symbols: deps.symbols, valuationAsset: deps.valuationAsset, logger: deps.logger });
  const sync = createLedgerSync({
    exchange: deps.exchange,
    store,
    ingest,
    symbols: deps.symbols,
    valuationAsset: deps.valuationAsset,
    logger: deps.logger,
    ...(deps.extraSymbols ? { extraSymbols: deps.extraSymbols } : {}),
    ...deps.sync,
    ...(deps.now ? { now: deps.now } : {}),
  });
  const jobs = createLedgerJobs({
    redis: deps.redis,
    ...(deps.prefix ? { prefix: deps.prefix } : {}),
    logger: deps.logger,
    ...(deps.worker ? { work: { sync, store, connection: deps.worker.connection } } : {}),
    ...deps.jobs,
    ...(deps.now ? { now: deps.now } : {}),
  });
  const reader = createLedgerReader({ store, valuationAsset: deps.valuationAsset });
  let chain: Promise<void> = Promise.resolve();

  const askForSync = (reason: string) =>
    void jobs.requestSync(reason).catch((error: unknown) => log.warn({ err: error, reason }, 'could not queue a ledger sync'));

  return {
    reader,
    store,
    sync,
    ingest,
    jobs,
    onExecutionReport(report) {
      const fill = fillFromReport(report);
      if (!fill) return;
      chain = chain
        .then(() => ingest.ingest([fill]))
        .then(
          () => undefined,
          (error: unknown) => {
            log.warn({ err: error, symbol: fill.symbol, tradeId: fill.tradeId }, 'a live fill could not be stored; a sync will find it');
            askForSync('stream-fill-failed');
          },
        );
    },
    onStreamConnected() {
      askForSync('stream-connected');
    },
    idle: () => chain,
    start: () => jobs.start(),
    async close() {
      await chain;
      await jobs.close();
    },
  };
}
