/**
 * The test-process side of the stop-kill suite: the paper exchange on a programmatic BTCUSDT feed
 * (real hourly candles as history), real Redis, and production's wiring (test/support/test-stack.ts)
 * of the bot's side of stops (the stop desk as the
 * trading service's arming, arming through Confirm and the orders queue with an order worker
 * here), the user data stream service (order records kept current, as a surviving worker keeps
 * them) and the alerts worker delivering to the fake Bot API. The stop manager itself runs only
 * in the child processes (process-fleet.ts). Closes are also announced from here with the product's
 * own scheduler queue (as its job schedulers announce them), so no close depends on which child
 * process happens to be subscribed to the kline stream at that moment.
 */
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { alertsIdle } from './alerts-idle.js';
import { buildAlertsWorker, buildOrderWorker, buildUserStreamService } from '../../../src/app/components.js';
import type { AlertsQueue } from '../../../src/alerts/alerts-queue.js';
import { createAlertsApi, type AlertsWorker } from '../../../src/alerts/alerts-worker.js';
import type { RestClient } from '../../../src/binance/rest-client.js';
import type { Order } from '../../../src/binance/types.js';
import type { ProgrammaticFeed } from '../../../src/sim/types.js';
import type { OrderRecords } from '../../../src/trading/orders/order-records.js';
import type { OrderWorker } from '../../../src/trading/orders/order-worker.js';
import { closeJobId, createStopScheduler, STOPS_QUEUE, type StopScheduler } from '../../../src/trading/stops/stop-scheduler.js';
import { createStopStore, type StopStore } from '../../../src/trading/stops/stop-store.js';
import type { ManagedStop, StopArming, StopDesk } from '../../../src/trading/stops/stop-types.js';
import type { AlertJob, Requester } from '../../../src/trading/types.js';
import { createLogCapture, findSecrets, recordSignatures, telegramTexts, type LogCapture, type SecretHit, type SigningRecorder } from '../../security/secret-scan.js';
import { startFakeBotApi, type FakeBotApi } from '../../support/fake-bot-api.js';
import { uniquePrefix } from '../../support/redis.js';
import { startTestSimulator, type TestSimulator } from '../../support/simulator.js';
import { endpointsOf, startTestStack, testWorkerTimings } from '../../support/test-stack.js';
import { eventually } from '../../support/wait.js';

export const STOP_TRADER: Requester = { userId: 9101, chatId: 9101, displayName: 'stopper' };
const OPEN = new Set(['NEW', 'PARTIALLY_FILLED', 'PENDING_NEW']);
const SETTLED = new Set(['completed', 'failed']);

export interface StopStack {
  sim: TestSimulator<ProgrammaticFeed>;
  telegram: FakeBotApi;
  exchange: RestClient;
  producer: Redis;
  prefix: string;
  records: OrderRecords;
  store: StopStore;
  desk: StopDesk & StopArming;
  alertsQueue: AlertsQueue;
  capture: LogCapture;
  /** Arms a fractal stop on BTCUSDT 1h through its card's Confirm; resolves once its first order rests. */
  arm(quantity: string): Promise<ManagedStop>;
  /** A /buy with `sl=fractal:1h tp=<targetPercent>%` through its card's Confirm; resolves once the plan is a managed stop holding its OCO list. */
  plan(quantity: string, targetPercent: string): Promise<ManagedStop>;
  /** Announces a close as the job schedulers would, and waits until its `close` job has finished. */
  closeEvaluated(closeTime: number, timeoutMs: number): Promise<string>;
  /** Every exchange order a stop ever had (its first order `bco-<id>`, its moves `bst-<id>-<n>`), oldest first. */
  ordersOf(stopId: string): Order[];
  openOrdersOf(stopId: string): Order[];
  /** Stop alerts queued (any state), oldest first. */
  stopAlerts(): Promise<AlertJob[]>;
  /** True when no alert is waiting, delayed or being delivered. */
  alertsDrained(): Promise<boolean>;
  secretHits(extra: Array<{ where: string; texts: readonly string[] }>): SecretHit[];
  close(): Promise<void>;
}

