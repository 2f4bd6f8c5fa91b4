/**
 * Per-user alert settings (DESIGN.md §2 `/alerts`, §8 "each with their own alert settings"):
 * each kind of push alert is on, silent (delivered with `disable_notification`, so the phone
 * does not ring) or off (not sent). Stored in Redis as one hash per user; a kind never set is on.
 *
 * Card edits (`category: 'order'`) answer something the trader just did and are never muted.
 */
import type { Redis } from 'ioredis';
import type { AlertJob } from '../trading/types.js';
import { KEY_PREFIX } from '../redis.js';

export const ALERT_KINDS = ['fills', 'stops', 'errors', 'system'] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

export const ALERT_MODES = ['on', 'silent', 'off'] as const;
export type AlertMode = (typeof ALERT_MODES)[number];

export type AlertPreferences = Record<AlertKind, AlertMode>;

export const ALERT_KIND_LABELS: Record<AlertKind, string> = {
  fills: 'Fills and order updates',
  stops: 'Stop moves',
  errors: 'Order errors',
  system: 'System',
};

/** Which setting governs an alert category; undefined: always delivered with sound. */
export function kindOfCategory(category: AlertJob['category']): AlertKind | undefined {
  switch (category) {
    case 'fill':
      return 'fills';
    case 'stop':
      return 'stops';
    case 'error':
      return 'errors';
    case 'system':
      return 'system';
    case 'order':
      return undefined;
    // A price alert is one the trader set themselves (/alert): it rings; /alert off removes it.
    case 'price':
      return undefined;
  }
}

export interface AlertSettingsResolver {
  /** How an alert of `category` reaches `userId`: on, silent or off. */
  resolve(userId: number, category: AlertJob['category']): Promise<AlertMode>;
}

export interface AlertSettings extends AlertSettingsResolver {
  get(userId: number): Promise<AlertPreferences>;
  set(userId: number, kind: AlertKind, mode: AlertMode): Promise<AlertPreferences>;
}

export const isAlertKind = (v: string): v is AlertKind => (ALERT_KINDS as readonly string[]).includes(v);
export const isAlertMode = (v: string): v is AlertMode => (ALERT_MODES as readonly string[]).includes(v);

export function createAlertSettings(options: { redis: Redis; prefix?: string }): AlertSettings {
  const { redis } = options;
  const prefix = options.prefix ?? KEY_PREFIX;
  const key = (userId: number) => `${prefix}:alert-settings:${userId}`;

  async function get(userId: number): Promise<AlertPreferences> {
    const stored = await redis.hgetall(key(userId));
    const prefs = {} as AlertPreferences;
    for (const kind of ALERT_KINDS) {
      const value = stored[kind];
      prefs[kind] = value !== undefined && isAlertMode(value) ? value : 'on';
    }
    return prefs;
  }

  return {
    get,
    async set(userId, kind, mode) {
      await redis.hset(key(userId), kind, mode);
      return get(userId);
    },
    async resolve(userId, category) {
      const kind = kindOfCategory(category);
      if (kind === undefined) return 'on';
      const value = await redis.hget(key(userId), kind);
      return value !== null && isAlertMode(value) ? value : 'on';
    },
  };
}
