/**
 * /report's daily summary (DESIGN.md §2): pushed at the chosen UTC time through the alerts queue
 * to the fake Telegram Bot API, exactly once per user and date — across a worker restart, when
 * no worker ran at the time, and when a worker died after queueing the summary but before marking
 * the date sent. The clock the schedule and the worker read is moved so the time comes due two
 * seconds into the test; BullMQ's delays and Redis run on the real clock.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { createAlertsQueue, type AlertsQueue } from '../../src/alerts/alerts-queue.js';
import { createAlertsApi, createAlertsWorker, type AlertsWorker } from '../../src/alerts/alerts-worker.js';
import { createRestClient, type RestClient } from '../../src/binance/rest-client.js';
import { AppError } from '../../src/errors.js';
import { createLogger } from '../../src/logger.js';
import { createRedisConnection } from '../../src/redis.js';
import { createEquityStore } from '../../src/ledger/equity-store.js';
import { createNetValueReader } from '../../src/ledger/equity-valuation.js';
import { createReportSchedule, reportDate, reportJobId, reportSentKey, type ReportSchedule } from '../../src/ledger/report-schedule.js';
import { buildDailyReport, type ReportSources } from '../../src/ledger/report-text.js';
import { createReportWorker, type ReportWorker } from '../../src/ledger/report-worker.js';
import { eventually, TRADER } from '../support/app-harness.js';
import { startFakeBotApi, type FakeBotApi } from '../support/fake-bot-api.js';
import { createInMemoryLedgerForTests, testFill } from '../support/in-memory-ledger.js';
import { testRedisUrl, uniquePrefix } from '../support/redis.js';
import { startTestSimulator, type TestSimulator } from '../support/simulator.js';

const logger = createLogger({ level: 'silent' });
const DAY = 86_400_000;

let sim: TestSimulator;
let client: RestClient;
let telegram: FakeBotApi;
let redis: Redis;

beforeAll(async () => {
  sim = await startTestSimulator({ balances: { USDT: '10000', BTC: '0.5', ETH: '2' }, prices: { BTCUSDT: '65000', ETHUSDT: '3500' } });
  client = createRestClient({ baseUrl: sim.restUrl, apiKey: sim.apiKey, signer: sim.signer, logger, registry: new Registry(), clockRefreshMs: 0 });
  telegram = await startFakeBotApi();
  redis = createRedisConnection(testRedisUrl(), 'producer');
});
afterAll(async () => {
  await client.close();
  await sim.close();
  await telegram.close();
  redis.disconnect();
});

interface Desk {
  prefix: string;
  now: () => number;
  schedule: ReportSchedule;
  alerts: AlertsQueue;
  startWorker(): Promise<ReportWorker>;
  stopWorker(): Promise<void>;
  close(): Promise<void>;
}

let desk: Desk | undefined;
afterEach(async () => {
  await desk?.close();
  desk = undefined;
  telegram.reset();
});

/** One deployment under a fresh prefix whose clock reads `dueInMs` before 08:00 UTC today. */
async function startDesk(dueInMs: number): Promise<Desk> {
  const prefix = uniquePrefix('rep');
  const today = Math.floor(Date.now() / DAY) * DAY;
  const offset = today + 8 * 3_600_000 - dueInMs - Date.now();
  const now = () => Date.now() + offset;
  const equity = createEquityStore({ redis, prefix });
  // A day ago the account was worth 49,000.
  await equity.record({ time: today + 8 * 3_600_000 - DAY - 60_000, value: '49000' });
  const ledger = createInMemoryLedgerForTests(
    [testFill({ time: now() - 3_600_000, side: 'BUY', symbol: 'ETHUSDT' }), testFill({ time: now() - 1_800_000, side: 'SELL', realizedPnl: '42.1' })],
    [{ asset: 'BTC', knownQuantity: '0.5', averageEntry: '60000', costBasis: '30000' }],
  );
  const sources: ReportSources = {
    valuationAsset: 'USDT',
    netValue: createNetValueReader({ exchange: client.withPriority('view'), valuationAsset: 'USDT' }),
    equity,
    ledger,
    stops: async () => [{ symbol: 'BTCUSDT', kind: 'fractal', quantity: '0.5', stopPrice: '61000', status: 'active' }],
  };
  const schedule = createReportSchedule({ redis, prefix, logger, now });
  const alerts = createAlertsQueue({ connection: redis, prefix, backoffMs: 100 });
  const alertsConnection = createRedisConnection(testRedisUrl(), 'worker');
  const alertsWorker: AlertsWorker = createAlertsWorker({ connection: alertsConnection, redis, api: createAlertsApi({ token: telegram.token, apiRoot: telegram.apiRoot }), logger, prefix });
  let running: { worker: ReportWorker; connection: Redis } | undefined;
  const stopWorker = async () => {
    await running?.worker.close();
    running?.connection.disconnect();
    running = undefined;
  };
  return {
    prefix,
    now,
    schedule,
    alerts,
    async startWorker() {
      const connection = createRedisConnection(testRedisUrl(), 'worker');
      const worker = createReportWorker({
        connection,
        redis,
        prefix,
        schedule,
        alerts,
        build: (userId, nowMs) => buildDailyReport(sources, userId, nowMs),
        logger,
        now,
        lockDurationMs: 2_000,
        stalledIntervalMs: 500,
      });
      running = { worker, connection };
      await worker.start();
      return worker;
    },
    stopWorker,
    async close() {
      await stopWorker();
      await alertsWorker.close();
      alertsConnection.disconnect();
      await alerts.close();
      await schedule.close();
    },
  };
}

