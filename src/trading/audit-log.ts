/**
 * The audit trail (DESIGN.md §8: "every action is recorded with who did it"): every intent,
 * confirmation, placement, cancel and failure is appended to one Redis stream and logged.
 *
 * The stream is trimmed by age on every write (`XADD … MINID ~ <now − 30 d>`), so it keeps 30
 * days without a sweeper; `~` lets Redis trim whole macro nodes, which is what keeps XADD O(1).
 * Writing the trail never fails the action it records: the order is already on the exchange
 * when a placement is audited, so a Redis hiccup here is logged as an error instead.
 */
import type { Redis } from 'ioredis';
import type { Logger } from '../logger.js';
import { KEY_PREFIX } from '../redis.js';
import { fieldsOf } from '../redis-scripts.js';

export type AuditEvent =
  | 'intent'
  | 'confirm'
  | 'dismiss'
  | 'placement'
  | 'adopted'
  | 'failure'
  | 'cancel'
  | 'pause'
  | 'resume'
  /** A managed stop armed, moved, re-placed, removed or found cancelled (src/trading/stops/). */
  | 'stop';

export interface AuditEntry {
  event: AuditEvent;
  /** Telegram user who acted (absent for the worker's own decisions on a user's behalf). */
  userId?: number;
  displayName?: string;
  intentId?: string;
  clientOrderId?: string;
  symbol?: string;
  orderId?: number;
  /** One word or short phrase: `ok`, `rejected`, `filled`, `unknown-outcome`, … */
  outcome: string;
  /** A plain sentence or error code for the reader of the trail (never a secret). */
  detail?: string;
}

/** Who acted, as the trail names them: the Telegram user and, when known, their display name. */
export function auditActor(requester: { userId: number; displayName?: string }): Pick<AuditEntry, 'userId' | 'displayName'> {
  return { userId: requester.userId, ...(requester.displayName !== undefined ? { displayName: requester.displayName } : {}) };
}

export interface AuditRecord extends AuditEntry {
  /** Stream entry id (`<ms>-<seq>`). */
  id: string;
  at: number;
}

export interface AuditLog {
  record(entry: AuditEntry): Promise<void>;
  /** Newest first. */
  recent(count?: number): Promise<AuditRecord[]>;
}

export interface AuditLogOptions {
  redis: Redis;
  logger: Logger;
  /** Key prefix; the stream is `<prefix>:audit`. Default `chatops`. */
  prefix?: string;
  /** Default 30 days. */
  retentionMs?: number;
  now?: () => number;
}

const THIRTY_DAYS_MS = 30 * 24 * 3600_000;

export function createAuditLog(options: AuditLogOptions): AuditLog {
  const { redis } = options;
  const logger = options.logger.child({ module: 'audit-log' });
  const key = `${options.prefix ?? KEY_PREFIX}:audit`;
  const retentionMs = options.retentionMs ?? THIRTY_DAYS_MS;
  const now = options.now ?? Date.now;

  return {
    async record(entry) {
      logger.info({ audit: entry }, `audit ${entry.event} ${entry.outcome}`);
      const fields: string[] = [];
      for (const [name, value] of Object.entries(entry)) {
        if (value !== undefined) fields.push(name, String(value));
      }
      try {
        await redis.xadd(key, 'MINID', '~', String(Math.max(0, now() - retentionMs)), '*', ...fields);
      } catch (error) {
        logger.error({ err: error, audit: entry }, 'audit entry could not be written to Redis');
      }
    },

    async recent(count = 50) {
      const rows = await redis.xrevrange(key, '+', '-', 'COUNT', count);
      return rows.map(([id, flat]) => {
        const raw = fieldsOf(flat);
        const record: AuditRecord = {
          id,
          at: Number(id.split('-')[0]),
          event: raw.event as AuditEvent,
          outcome: raw.outcome ?? '',
        };
        if (raw.userId !== undefined) record.userId = Number(raw.userId);
        if (raw.orderId !== undefined) record.orderId = Number(raw.orderId);
        for (const name of ['displayName', 'intentId', 'clientOrderId', 'symbol', 'detail'] as const) {
          if (raw[name] !== undefined) record[name] = raw[name];
        }
        return record;
      });
    },
  };
}
