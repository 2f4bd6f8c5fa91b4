/**
 * What a feature is: one file per command group (src/bot/features/*.ts) holding its commands'
 * table rows (/help, setMyCommands, usage errors), its buttons' callback-data schema and the
 * handlers of both. The registry (features/index.ts) lists the features; create-bot.ts,
 * command-table.ts and callback-data.ts read it.
 *
 * A feature module must not import command-table.ts or create-bot.ts, nor read the registry while
 * it is evaluated: the registry imports every feature, and a cycle would meet a feature not yet
 * evaluated. /help and the fallback get the command table through FeatureEnv instead.
 */
import type { Composer, Context } from 'grammy';
import type { KlineInterval } from '../../binance/types.js';
import type { TickerCache } from '../../market/ticker-cache.js';
import type { BotDeps } from '../bot-deps.js';
import type { CallbackResult } from '../callback-router.js';
import type { CancelConfirmations } from '../cancel-confirmations.js';

export interface CommandSpec {
  /** Without the slash, lower case: Telegram only accepts [a-z0-9_]{1,32}. */
  name: string;
  /** One line for the command menu (Telegram: 1–256 characters). */
  description: string;
  /** `/buy SYMBOL AMOUNT [PRICE]`. */
  usage: string;
  /** A command that works as typed. */
  example: string;
  /** Plain-text lines /help COMMAND shows under the usage. */
  details: string[];
}

/** The interval /ta, /fractals and /stop … fractal use when none is given. */
export const DEFAULT_INTERVAL = '4h' satisfies KlineInterval;

/** Telegram caps callback data at 64 bytes (core.telegram.org/bots/api#inlinekeyboardbutton). */
export const CALLBACK_DATA_MAX_BYTES = 64;

/** What a feature's handlers are built from. */
export interface FeatureEnv {
  deps: BotDeps;
  /** One all-symbols ticker for /balance, /top and their buttons. */
  tickers: TickerCache;
  /** Multi-order /cancel confirmations. */
  confirmations: CancelConfirmations;
  /** The command table, for /help and the unknown-command fallback. */
  commands: readonly CommandSpec[];
}

export interface ButtonAction {
  kind: string;
}

/**
 * A feature's buttons: `<prefix>:<field>…`, where a prefix is the data's first field (`k`) or
 * first two (`r:o`). Prefixes are unique across features (the registry checks).
 */
export interface ButtonSchema<A extends ButtonAction> {
  prefixes: readonly string[];
  kinds: readonly A['kind'][];
  /** The data for a button; throws RangeError on a value that could not round-trip. */
  encode(action: A): string;
  /** `fields` are those after the prefix; `data` is the whole string. Undefined: refuse. */
  decode(prefix: string, fields: readonly string[], data: string): A | undefined;
}

export type ButtonHandler<A extends ButtonAction> = (ctx: Context, action: A) => Promise<CallbackResult>;
export type ButtonHandlers<A extends ButtonAction> = { [K in A['kind']]: ButtonHandler<Extract<A, { kind: K }>> };

export interface Feature<A extends ButtonAction = never> {
  /** The file's name under features/, for the docs and logs. */
  name: string;
  /** Its rows of the command table, in /help order. */
  commands: readonly CommandSpec[];
  /** Registers its commands (`composer.command(…)`). */
  composer(env: FeatureEnv): Composer<Context>;
  buttons?: ButtonSchema<A>;
  /** One handler per button kind; the router (callback-router.ts) answers every press. */
  handlers?(env: FeatureEnv): ButtonHandlers<A>;
}

export const byteLength = (text: string): number => Buffer.byteLength(text, 'utf8');

export const ID_RE = /^[A-Za-z0-9_-]{1,40}$/;
/** Binance symbols are upper-case letters and digits, and since 2025 also non-Latin letters. */
export const SYMBOL_RE = /^[\p{Lu}\p{Lo}\p{Nd}]{1,20}$/u;
const UINT_RE = /^(0|[1-9]\d{0,18})$/;

export function safeInteger(text: string | undefined): number | undefined {
  if (text === undefined || !UINT_RE.test(text)) return undefined;
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : undefined;
}

export function assertId(id: string, what: string): void {
  if (!ID_RE.test(id)) throw new RangeError(`${what} must match ${ID_RE} to fit in callback data`);
}

export function assertUint(value: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${what} must be a non-negative safe integer`);
}

/** Splits data into a prefix of `prefixes` and the fields after it; undefined when none matches. */
export function splitData(data: string, prefixes: ReadonlySet<string>): { prefix: string; fields: string[] } | undefined {
  const parts = data.split(':');
  const two = parts.length >= 2 ? `${parts[0]}:${parts[1]}` : undefined;
  if (two !== undefined && prefixes.has(two)) return { prefix: two, fields: parts.slice(2) };
  if (prefixes.has(parts[0]!)) return { prefix: parts[0]!, fields: parts.slice(1) };
  return undefined;
}

/**
 * A schema whose encode is checked: at most 64 bytes, and decoding back to the same kind, so the
 * bot never sends a button it would refuse when pressed.
 */
export function defineButtons<A extends ButtonAction>(schema: ButtonSchema<A>): ButtonSchema<A> {
  const prefixes = new Set(schema.prefixes);
  return {
    ...schema,
    encode(action) {
      const data = schema.encode(action);
      if (byteLength(data) > CALLBACK_DATA_MAX_BYTES) throw new RangeError(`callback data over ${CALLBACK_DATA_MAX_BYTES} bytes`);
      const split = splitData(data, prefixes);
      if (!split || schema.decode(split.prefix, split.fields, data)?.kind !== action.kind) throw new RangeError(`callback data "${data}" would not decode`);
      return data;
    },
  };
}

export function defineFeature<A extends ButtonAction = never>(feature: Feature<A>): Feature<A> {
  return feature;
}

/** `/BUY`, `buy` → the row for buy, whatever the case and slash. */
export function findCommandIn(commands: readonly CommandSpec[], name: string): CommandSpec | undefined {
  const wanted = name.replace(/^\//, '').toLowerCase();
  return commands.find((c) => c.name === wanted);
}
