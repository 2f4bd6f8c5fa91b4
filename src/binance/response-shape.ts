/**
 * The checks every response parser is built from (response-parsers.ts, market-data-parsers.ts):
 * each asserts one field and throws ResponseShapeError naming it, so a failure says where the
 * body went wrong. The REST client turns that error into EXCHANGE_BAD_RESPONSE.
 */
export class ResponseShapeError extends Error {
  override readonly name = 'ResponseShapeError';
  constructor(readonly field: string) {
    super(`unexpected response shape at ${field}`);
  }
}

export type Obj = Record<string, unknown>;

// Binance sends prices and quantities as plain decimals; price changes may be negative.
export const DECIMAL = /^-?\d+(\.\d+)?$/;

export function obj(value: unknown, at: string): Obj {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ResponseShapeError(at);
  return value as Obj;
}

export function arr(value: unknown, at: string): unknown[] {
  if (!Array.isArray(value)) throw new ResponseShapeError(at);
  return value;
}

export function str(o: Obj, key: string, at: string): void {
  if (typeof o[key] !== 'string') throw new ResponseShapeError(`${at}.${key}`);
}

export function dec(o: Obj, key: string, at: string): void {
  const v = o[key];
  if (typeof v !== 'string' || !DECIMAL.test(v)) throw new ResponseShapeError(`${at}.${key}`);
}

export function optDec(o: Obj, key: string, at: string): void {
  if (o[key] !== undefined) dec(o, key, at);
}

export function num(o: Obj, key: string, at: string): void {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ResponseShapeError(`${at}.${key}`);
}

export function bool(o: Obj, key: string, at: string): void {
  if (typeof o[key] !== 'boolean') throw new ResponseShapeError(`${at}.${key}`);
}

export function oneOf(o: Obj, key: string, allowed: ReadonlySet<string>, at: string): void {
  const v = o[key];
  if (typeof v !== 'string' || !allowed.has(v)) throw new ResponseShapeError(`${at}.${key}`);
}

/** A JSON array whose every entry passes `parseOne` (which names the entry `body[i]`). */
export function list<T>(json: unknown, parseOne: (entry: unknown, at: string) => unknown): T[] {
  const entries = arr(json, 'body');
  for (let i = 0; i < entries.length; i++) parseOne(entries[i], `body[${i}]`);
  return entries as T[];
}
