/**
 * A position whose exits were refused after its MARKET entry filled (DESIGN.md §5b): the card
 * offers [Retry protection] and [Sell now]. The worker remembers which attempt was refused; the
 * buttons carry the next attempt's number, so a double tap (or a replayed callback) adds one job
 * (its id is per attempt) and a tap on an old card's button is refused once a newer attempt ran.
 */
import type { Redis } from 'ioredis';

export const PROTECT_PREFIX = 'bk';

/** `bk:r:<intentId>:<attempt>` Retry protection, `bk:s:<intentId>:<attempt>` Sell now (≤ 64 bytes). */
export function bracketButtons(intentId: string, attempt: number): Array<Array<{ text: string; data: string }>> {
  return [
    [
      { text: '🛡 Retry protection', data: `${PROTECT_PREFIX}:r:${intentId}:${attempt}` },
      { text: '🔻 Sell now', data: `${PROTECT_PREFIX}:s:${intentId}:${attempt}` },
    ],
  ];
}

export interface UnprotectedState {
  symbol: string;
  /** The attempt that was refused (0: the job of the Confirm). */
  attempt: number;
}

const key = (prefix: string, intentId: string) => `${prefix}:bracket-unprotected:${intentId}`;
const TTL_MS = 30 * 24 * 3600_000;

export async function saveUnprotected(redis: Redis, prefix: string, intentId: string, state: UnprotectedState): Promise<void> {
  await redis.set(key(prefix, intentId), JSON.stringify(state), 'PX', TTL_MS);
}

export async function readUnprotected(redis: Redis, prefix: string, intentId: string): Promise<UnprotectedState | undefined> {
  const json = await redis.get(key(prefix, intentId));
  return json ? (JSON.parse(json) as UnprotectedState) : undefined;
}

// KEYS: state. ARGV: the attempt the button was made for (refused attempt + 1). Claims it once:
// the stored attempt moves past it, so the same button, or an older one, cannot claim again.
const CLAIM = `
local json = redis.call('GET', KEYS[1])
if not json then return 0 end
local state = cjson.decode(json)
if tonumber(state.attempt) + 1 ~= tonumber(ARGV[1]) then return 0 end
state.attempt = tonumber(ARGV[1])
state.claimed = true
redis.call('SET', KEYS[1], cjson.encode(state), 'KEEPTTL')
return 1
`;

/** True for the one tap that may act on this attempt (Retry or Sell, not both). */
export async function claimUnprotected(redis: Redis, prefix: string, intentId: string, attempt: number): Promise<boolean> {
  return (await redis.eval(CLAIM, 1, key(prefix, intentId), String(attempt))) === 1;
}
