/**
 * User data stream events, validated at the edge (user-data-stream.md, web-socket-api.md
 * "Event format"). Three envelopes reach us:
 *
 * - `{ subscriptionId, event }`: the WebSocket API subscription (`userDataStream.subscribe*`), the
 *   only way since the REST listenKey was removed (BINANCE.md "User data stream");
 * - `{ stream, data }`: the combined-stream wrapper of the retired listenKey streams;
 * - the raw event `{ e, E, … }` of `/ws/<listenKey>`.
 *
 * Connection events arrive in the first shape without a subscriptionId (`serverShutdown`,
 * web-socket-api.md "Connection events"). The retired `outboundAccountInfo` (gone since 2021, still
 * in old captures) is ignored without error; an unknown event type is reported as `ignored` so
 * the caller can log it at debug level, and Binance can add types without breaking us.
 */
import { z } from 'zod';
import { isDecimal } from '../decimal.js';

const decimal = z.string().refine((v) => isDecimal(v), { message: 'not a plain decimal' });
/** balanceUpdate / externalLockUpdate deltas are signed. */
const signedDecimal = z.string().refine((v) => isDecimal(v, { allowNegative: true }), { message: 'not a plain decimal' });
const millis = z.number().int().nonnegative();

/** Execution types (user-data-stream.md "Execution types"); others (futures' CALCULATED) pass as strings. */
export const EXECUTION_TYPES = ['NEW', 'CANCELED', 'REPLACED', 'REJECTED', 'TRADE', 'EXPIRED', 'TRADE_PREVENTION'] as const;

export const executionReportSchema = z.object({
  e: z.literal('executionReport'),
  E: millis,
  s: z.string().min(1),
  /** Client order id; on a cancel, the id of the cancel request (the order's own id is then in `C`). */
  c: z.string(),
  S: z.enum(['BUY', 'SELL']),
  o: z.string().min(1),
  f: z.string(),
  q: decimal,
  p: decimal,
  P: decimal,
  F: decimal.optional(),
  g: z.number().int(),
  C: z.string(),
  x: z.string().min(1),
  X: z.string().min(1),
  /** Reject reason (user-data-stream.md "Order Reject Reason"). */
  r: z.string(),
  i: z.number().int().nonnegative(),
  l: decimal,
  z: decimal,
  L: decimal,
  n: decimal,
  N: z.string().nullable(),
  T: millis,
  t: z.number().int(),
  /** Execution id: unique per symbol, one per event that changes the order. */
  I: z.number().int().nonnegative(),
  w: z.boolean(),
  m: z.boolean(),
  O: millis,
  Z: decimal,
  Y: decimal.optional(),
  Q: decimal.optional(),
  W: millis.optional(),
  V: z.string().optional(),
  /** Expiry reason (user-data-stream.md "Order Expiry Reason"), present on expiries. */
  eR: z.string().optional(),
});

export const accountPositionSchema = z.object({
  e: z.literal('outboundAccountPosition'),
  E: millis,
  /** Time of the last account update: orders updates per asset. */
  u: millis,
  B: z.array(z.object({ a: z.string().min(1), f: decimal, l: decimal })),
});

export const balanceUpdateSchema = z.object({
  e: z.literal('balanceUpdate'),
  E: millis,
  a: z.string().min(1),
  d: signedDecimal,
  T: millis,
});

export const listStatusSchema = z.object({
  e: z.literal('listStatus'),
  E: millis,
  s: z.string().min(1),
  g: z.number().int(),
  c: z.string(),
  l: z.string(),
  L: z.string(),
  r: z.string(),
  C: z.string(),
  T: millis,
  O: z.array(z.object({ s: z.string(), i: z.number().int(), c: z.string() })),
});

export const eventStreamTerminatedSchema = z.object({ e: z.literal('eventStreamTerminated'), E: millis });

export const externalLockUpdateSchema = z.object({
  e: z.literal('externalLockUpdate'),
  E: millis,
  a: z.string().min(1),
  d: signedDecimal,
  T: millis,
});

export type ExecutionReport = z.infer<typeof executionReportSchema>;
export type AccountPosition = z.infer<typeof accountPositionSchema>;
export type BalanceUpdate = z.infer<typeof balanceUpdateSchema>;
export type ListStatus = z.infer<typeof listStatusSchema>;
export type EventStreamTerminated = z.infer<typeof eventStreamTerminatedSchema>;
export type ExternalLockUpdate = z.infer<typeof externalLockUpdateSchema>;

export type UserDataEvent = ExecutionReport | AccountPosition | BalanceUpdate | ListStatus | EventStreamTerminated | ExternalLockUpdate;
export type UserDataEventType = UserDataEvent['e'];

const SCHEMAS: { [K in UserDataEventType]: z.ZodType<Extract<UserDataEvent, { e: K }>> } = {
  executionReport: executionReportSchema,
  outboundAccountPosition: accountPositionSchema,
  balanceUpdate: balanceUpdateSchema,
  listStatus: listStatusSchema,
  eventStreamTerminated: eventStreamTerminatedSchema,
  externalLockUpdate: externalLockUpdateSchema,
};

/** Event types Binance retired that old captures and old servers still send: dropped quietly. */
const RETIRED = new Set(['outboundAccountInfo', 'listenKeyExpired']);

export type UserDataFrame =
  /** A validated event; `subscriptionId` when it came through the WebSocket API subscription. */
  | { kind: 'event'; event: UserDataEvent; subscriptionId?: number }
  /** The server is about to close this connection: reconnect at once (web-socket-api.md "Server Shutdown"). */
  | { kind: 'server-shutdown'; at: number }
  /** A retired or unknown event type: nothing to do. */
  | { kind: 'ignored'; eventType: string; reason: 'retired' | 'unknown' }
  /** Not a user data event we can trust (a known type that fails validation, or no event at all). */
  | { kind: 'invalid'; eventType?: string; reason: string };

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Unwraps any of the three envelopes and validates the event inside. Never throws. */
export function parseUserDataFrame(frame: unknown): UserDataFrame {
  if (!isRecord(frame)) return { kind: 'invalid', reason: 'not a JSON object' };
  let body: unknown = frame;
  let subscriptionId: number | undefined;
  if (isRecord(frame.event)) {
    body = frame.event;
    if (typeof frame.subscriptionId === 'number') subscriptionId = frame.subscriptionId;
  } else if (typeof frame.stream === 'string' && isRecord(frame.data)) {
    body = frame.data;
  }
  if (!isRecord(body) || typeof body.e !== 'string') return { kind: 'invalid', reason: 'no event type' };
  const type = body.e;
  if (type === 'serverShutdown') return { kind: 'server-shutdown', at: typeof body.E === 'number' ? body.E : 0 };
  if (RETIRED.has(type)) return { kind: 'ignored', eventType: type, reason: 'retired' };
  const schema = (SCHEMAS as Record<string, z.ZodType<UserDataEvent>>)[type];
  if (schema === undefined) return { kind: 'ignored', eventType: type, reason: 'unknown' };
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { kind: 'invalid', eventType: type, reason: issue ? `${issue.path.join('.') || '(event)'}: ${issue.message}` : 'invalid' };
  }
  return subscriptionId === undefined ? { kind: 'event', event: parsed.data } : { kind: 'event', event: parsed.data, subscriptionId };
}

/** The client order id of the order itself: a cancel event carries the cancel request's id in `c`. */
export function orderClientId(report: Pick<ExecutionReport, 'c' | 'C'>): string {
  return report.C !== '' ? report.C : report.c;
}
