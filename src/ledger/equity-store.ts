/**
 * The net value history (DESIGN.md §10): one sample per slot of EQUITY_SAMPLE_MIN minutes, kept
 * 400 days, in one Redis sorted set `<prefix>:equity:samples` (score: the slot's start, member:
 * `<slot>:<value>`), so a range read is one ZRANGEBYSCORE and survives restarts with Redis's AOF.
 *
 * A slot is written once: the record script looks for a member at the slot's score and adds
 * nothing when there is one, in one atomic step. However many workers measure a slot (the
 * scheduler's job, a worker's start-up sample, a retry), the first value stays. The same script
 * trims samples older than the retention, measured from the slot being written, so the set never
 * grows past 400 days (38,400 members at 15 minutes) and no sweep is needed.
 */
import type { Redis } from 'ioredis';
import { isDecimal, normalize } from '../decimal.js';
import type { EquityReader, EquitySample } from './ledger-types.js';

export const EQUITY_RETENTION_MS = 400 * 86_400_000;

/** KEYS[1] samples; ARGV slot, member, oldest score kept. 1: written, 0: the slot already had a sample. */
const RECORD_SAMPLE = `
if #redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[1], ARGV[1], 'LIMIT', 0, 1) > 0 then return 0 end
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[3])
return 1
`;

type RecordCommand = (key: string, slot: string, member: string, oldest: string) => Promise<number>;

export interface EquityStore extends EquityReader {
  /** Writes the slot's sample unless it has one; true when this call wrote it. */
  record(sample: EquitySample): Promise<boolean>;
  has(slot: number): Promise<boolean>;
  /** The newest sample at or before `atMs` (default: the newest of all). */
  latest(atMs?: number): Promise<EquitySample | undefined>;
  count(): Promise<number>;
}

export interface EquityStoreOptions {
  redis: Redis;
  prefix: string;
  /** Default 400 days. */
  retentionMs?: number;
}

export const equitySamplesKey = (prefix: string): string => `${prefix}:equity:samples`;

/**
 * What `record` writes (a non-negative decimal, checked with isDecimal there); a plain pattern
 * here, since a 400-day read parses 38,400 members.
 */
const VALUE_RE = /^(0|[1-9]\d{0,29})(\.\d{1,30})?$/;

/** `1733472000000:10234.5` → the sample; malformed members are skipped, not thrown on. */
function parseMember(member: string): EquitySample | undefined {
  const colon = member.indexOf(':');
  const time = Number(member.slice(0, colon));
  const value = member.slice(colon + 1);
  return colon > 0 && Number.isSafeInteger(time) && VALUE_RE.test(value) ? { time, value } : undefined;
}

function parseMembers(members: readonly string[]): EquitySample[] {
  const samples: EquitySample[] = [];
  for (const member of members) {
    const sample = parseMember(member);
    if (sample) samples.push(sample);
  }
  return samples;
}

export function createEquityStore(options: EquityStoreOptions): EquityStore {
  const { redis } = options;
  const key = equitySamplesKey(options.prefix);
  const retentionMs = options.retentionMs ?? EQUITY_RETENTION_MS;
  // Loaded once per connection and called by its hash (ioredis falls back to EVAL after a SCRIPT FLUSH).
  const holder = redis as unknown as { equityRecordSample?: RecordCommand };
  if (!holder.equityRecordSample) redis.defineCommand('equityRecordSample', { numberOfKeys: 1, lua: RECORD_SAMPLE });
  const recordSample = (...args: Parameters<RecordCommand>) => holder.equityRecordSample!(...args);

  return {
    async record(sample) {
      if (!isDecimal(sample.value)) throw new RangeError(`equity sample value must be a non-negative decimal, got ${sample.value}`);
      const written = await recordSample(key, String(sample.time), `${sample.time}:${normalize(sample.value)}`, String(sample.time - retentionMs));
      return written === 1;
    },
    async has(slot) {
      return (await redis.zcount(key, slot, slot)) > 0;
    },
    async samples(fromMs, toMs) {
      return parseMembers(await redis.zrangebyscore(key, fromMs, `(${toMs}`));
    },
    async latest(atMs) {
      const members = await redis.zrevrangebyscore(key, atMs === undefined ? '+inf' : atMs, '-inf', 'LIMIT', 0, 1);
      return parseMembers(members)[0];
    },
    count: () => redis.zcard(key),
  };
}
