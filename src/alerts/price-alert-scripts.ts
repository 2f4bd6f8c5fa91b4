/**
 * The Lua scripts of the price alert store (price-alert-store.ts): each write that touches more
 * than one of its keys in one step, so the alert, the user's list, the changes stream and the
 * outbox never disagree. The FIRE compare-and-set on the alert's generation is what makes a fire
 * claimed exactly once however many workers evaluate it.
 */
import { asFlag, asStrings, defineScript, unexpected } from '../redis-scripts.js';

export type FireResult = 'claimed' | 'stale' | 'gone';

function asFireResult(reply: unknown, name: string): FireResult {
  if (reply === 'claimed' || reply === 'stale' || reply === 'gone') return reply;
  throw unexpected(name, reply);
}

/** `['created', alert JSON]` or `['limit', count]`. */
function asCreateReply(reply: unknown, name: string): ['created' | 'limit', string] {
  const [status, payload, ...rest] = asStrings(reply, name);
  if ((status === 'created' || status === 'limit') && payload !== undefined && rest.length === 0) return [status, payload];
  throw unexpected(name, reply);
}

// KEYS: alerts, user set, seq, changes. ARGV: limit, alert JSON (id filled here), createdAt, maxlen.
export const CREATE = defineScript({ name: 'priceAlertCreate', keys: 4, parse: asCreateReply, lua: `
local count = redis.call('ZCARD', KEYS[2])
if count >= tonumber(ARGV[1]) then return {'limit', tostring(count)} end
local id = tostring(redis.call('INCR', KEYS[3]))
local alert = cjson.decode(ARGV[2])
alert['id'] = id
local json = cjson.encode(alert)
redis.call('HSET', KEYS[1], id, json)
redis.call('ZADD', KEYS[2], ARGV[3], id)
redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[4], '*', 'op', 'add', 'id', id)
return {'created', json}
` });

// KEYS: alerts, user set, changes. ARGV: user id, maxlen, ids… Removes the user's own alerts; returns their JSON.
export const REMOVE = defineScript({ name: 'priceAlertRemove', keys: 3, parse: asStrings, lua: `
local removed = {}
for i = 3, #ARGV do
  local json = redis.call('HGET', KEYS[1], ARGV[i])
  if json and redis.call('ZSCORE', KEYS[2], ARGV[i]) then
    redis.call('HDEL', KEYS[1], ARGV[i])
    redis.call('ZREM', KEYS[2], ARGV[i])
    redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[2], '*', 'op', 'del', 'id', ARGV[i])
    removed[#removed + 1] = json
  end
end
return removed
` });

// KEYS: alerts, user set, changes, outbox. ARGV: id, expected gen, close time ('' for price
// alerts), mode ('remove' | 'disarm' | 'rearm'), at, claim id, job JSON, maxlen.
// 'claimed' | 'stale' | 'gone'.
export const FIRE = defineScript({ name: 'priceAlertFire', keys: 4, parse: asFireResult, lua: `
local json = redis.call('HGET', KEYS[1], ARGV[1])
if not json then return 'gone' end
local alert = cjson.decode(json)
if tostring(alert['gen']) ~= ARGV[2] or alert['armed'] ~= true then return 'stale' end
if ARGV[3] ~= '' and alert['lastClose'] and tonumber(alert['lastClose']) >= tonumber(ARGV[3]) then return 'stale' end
if ARGV[4] == 'remove' then
  redis.call('HDEL', KEYS[1], ARGV[1])
  redis.call('ZREM', KEYS[2], ARGV[1])
  redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[8], '*', 'op', 'del', 'id', ARGV[1])
else
  alert['gen'] = alert['gen'] + 1
  alert['armed'] = (ARGV[4] == 'rearm')
  alert['armedAt'] = tonumber(ARGV[5])
  alert['lastFiredAt'] = tonumber(ARGV[5])
  if ARGV[3] ~= '' then alert['lastClose'] = tonumber(ARGV[3]) end
  redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(alert))
  redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[8], '*', 'op', 'upd', 'id', ARGV[1])
end
redis.call('HSET', KEYS[4], ARGV[6], ARGV[7])
return 'claimed'
` });

// KEYS: alerts, changes. ARGV: id, expected gen, at, maxlen. 1 when re-armed.
export const REARM = defineScript({ name: 'priceAlertRearm', keys: 2, parse: asFlag, lua: `
local json = redis.call('HGET', KEYS[1], ARGV[1])
if not json then return 0 end
local alert = cjson.decode(json)
if tostring(alert['gen']) ~= ARGV[2] or alert['armed'] == true then return 0 end
alert['armed'] = true
alert['armedAt'] = tonumber(ARGV[3])
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(alert))
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[4], '*', 'op', 'upd', 'id', ARGV[1])
return 1
` });
