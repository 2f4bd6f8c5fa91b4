/**
 * A real alerts-worker process for the alerts-kill chaos suite (test/chaos/alerts-kill.test.ts),
 * built from the BUILT product in dist/ with the worker role's own pieces — loadConfig,
 * connectExchange, createTradingStack, createAlertsApi (pointed at TELEGRAM_API_ROOT, the fake Bot
 * API) and buildAlertsWorker (src/app/components.ts) — plus kill points: the worker SIGKILLs
 * itself, once, at the point the test planned for an alert.
 *
 * Kill plans live in Redis under `<prefix>:chaos-kill:<alert key>` as `<point>:<part>[:<ms>]`; the
 * first run of the alert's job takes its plan (GETDEL), so the retry runs clean. Part 0 of a card
 * edit is the edit itself; its later parts, like every part of a push alert, are sendMessage calls.
 * The part a call carries is read from the job's progress (part i is sent while it reads i + 0.5).
 *   before-send     part i is marked "being sent"; its request has not left
 *   in-flight       the request has left; killed `<ms>` later or when its answer arrives, whichever first
 *   after-accept    Telegram answered ok (or "not modified" for an edit); part i + 1 not recorded
 *   after-progress  progress i + 1 is written; the next part (or the job's completion) not yet
 *
 * Concurrency 1, so a kill takes down exactly the alert it was planned for.
 *
 * Env: the product's own (TRADING_MODE, BINANCE_BASE_URL, BINANCE_API_KEY, BINANCE_API_SECRET,
 * REDIS_URL, TELEGRAM_BOT_TOKEN, TELEGRAM_API_ROOT, LOG_LEVEL) and CHAOS_PREFIX, the test's key
 * prefix. Prints `CHAOS-ACTIVE <key>` when a job starts and `CHAOS-KILL <point> <key> <part>`
 * before dying.
 */
import process from 'node:process';
import { setTimeout } from 'node:timers';
import { Registry } from 'prom-client';
import { createAlertsApi } from '../../../dist/alerts/alerts-worker.js';
import { buildAlertsWorker } from '../../../dist/app/components.js';
import { connectExchange } from '../../../dist/app/exchange-connection.js';
import { createTradingStack } from '../../../dist/app/trading-stack.js';
import { loadConfig } from '../../../dist/config.js';
import { createLogger } from '../../../dist/logger.js';

const config = loadConfig('worker', process.env);
const prefix = process.env.CHAOS_PREFIX;
const logger = createLogger({ level: config.logLevel, name: 'chaos-alerts-worker' });
const registry = new Registry();
const exchange = await connectExchange('worker', config, logger, registry);
const stack = createTradingStack({ config, redisUrl: config.redis.url, exchange, logger, registry, prefix });

/** The job this process is running (concurrency 1) and the kill planned for it, if any. */
let current;

const die = (point, run, part) => {
  process.stdout.write(`CHAOS-KILL ${point} ${run.key} ${part}\n`);
  process.kill(process.pid, 'SIGKILL');
};

const parsePlan = (raw) => {
  if (!raw) return undefined;
  const [point, part, ms] = raw.split(':');
  return { point, part: Number(part), ms: Number(ms ?? 0) };
};

/** The part a call to Telegram carries, when it is the one the plan names; else undefined. */
async function plannedCall(method) {
  const run = current;
  if (!run) return undefined;
  const plan = await run.plan;
  const progress = run.job.progress;
  if (!plan || typeof progress !== 'number' || Number.isInteger(progress)) return undefined; // a re-assertion, not a part
  const part = Math.floor(progress);
  const expected = run.edit && part === 0 ? 'editMessageText' : 'sendMessage';
  return method === expected && part === plan.part ? { run, plan, part } : undefined;
}

const isNotModified = (error) => error?.error_code === 400 && /message is not modified/i.test(String(error.description));

const baseApi = createAlertsApi({ token: config.telegram.token, apiRoot: config.telegram.apiRoot });
const api = new Proxy(baseApi, {
  get(target, property, receiver) {
    if (property !== 'sendMessage' && property !== 'editMessageText') return Reflect.get(target, property, receiver);
    return async (...args) => {
      const call = () => target[property](...args);
      const planned = await plannedCall(property);
      if (!planned) return call();
      const { run, plan, part } = planned;
      if (plan.point === 'before-send') die('before-send', run, part);
      if (plan.point === 'in-flight') {
        // Killed while the request is on the wire, or as its answer arrives, whichever comes first:
        // never later, so the kill cannot land in the next job.
        const request = call();
        request.catch(() => undefined);
        await Promise.race([request, new Promise((resolve) => setTimeout(resolve, plan.ms))]).catch(() => undefined);
        die('in-flight', run, part);
      }
      if (plan.point === 'after-accept') {
        const answer = await call().catch((error) => {
          if (isNotModified(error)) die('after-accept', run, part);
          throw error;
        });
        die('after-accept', run, part);
        return answer;
      }
      return call();
    };
  },
});

const worker = buildAlertsWorker({ config, exchange, stack, logger, registry }, api, { concurrency: 1, lockDurationMs: 2000, stalledIntervalMs: 500 });

// BullMQ emits `active` with the very Job object it then hands to the processor (bullmq Worker
// nextJobFromJobData → processJob), so the progress writes can be watched on it.
worker.worker.on('active', (job) => {
  const run = {
    job,
    key: job.data.key,
    edit: job.data.editMessageId !== undefined,
    plan: stack.producer.getdel(`${prefix}:chaos-kill:${job.data.key}`).then(parsePlan),
  };
  current = run;
  const updateProgress = job.updateProgress.bind(job);
  job.updateProgress = async (progress) => {
    await updateProgress(progress);
    const plan = await run.plan;
    if (plan?.point === 'after-progress' && progress === plan.part + 1) die('after-progress', run, plan.part);
  };
  process.stdout.write(`CHAOS-ACTIVE ${job.data.key}\n`);
});

process.once('SIGTERM', () => {
  void (async () => {
    await worker.close();
    await stack.close();
    await exchange.close();
    process.exit(0);
  })();
});
