/**
 * Lua scripts as named Redis commands: each is registered once per connection with ioredis
 * `defineCommand`, so it is sent by hash (EVALSHA, with one EVAL after a NOSCRIPT), and sits
 * behind a typed function whose reply is parsed, not cast. The Lua of each script lives with the
 * module whose keys it touches.
 *
 * A command defined on a connection is copied into every pipeline and MULTI built on it (as
 * BullMQ's own are), so scripts here are few and callers prefer one script to a MULTI.
 */
import type { ChainableCommander, Redis } from 'ioredis';
import { AppError } from './errors.js';

export type ScriptArg = string | number;

export interface RedisScript<R> {
  readonly name: string;
  /** Runs the script on `redis` with its keys, then its arguments. */
  run(redis: Redis, keys: readonly string[], args: readonly ScriptArg[]): Promise<R>;
  /**
   * Queues the script on a pipeline; read its reply with `parse`. The pipeline must come from a
   * connection the script is installed on (`install` before `redis.pipeline()`).
   */
  queue(pipeline: ChainableCommander, keys: readonly string[], args: readonly ScriptArg[]): void;
  install(redis: Redis): void;
  parse(reply: unknown): R;
}

type Command = (...args: ScriptArg[]) => Promise<unknown>;

/** `name` becomes a method of the connection: keep it unique and out of Redis's own command names. */
export function defineScript<R>(spec: { name: string; keys: number; lua: string; parse: (reply: unknown, name: string) => R }): RedisScript<R> {
  const { name } = spec;
  const install = (redis: Redis) => {
    if (!(name in redis.scriptsSet)) redis.defineCommand(name, { numberOfKeys: spec.keys, lua: spec.lua });
  };
  const commandOf = (target: Redis | ChainableCommander): Command => {
    const command = (target as unknown as Record<string, Command | undefined>)[name];
    if (!command) throw new AppError('INTERNAL', `redis script ${name} is not installed on this pipeline's connection`);
    return command.bind(target);
  };
  const parse = (reply: unknown) => spec.parse(reply, name);
  return {
    name,
    install,
    parse,
    async run(redis, keys, args) {
      install(redis);
      return parse(await commandOf(redis)(...keys, ...args));
    },
    queue(pipeline, keys, args) {
      void commandOf(pipeline)(...keys, ...args);
    },
  };
}

/** The error a parser throws on a reply its script should not give. */
export function unexpected(name: string, reply: unknown): AppError {
  return new AppError('INTERNAL', `redis script ${name} answered ${JSON.stringify(reply)}`);
}

/** 1 → true, 0 → false. */
export function asFlag(reply: unknown, name: string): boolean {
  if (reply === 1 || reply === 0) return reply === 1;
  throw unexpected(name, reply);
}

export function asInteger(reply: unknown, name: string): number {
  if (typeof reply === 'number' && Number.isInteger(reply)) return reply;
  throw unexpected(name, reply);
}

/** A Lua table of strings (a Lua number arrives as an integer: it is kept as its decimal string). */
export function asStrings(reply: unknown, name: string): string[] {
  if (Array.isArray(reply) && reply.every((v) => typeof v === 'string' || typeof v === 'number')) return reply.map(String);
  throw unexpected(name, reply);
}

/** A flat field/value list (HGETALL in a script, a stream entry's fields) as a record. */
export function fieldsOf(flat: readonly string[]): Record<string, string> {
  const fields: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i]!] = flat[i + 1]!;
  return fields;
}

/** A Lua table of field, value, field, value… as a record. */
export function asFields(reply: unknown, name: string): Record<string, string> {
  return fieldsOf(asStrings(reply, name));
}

/** KEYS[1] a lock or lease. ARGV: its holder. Deletes it only while it is still that holder's; 1 when deleted. */
export const DELETE_IF_HELD = defineScript({ name: 'chatopsDeleteIfHeld', keys: 1, parse: asFlag, lua: `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
` });

/** Nothing to read: the script's effect is the answer. */
export function asIgnored(): void {}
