/**
 * The P&L side's components (DESIGN.md §10), built from the same context as components.ts: the
 * ledger, the net value sampler and the daily reports. Their exchange reads go out at `view`
 * priority, so none of them spends the reserve kept for orders and stops.
 */
import { createEquitySampler, type EquitySampler } from '../ledger/equity-sampler.js';
import { createNetValueReader } from '../ledger/equity-valuation.js';
import { createLedgerService, type LedgerService, type LedgerServiceDeps } from '../ledger/ledger-service.js';
import { buildDailyReport } from '../ledger/report-text.js';
import { createReportWorker, type ReportWorker } from '../ledger/report-worker.js';
import type { ComponentContext } from './components.js';

/**
 * The P&L ledger (DESIGN.md §10). `work`: this process runs the `ledger` queue's worker (syncs,
 * rebuilds, the schedule); the bot alone only reads and asks. Its exchange reads go out with the
 * `view` priority, so a sync never spends the trading reserve.
 */
export function buildLedger(c: ComponentContext, work: boolean, overrides: Partial<LedgerServiceDeps> = {}): LedgerService {
  return createLedgerService({
    redis: c.stack.producer,
    prefix: c.stack.prefix,
    exchange: c.exchange.client.withPriority('view'),
    symbols: c.exchange.exchangeInfo,
    valuationAsset: c.config.limits.valuationAsset,
    logger: c.logger,
    ...(work ? { worker: { connection: c.stack.workerConnection } } : {}),
    extraSymbols: async () => {
      const [records, stops] = await Promise.all([c.stack.records.recent(200), c.stack.stops.listStops().catch(() => [])]);
      return [...records.map((r) => r.symbol), ...stops.map((s) => s.symbol)];
    },
    jobs: { syncEveryMs: c.config.ledger.syncEveryMs },
    ...overrides,
  });
}

/**
 * The net value sampler (DESIGN.md §10): one sample per EQUITY_SAMPLE_MIN slot, read at view
 * priority so it gives way to orders and stops when the minute's weight runs short.
 */
export function buildEquitySampler(c: ComponentContext): EquitySampler {
  return createEquitySampler({
    connection: c.stack.workerConnection,
    redis: c.stack.producer,
    prefix: c.stack.prefix,
    store: c.stack.equity,
    netValue: createNetValueReader({ exchange: c.exchange.client.withPriority('view'), valuationAsset: c.config.limits.valuationAsset }),
    sampleMinutes: c.config.equitySampleMin,
    logger: c.logger,
    registry: c.registry,
  });
}

/** `/report` summaries, sent through the alerts queue once a day per user. */
export function buildReportWorker(c: ComponentContext): ReportWorker {
  const sources = {
    valuationAsset: c.config.limits.valuationAsset,
    netValue: createNetValueReader({ exchange: c.exchange.client.withPriority('view'), valuationAsset: c.config.limits.valuationAsset }),
    equity: c.stack.equity,
    ...(c.ledger ? { ledger: c.ledger.reader } : {}),
    stops: () => c.stack.stops.listStops(),
  };
  return createReportWorker({
    connection: c.stack.workerConnection,
    redis: c.stack.producer,
    prefix: c.stack.prefix,
    schedule: c.stack.reports,
    alerts: c.stack.alertsQueue,
    build: (userId, nowMs) => buildDailyReport(sources, userId, nowMs),
    logger: c.logger,
    registry: c.registry,
  });
}