export async function startStopStack(options: { balances: Record<string, string>; price: string }): Promise<StopStack> {
  const capture = createLogCapture('info');
  const logger = capture.logger;
  const sim = await startTestSimulator({ balances: options.balances, prices: { BTCUSDT: options.price, ETHUSDT: '3500' } });
  const telegram = await startFakeBotApi();
  const signing: SigningRecorder = recordSignatures(sim.signer);
  const components = startTestStack({
    exchange: { ...endpointsOf(sim), signer: signing.signer },
    logger,
    prefix: uniquePrefix('stopkill'),
    allowedUsers: [STOP_TRADER.userId],
    telegram,
    env: { CONFIRM_TTL_S: '300', STOP_LIMIT_OFFSET_PCT: '0.5' },
    queues: { orders: { attempts: 5, backoffMs: 200 }, alerts: { backoffMs: 200 } },
  });
  const { stack, config } = components;
  const { producer, workerConnection, prefix, records, alertsQueue, service } = stack;
  const desk = stack.stops;
  const store = createStopStore({ redis: producer, prefix });
  const locks = { lockDurationMs: 3_000, stalledIntervalMs: 1_000 };
  const timings = testWorkerTimings(config, locks);
  const orderWorker: OrderWorker = buildOrderWorker(components, { ...timings, reconcile: { ...timings.reconcile, maxDelayMs: 250 } });
  const userStream = buildUserStreamService(components, config.telegram.allowedUsers, { lease: { ttlMs: 3_000, renewEveryMs: 1_000, pollMs: 500 } })!;
  userStream.start();
  const alertsWorker: AlertsWorker = buildAlertsWorker(components, createAlertsApi({ token: telegram.token, apiRoot: telegram.apiRoot }), locks);
  // Announces closes only (work: false): the child processes evaluate them.
  const announcer: StopScheduler = createStopScheduler({ connection: workerConnection, redis: producer, prefix, logger, evaluate: () => Promise.reject(new Error('not here')), serverNow: Date.now, work: false });
  const stopsQueue = new Queue(STOPS_QUEUE, { connection: producer, prefix });

  const stopOrder = (stopId: string) => (o: Order) => o.clientOrderId === `bco-${stopId}` || o.clientOrderId.startsWith(`bst-${stopId}-`);
  const ordersOf = (stopId: string) => sim.control.orders('BTCUSDT').filter(stopOrder(stopId)).sort((a, b) => a.orderId - b.orderId);

  return {
    sim: sim as TestSimulator<ProgrammaticFeed>,
    telegram,
    exchange: components.exchange.client,
    producer,
    prefix,
    records,
    store,
    desk,
    alertsQueue,
    capture,
    async arm(quantity) {
      const card = await desk.prepareStop({ kind: 'fractal', symbol: 'BTCUSDT', interval: '1h', amount: { kind: 'base', quantity } }, STOP_TRADER);
      await service.confirm(card.intentId, STOP_TRADER.userId);
      return eventually(async () => {
        const stop = await store.get(card.intentId);
        return stop?.status === 'active' && stop.orderId !== undefined ? stop : undefined;
      }, 'the stop to be armed and its first order to rest');
    },
    async plan(quantity, targetPercent) {
      const card = await service.prepareBracket(
        { symbol: 'BTCUSDT', size: { kind: 'amount', amount: { kind: 'base', quantity } }, stop: { kind: 'fractal', interval: '1h' }, target: { kind: 'percent', percent: targetPercent } },
        STOP_TRADER,
      );
      await service.confirm(card.intentId, STOP_TRADER.userId);
      return eventually(async () => {
        const stop = await store.get(card.intentId);
        return stop?.target?.orderListId !== undefined ? stop : undefined;
      }, 'the plan to be placed and adopted as a managed stop');
    },
    async closeEvaluated(closeTime, timeoutMs) {
      const pair = { symbol: 'BTCUSDT', interval: '1h' as const };
      await announcer.enqueueClose(pair, closeTime);
      return eventually(async () => {
        const state = await (await stopsQueue.getJob(closeJobId(pair, closeTime)))?.getState();
        return state !== undefined && SETTLED.has(state) ? state : undefined;
      }, `the close at ${closeTime} to be evaluated`, timeoutMs);
    },
    ordersOf,
    openOrdersOf: (stopId) => ordersOf(stopId).filter((o) => OPEN.has(o.status)),
    async stopAlerts() {
      const jobs = await alertsQueue.queue.getJobs(['waiting', 'delayed', 'completed', 'failed', 'active', 'prioritized']);
      return jobs
        .filter((j) => j.data.category === 'stop')
        .sort((a, b) => a.timestamp - b.timestamp)
        .map((j) => j.data);
    },
    alertsDrained: () => alertsIdle(alertsQueue.queue),
    secretHits(extra) {
      return findSecrets(
        [{ where: 'logs', texts: capture.lines() }, { where: 'telegram', texts: telegramTexts(telegram) }, ...extra],
        { apiKey: sim.apiKey, ...(sim.apiSecret !== undefined ? { apiSecret: sim.apiSecret } : {}), botToken: telegram.token, signatures: signing.signatures() },
      );
    },
    async close() {
      await userStream.close().catch(() => undefined);
      await orderWorker.close().catch(() => undefined);
      await alertsWorker.close().catch(() => undefined);
      await announcer.close().catch(() => undefined);
      await stopsQueue.close().catch(() => undefined);
      await components.close();
      await sim.close();
      await telegram.close();
    },
  };
}
