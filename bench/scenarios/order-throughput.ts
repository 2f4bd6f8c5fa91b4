/**
 * Scenario 2: orders per second through the orders queue and the order worker, with the
 * exchange's limits lifted (sim-process.ts) and the worker's own 50-jobs-a-second limiter lifted
 * too — otherwise both would measure a configured budget, not the pipeline.
 *
 * For each worker concurrency (1, 4, 16): N confirmed intents are queued through the trading
 * service's confirm (the real enqueue: Lua flip, BullMQ add, marks, audit) while no worker runs;
 * then one order worker with that concurrency starts (production wiring, bench-app.ts) and the
 * clock runs until it has completed all N. Every job does what a real one does: reconcile by
 * client order id, re-validate against fresh prices and balances, send mark, sign and place a
 * MARKET order, record and audit it, queue the card edit. No bot, no alerts worker.
 */
import type { OrderWorker } from '../../src/trading/orders/order-worker.js';
import { benchUsers, startBenchApp, type BenchApp } from '../support/bench-app.js';
import { startSimChild } from '../support/sim-child.js';
import { cpuMs, epochMs, round3 } from '../lib/stats.js';
import type { Row, ScenarioContext, ScenarioResult } from '../lib/types.js';

const CONCURRENCY = [1, 4, 16];
const LIFTED_LIMITER = { max: 1_000_000, duration: 1_000 };

/** N confirmed intents in the queue, all alike: one card priced by the service, then copies of its preview. */
async function queueIntents(app: BenchApp, userId: number, count: number): Promise<void> {
  const service = app.stack.service;
  const first = await service.prepareOrder({ symbol: 'BTCUSDT', side: 'BUY', amount: { kind: 'base', quantity: '0.001' } }, { userId, chatId: userId });
  const preview = (await service.intents.get(first.intentId))!.intent.preview;
  await service.confirm(first.intentId, userId);
  for (let i = 1; i < count; i++) {
    const intent = await service.intents.create({ userId, chatId: userId, preview });
    await service.confirm(intent.id, userId);
  }
}

async function drain(worker: OrderWorker, count: number): Promise<{ seconds: number; cpuMsPerJob: number; failed: number }> {
  let done = 0;
  let failed = 0;
  const cpu0 = cpuMs();
  const t0 = epochMs();
  await new Promise<void>((resolve) => {
    const tick = () => {
      if (++done >= count) resolve();
    };
    worker.worker.on('completed', tick);
    worker.worker.on('failed', () => {
      failed++;
      tick();
    });
  });
  return { seconds: (epochMs() - t0) / 1000, cpuMsPerJob: (cpuMs() - cpu0) / count, failed };
}

export async function orderThroughput(ctx: ScenarioContext): Promise<ScenarioResult> {
  const count = ctx.quick ? 200 : 1000;
  const sim = await startSimChild();
  const [user] = benchUsers(1);
  const app = await startBenchApp({ sim, users: [user!], orderWorker: false, alerts: false });
  const rows: Row[] = [];
  const details: Record<string, unknown> = { jobsPerRun: count };
  try {
    // Warm-up: JIT, connections, the exchange-info cache.
    await queueIntents(app, user!.id, 50);
    const warm = app.startOrderWorker({ concurrency: 4, limiter: LIFTED_LIMITER });
    await drain(warm, 50);
    await warm.close();

    for (const concurrency of CONCURRENCY) {
      ctx.log(`throughput: ${count} jobs, worker concurrency ${concurrency}`);
      await queueIntents(app, user!.id, count);
      const worker = app.startOrderWorker({ concurrency, limiter: LIFTED_LIMITER });
      const run = await drain(worker, count);
      await worker.close();
      const jobsPerSecond = round3(count / run.seconds);
      details[`concurrency${concurrency}`] = { ...run, jobsPerSecond };
      rows.push({
        what: `worker concurrency ${concurrency}`,
        unit: 'jobs/s',
        value: jobsPerSecond,
        n: count,
        note: `${round3(run.cpuMsPerJob)} ms CPU per job in the worker process${run.failed ? `; ${run.failed} failed` : ''}`,
      });
    }
  } finally {
    await app.close();
    await sim.close();
  }
  return { id: 'order-throughput', title: '2. Order throughput: queue → worker → exchange (limits lifted)', rows, details };
}
