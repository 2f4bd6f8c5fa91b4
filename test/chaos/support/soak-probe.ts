/**
 * What the soak (test/soak/soak.ts) samples from a running `all` process: its memory from
 * /metrics, the Redis keyspace by kind (with how each kind is retained), and the queue depths.
 */
import type { Redis } from 'ioredis';

export interface SoakSample {
  atS: number;
  rssMb: number;
  heapUsedMb: number;
  eventLoopLagP99Ms: number;
  redisKeys: number;
  redisMemoryMb: number;
  /** Keys by kind; `untracked` are keys without a TTL that no retention rule covers. */
  keys: Record<string, number>;
  untracked: string[];
  /** A few keys of kind `other`, to name them in the summary. */
  otherExamples: string[];
  /** Two keys of every kind, to see what a kind holds. */
  examples: Record<string, string[]>;
  queues: Record<string, { waiting: number; active: number; delayed: number; completed: number; failed: number }>;
}

/** Key kinds and how each is retained (the soak checks every key falls under one). */
const KINDS: Array<[string, RegExp, 'ttl' | 'age-trimmed' | 'fixed']> = [
  ['intents', /^chatops:intent:/, 'ttl'],
  ['order records', /^chatops:order:/, 'ttl'],
  ['send marks', /^chatops:order-send:/, 'ttl'],
  ['card revisions', /^chatops:card-rev:/, 'ttl'],
  ['card edits', /^chatops:card-edit:/, 'ttl'],
  ['order jobs', /^chatops:orders:[A-Za-z0-9_-]{16}(:|$)/, 'age-trimmed'],
  ['alert jobs', /^chatops:alerts:(?!(id|meta|events|completed|failed|wait|active|delayed|paused|prioritized|marker|limiter|stalled-check|stalled|pc|de|repeat)$)[^:]+(:logs|:lock)?$/, 'age-trimmed'],
  ['queue structure', /^chatops:(orders|alerts|stops?[^:]*|ledger|equity|reports|backtests):(id|meta|events|completed|failed|wait|active|delayed|paused|prioritized|marker|limiter|stalled-check|stalled|pc|de|repeat)$/, 'fixed'],
  // A job scheduler and its next run (ledger sync, net value samples): one each per scheduler, replaced at each run.
  ['scheduler runs', /^chatops:(ledger|equity|reports):repeat:[a-z-]+(:\d+)?$/, 'fixed'],
  ['alert ledger', /^chatops:ua:(exec|mark):/, 'ttl'],
  // One evaluation job per candle close and stopped pair, kept an hour (stop-scheduler.ts).
  ['stop close jobs', /^chatops:stops:close-/, 'age-trimmed'],
  // A worker's start-up net value sample (equity-sampler.ts), removed a day after it completed.
  ['net value sample jobs', /^chatops:equity:slot-\d+(:logs|:lock)?$/, 'age-trimmed'],
  // The net value history: one sorted set whose script trims samples past 400 days (equity-store.ts).
  ['net value history', /^chatops:equity:samples$/, 'age-trimmed'],
  // One key each (ledger-store.ts): the account's fills, kept by design (DESIGN.md §10), grow with its trades, not with requests.
  ['ledger', /^chatops:ledger:(fills|times|log|version|gen|symbols|cursor|rates|sync)$/, 'fixed'],
  ['audit stream', /^chatops:audit$/, 'age-trimmed'],
  // One key per user, chat, asset, symbol or open order: bounded by the account, not by traffic.
  ['bounded state', /^chatops:(ua:(heard-at|symbols|open|outbox)|balances|account:(balances|meta)|user-stream(:.*)?|alert-settings:.*|chat-inactive:.*|stops?(:.*)?|stop-lock:.*)$/, 'fixed'],
  ['cancel confirmations', /^chatops:cancel:/, 'ttl'],
  ['cancelling marks', /^chatops:order-cancelling:/, 'ttl'],
  ['records index', /^chatops:orders:recent$/, 'age-trimmed'],
];

export function kindOf(key: string): { kind: string; rule: 'ttl' | 'age-trimmed' | 'fixed' | 'unknown' } {
  for (const [kind, re, rule] of KINDS) if (re.test(key)) return { kind, rule };
  return { kind: 'other', rule: 'unknown' };
}

async function metric(port: number): Promise<Record<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const values: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const m = /^(binance_chatops_[a-z_0-9]+)(\{[^}]*\})? ([0-9.e+-]+)$/.exec(line);
    if (m && m[2] === undefined) values[m[1]!] = Number(m[3]);
  }
  return values;
}

export async function takeSample(options: { port: number; redis: Redis; startedAt: number; queueNames: string[] }): Promise<SoakSample> {
  const m = await metric(options.port);
  const keys: Record<string, number> = {};
  const untracked: string[] = [];
  const otherExamples: string[] = [];
  const examples: Record<string, string[]> = {};
  let cursor = '0';
  do {
    const [next, batch] = await options.redis.scan(cursor, 'COUNT', 1000);
    cursor = next;
    const ttls = batch.length ? await Promise.all(batch.map((k) => options.redis.pttl(k))) : [];
    batch.forEach((key, i) => {
      const { kind, rule } = kindOf(key);
      keys[kind] = (keys[kind] ?? 0) + 1;
      if (rule === 'unknown' && ttls[i] === -1) untracked.push(key);
      if (kind === 'other' && otherExamples.length < 12) otherExamples.push(`${key} (ttl ${ttls[i]})`);
      if ((examples[kind] ??= []).length < 2) examples[kind]!.push(key);
    });
  } while (cursor !== '0');
  const info = await options.redis.info('memory');
  const usedMemory = Number(/used_memory:(\d+)/.exec(info)?.[1] ?? 0);
  const queues: SoakSample['queues'] = {};
  for (const name of options.queueNames) {
    const base = `chatops:${name}`;
    const [waiting, active, delayed, completed, failed, prioritized] = await Promise.all([
      options.redis.llen(`${base}:wait`),
      options.redis.llen(`${base}:active`),
      options.redis.zcard(`${base}:delayed`),
      options.redis.zcard(`${base}:completed`),
      options.redis.zcard(`${base}:failed`),
      options.redis.zcard(`${base}:prioritized`),
    ]);
    queues[name] = { waiting: waiting + prioritized, active, delayed, completed, failed };
  }
  return {
    atS: Math.round((Date.now() - options.startedAt) / 1000),
    rssMb: round((m.binance_chatops_process_resident_memory_bytes ?? 0) / 2 ** 20),
    heapUsedMb: round((m.binance_chatops_nodejs_heap_size_used_bytes ?? 0) / 2 ** 20),
    eventLoopLagP99Ms: round((m.binance_chatops_nodejs_eventloop_lag_p99_seconds ?? 0) * 1000),
    redisKeys: await options.redis.dbsize(),
    redisMemoryMb: round(usedMemory / 2 ** 20),
    keys,
    untracked,
    otherExamples,
    examples,
    queues,
  };
}

/** Least-squares slope of y over x. */
export function slope(points: Array<[number, number]>): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((a, [x]) => a + x, 0) / n;
  const my = points.reduce((a, [, y]) => a + y, 0) / n;
  const num = points.reduce((a, [x, y]) => a + (x - mx) * (y - my), 0);
  const den = points.reduce((a, [x]) => a + (x - mx) ** 2, 0);
  return den === 0 ? 0 : num / den;
}

const round = (v: number) => Math.round(v * 10) / 10;