const reportsSent = () => telegram.calls('sendMessage').filter((c) => String(c.payload.text).startsWith('<b>Daily report'));
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

describe('/report', () => {
  it('sends the summary at the time, once, and a restarted worker neither repeats it nor loses tomorrow’s', async () => {
    desk = await startDesk(2_000);
    const dueAt = await desk.schedule.set(TRADER.id, { time: '08:00', chatId: TRADER.id });
    const today = reportDate(dueAt);
    expect(new Date(dueAt).toISOString().slice(11, 16)).toBe('08:00');
    await desk.startWorker();

    await eventually(() => (reportsSent().length > 0 ? true : undefined), 'the daily report');
    const [sent] = reportsSent();
    expect(sent!.payload.chat_id).toBe(TRADER.id);
    // 10,000 + 0.5 × 65,000 + 2 × 3,500; 500 up on 49,000 a day ago.
    expect(sent!.payload.text).toBe(
      [
        `<b>Daily report · ${today} 08:00 UTC</b>`,
        '',
        'Net value: <b>49,500.00 USDT</b>',
        `24h: +500.00 USDT (+1.02%) since ${new Date(dueAt - DAY - 60_000).toISOString().slice(0, 16).replace('T', ' ')} UTC`,
        'Realized P&amp;L (24h): <b>+42.10 USDT</b> · 2 trades',
        '',
        '<b>Positions</b>',
        // 0.5 × 65,000 = 32,500 against a cost of 30,000.
        'BTC 0.5 · 32,500.00 USDT · entry 60,000 · +2,500.00 USDT (+8.33%)',
        '',
        '<b>Stops</b>',
        'BTCUSDT · fractal · 0.5 · stop 61,000 · active',
      ].join('\n'),
    );
    const tomorrow = reportDate(dueAt + DAY);
    await eventually(async () => ((await desk!.schedule.queue.getJob(reportJobId(TRADER.id, tomorrow))) ? true : undefined), 'tomorrow’s report job');

    // A restart: the old worker goes, a new one starts and sweeps the schedule.
    await desk.stopWorker();
    await desk.startWorker();
    await sleep(1_500);
    expect(reportsSent()).toHaveLength(1);
    const next = await desk.schedule.queue.getJob(reportJobId(TRADER.id, tomorrow));
    expect(await next!.isDelayed()).toBe(true);
    expect(next!.data.dueAt).toBe(dueAt + DAY);
    // Setting the same time again on a day already reported schedules nothing for today.
    expect(await desk.schedule.set(TRADER.id, { time: '08:00', chatId: TRADER.id })).toBe(dueAt + DAY);
  });

  it('a report due while no worker ran goes out once when one starts, and once only after a second restart', async () => {
    desk = await startDesk(500);
    const dueAt = await desk.schedule.set(TRADER.id, { time: '08:00', chatId: TRADER.id });
    await sleep(1_500);
    expect(reportsSent()).toHaveLength(0);
    await desk.startWorker();
    await eventually(() => (reportsSent().length > 0 ? true : undefined), 'the late daily report');
    await desk.stopWorker();
    await desk.startWorker();
    await sleep(1_500);
    expect(reportsSent()).toHaveLength(1);
    expect(await redis.exists(reportSentKey(desk.prefix, TRADER.id, reportDate(dueAt)))).toBe(1);
  });

  it('a worker that died after queueing the summary and before marking the date sends nothing new when the job runs again', async () => {
    desk = await startDesk(500);
    const dueAt = await desk.schedule.set(TRADER.id, { time: '08:00', chatId: TRADER.id });
    await desk.startWorker();
    await eventually(() => (reportsSent().length > 0 ? true : undefined), 'the daily report');
    const date = reportDate(dueAt);
    // The state such a crash leaves: the summary queued, the date not marked; BullMQ runs the job again.
    await redis.del(reportSentKey(desk.prefix, TRADER.id, date));
    const again = await desk.schedule.queue.add('report', { userId: TRADER.id, chatId: TRADER.id, time: '08:00', date, dueAt }, { jobId: `again-${date}` });
    await eventually(async () => ((await again.isCompleted()) ? true : undefined), 'the repeated job');
    await sleep(1_000);
    expect(reportsSent()).toHaveLength(1);
  });

  it('a job left from a time since changed or turned off sends nothing', async () => {
    desk = await startDesk(1_000);
    await desk.schedule.set(TRADER.id, { time: '08:00', chatId: TRADER.id });
    await desk.schedule.clear(TRADER.id);
    const today = reportDate(desk.now());
    // Even if removal had missed it.
    await desk.schedule.queue.add('report', { userId: TRADER.id, chatId: TRADER.id, time: '08:00', date: today, dueAt: desk.now() }, { jobId: `stale-${today}` });
    await desk.startWorker();
    await sleep(2_000);
    expect(reportsSent()).toHaveLength(0);
    expect(await desk.schedule.queue.getJob(reportJobId(TRADER.id, reportDate(desk.now() + DAY)))).toBeUndefined();
  });

  it('when the exchange refuses the read, the newest sample stands in for the net value, with its time', async () => {
    const prefix = uniquePrefix('rep');
    const equity = createEquityStore({ redis, prefix });
    const now = Date.UTC(2026, 11, 6, 8, 0);
    await equity.record({ time: now - DAY, value: '1000' });
    await equity.record({ time: now - 15 * 60_000, value: '1010' });
    const busy = async () => {
      throw new AppError('EXCHANGE_BUSY');
    };
    const text = await buildDailyReport({ valuationAsset: 'USDT', netValue: { read: busy }, equity }, TRADER.id, now);
    expect(text).toBe(
      [
        '<b>Daily report · 2026-12-06 08:00 UTC</b>',
        '',
        'Net value: <b>1,010.00 USDT</b> (as sampled 2026-12-06 07:45 UTC; the exchange could not be read just now)',
        '24h: +10.00 USDT (+1.00%) since 2026-12-05 08:00 UTC',
        'Realized P&amp;L: not available (the fills ledger is not connected).',
      ].join('\n'),
    );
  });
});
