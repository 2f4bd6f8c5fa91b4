/**
 * Order updates → order records → alerts (DESIGN.md §6), for live `executionReport`s and for
 * the orders reconciliation finds changed after a gap (stream-gap-recovery.ts). Both go through
 * `applyOrderUpdate`, so both obey the same exactly-once rules (alert-ledger.ts):
 *
 * - a fill alert reports the executed quantity not yet reported for the order (its cumulative
 *   `z` minus the order's mark). Live, that is exactly the event's last quantity `l` at price `L`,
 *   and the alert key carries the execution id `I`; after a gap it is everything that executed
 *   meanwhile, at its average price, keyed by the cumulative quantity. A replayed event, a late
 *   event for an execution reconciliation already reported, a duplicate from an overlapping
 *   connection: none of them moves the mark, so none alerts again;
 * - a cancel, expiry or rejection alerts once per order (the mark's final status);
 * - every alert is claimed (execution id SET NX + mark compare-and-set + outbox) before it is
 *   enqueued, and the AlertJob key (BullMQ job id) is the claim's, so a retried job dedups too.
 *
 * Who is told: the chat on the order record; when the event beats the order worker's record, the
 * record is awaited a moment (it says what the card already shows), else the intent's chat; an
 * order placed outside the bot goes to every allowed user's private chat (chat id = user id).
 * What the chat already saw (the card's placement fills, a /cancel answer or the /orders list
 * edited after a Cancel, a stop move) is not pushed again.
 */
import type { Redis } from 'ioredis';
import { div, gt, isPositive, normalize, sub } from '../decimal.js';
import type { Logger } from '../logger.js';
import type { OrderStatus, SymbolInfo } from '../binance/types.js';
import type { ExecutionReport } from '../binance/user-data-events.js';
import { clientOrderIdOf, type IntentStore } from '../trading/intent-store.js';
import type { OrderRecord, OrderRecords } from '../trading/orders/order-records.js';
import type { AlertJob, AlertSink } from '../trading/types.js';
import { createAlertLedger, type AlertLedger, type OrderMark } from './alert-ledger.js';
import { endAlertText, fillAlertText, type EndKind, type OrderFacts } from './order-alert-text.js';
import { updateFromReport, type OrderUpdate } from './order-update.js';
import { KEY_PREFIX } from '../redis.js';
import { sleep } from '../sleep.js';

export { updateFromOrder, updateFromReport, type OrderUpdate } from './order-update.js';

export interface ApplyOptions {
  /** `live`: from the stream; `reconcile`: found over REST after a gap (the text says so). */
  mode: 'live' | 'reconcile';
  /**
   * Reconcile only: an order never seen before whose last change is older than this is old news
   * (it happened before we listened): its state is recorded without an alert. Infinity on the
   * very first start, so a new deployment does not replay the account's history.
   */
  silentIfUnseenBefore?: number;
}

export interface ExecutionAlertsDeps {
  redis: Redis;
  /** Key prefix. Default `chatops`. */
  prefix?: string;
  records: OrderRecords;
  /** Resolves the owner when an event arrives before the order worker saved the record. */
  intents?: Pick<IntentStore, 'get'>;
  alerts: AlertSink;
  /** TELEGRAM_ALLOWED_USERS: who hears about orders placed outside the bot. */
  allowedUsers: readonly number[];
  /**
   * How long an event for an order the bot is placing right now (its intent exists, its record
   * not yet) waits for the order worker's record. Default 3 000 ms.
   */
  recordWaitMs?: number;
  /** Symbol rules for display precision and asset names (the exchange-info cache). */
  symbols?: { symbol(name: string): Promise<SymbolInfo | undefined> };
  logger: Logger;
  ledger?: AlertLedger;
  now?: () => number;
}

export interface ExecutionAlerts {
  readonly ledger: AlertLedger;
  onExecutionReport(report: ExecutionReport): Promise<void>;
  /** One order's current state: record, claim and enqueue whatever is not yet reported. */
  applyOrderUpdate(update: OrderUpdate, options: ApplyOptions): Promise<void>;
  /** Enqueues claimed alerts a crash left in the outbox. */
  flushOutbox(): Promise<number>;
}

const OPEN_STATUSES = new Set(['NEW', 'PARTIALLY_FILLED', 'PENDING_NEW', 'PENDING_CANCEL']);
const END_STATUSES = new Set<string>(['CANCELED', 'EXPIRED', 'EXPIRED_IN_MATCH', 'REJECTED']);
const FINAL_STATUSES = new Set<string>([...END_STATUSES, 'FILLED']);
const MAX_CLAIM_ATTEMPTS = 8;
const INTENT_PREFIX = clientOrderIdOf('');

interface Owner {
  /** Where the owner came from: the order record, an intent whose record never came, or nobody (placed outside the bot). */
  via: 'record' | 'intent' | 'allowed-users';
  record?: OrderRecord;
  targets: Array<{ chatId: number; userId: number }>;
  /** The bot cancelled the order for a trader it answered in the chat. */
  cancelledHere?: boolean;
}

export function createExecutionAlerts(deps: ExecutionAlertsDeps): ExecutionAlerts {
  const prefix = deps.prefix ?? KEY_PREFIX;
  const now = deps.now ?? Date.now;
  const log = deps.logger.child({ module: 'execution-alerts' });
  const ledger = deps.ledger ?? createAlertLedger({ redis: deps.redis, prefix, now });

  async function ownerOf(clientOrderId: string): Promise<Owner> {
    const record = clientOrderId === '' ? undefined : await deps.records.get(clientOrderId);
    if (record) return { via: 'record', record, targets: [{ chatId: record.chatId, userId: record.userId }] };
    if (deps.intents && clientOrderId.startsWith(INTENT_PREFIX)) {
      const stored = await deps.intents.get(clientOrderId.slice(INTENT_PREFIX.length)).catch(() => undefined);
      if (stored) {
        // The event beat the order worker, which saves the record as soon as the exchange answers:
        // wait for it (bounded), since it says what the card shows. Without it, push to the intent's chat.
        const late = await waitForRecord(clientOrderId);
        if (late) return { via: 'record', record: late, targets: [{ chatId: late.chatId, userId: late.userId }] };
        return { via: 'intent', targets: [{ chatId: stored.intent.chatId, userId: stored.intent.userId }] };
      }
    }
    return { via: 'allowed-users', targets: deps.allowedUsers.map((id) => ({ chatId: id, userId: id })) };
  }

  async function waitForRecord(clientOrderId: string): Promise<OrderRecord | undefined> {
    const deadline = now() + (deps.recordWaitMs ?? 3_000);
    while (now() < deadline) {
      await sleep(25);
      const record = await deps.records.get(clientOrderId);
      if (record) return record;
    }
    return undefined;
  }

  /**
   * What the trader already saw in the chat, so a push would only repeat it: a record already at
   * this executed quantity or status was shown by the order's card (the worker saves the record
   * with the placement's answer and edits the card with it) or by a command's answer (/cancel);
   * a managed stop's cancel with `replacedBy` is a stop move, which the stop manager reports
   * itself. Silenced news still advances the mark: it is never pushed later.
   */
  function alreadyShown(owner: Owner, u: OrderUpdate): { fill: boolean; end: boolean } {
    const r = owner.record;
    if (!r) return { fill: false, end: owner.cancelledHere === true };
    return {
      fill: !gt(normalize(u.executedQty), normalize(r.executedQty)),
      end: r.status === u.status || (u.status === 'CANCELED' && (r.replacedBy !== undefined || owner.cancelledHere === true)),
    };
  }

  /** Status, executed quantity and quote value on the record; never backwards. */
  async function updateRecord(record: OrderRecord, u: OrderUpdate): Promise<void> {
    if (gt(record.executedQty, u.executedQty)) return;
    if (FINAL_STATUSES.has(record.status) && !FINAL_STATUSES.has(u.status)) return;
    if (record.status === u.status && record.executedQty === u.executedQty && record.cummulativeQuoteQty === u.cumulativeQuote) return;
    await deps.records.save({
      ...record,
      status: u.status as OrderStatus,
      executedQty: u.executedQty,
      cummulativeQuoteQty: u.cumulativeQuote,
      updatedAt: now(),
    });
  }

  function plan(u: OrderUpdate, mark: OrderMark) {
    const unreported = sub(normalize(u.executedQty), mark.filled);
    const fill = isPositive(unreported) ? { qty: u.executedQty, quote: u.cumulativeQuote, delta: unreported } : undefined;
    const final = FINAL_STATUSES.has(u.status) && mark.final === undefined ? u.status : undefined;
    const end = final !== undefined && END_STATUSES.has(final) ? (final as EndKind) : undefined;
    return { fill, end, final };
  }

  async function buildJobs(u: OrderUpdate, p: ReturnType<typeof plan>, mark: OrderMark, mode: 'live' | 'reconcile' | 'silent', claimKey: string, owner: Owner) {
    const { record, targets } = owner;
    const shown = alreadyShown(owner, u);
    const info = await deps.symbols?.symbol(u.symbol).catch(() => undefined);
    const facts: OrderFacts = { ...u, external: owner.via === 'allowed-users' };
    const texts: Array<{ text: string; category: AlertJob['category']; tag: string }> = [];
    if (p.fill && mode !== 'silent' && !shown.fill) {
      const exact = u.execution !== undefined && normalize(u.execution.lastQty) === p.fill.delta;
      const price = exact ? u.execution!.lastPrice : averagePrice(sub(u.cumulativeQuote, mark.quote), p.fill.delta);
      const entryPrice = record?.entryPrice;
      const text = fillAlertText(
        facts,
        {
          qty: p.fill.delta,
          price,
          cumulativeQuote: u.cumulativeQuote,
          ...(exact && u.execution!.commissionAsset ? { commission: { amount: u.execution!.commission, asset: u.execution!.commissionAsset } } : {}),
          ...(entryPrice !== undefined && !gt(u.origQty, u.executedQty) ? { entryPrice } : {}),
          ...(record?.leg !== undefined ? { leg: record.leg } : {}),
          ...(record?.riskPerUnit !== undefined ? { riskPerUnit: record.riskPerUnit } : {}),
          reconciled: mode === 'reconcile',
        },
        info,
      );
      texts.push({ text, category: 'fill', tag: 'fill' });
    }
    if (p.end && mode !== 'silent' && !shown.end) {
      const exec = u.execution;
      const text = endAlertText(
        facts,
        {
          status: p.end,
          ...(exec?.expiryReason !== undefined ? { expiryReason: exec.expiryReason } : {}),
          ...(exec && p.end === 'REJECTED' ? { rejectReason: exec.rejectReason } : {}),
          ...(record?.leg !== undefined ? { leg: record.leg } : {}),
          reconciled: mode === 'reconcile',
        },
        info,
      );
      texts.push({ text, category: p.end === 'REJECTED' ? 'error' : 'fill', tag: p.end.toLowerCase() });
    }
    const jobs: AlertJob[] = [];
    for (const { text, category, tag } of texts) {
      for (const t of targets) jobs.push({ key: `${tag}-${claimKey}-c${t.chatId}`, chatId: t.chatId, userId: t.userId, text, category });
    }
    return jobs;
  }

  async function enqueueClaimed(claimId: string, jobs: AlertJob[]): Promise<void> {
    for (const job of jobs) await deps.alerts.enqueue(job);
    await ledger.settleOutbox(claimId);
  }

  async function applyOrderUpdate(u: OrderUpdate, options: ApplyOptions): Promise<void> {
    // The mark comes with the notes; the claim compares and sets it, so reading it this early
    // only ever costs a re-read (`stale`), never a wrong claim.
    const mark = await ledger.noteUpdate({ symbol: u.symbol, orderId: u.orderId, clientOrderId: u.clientOrderId }, OPEN_STATUSES.has(u.status), now());
    // Read once, before this update touches the record: it tells what the chat has already seen.
    const owner = await ownerOf(u.clientOrderId);
    // Cancelled through the bot (/cancel, the /orders buttons): that answer is the one message.
    if (u.status === 'CANCELED' && (await deps.records.isCancelling(u.symbol, u.orderId))) owner.cancelledHere = true;
    await claimAndEnqueue(u, options, owner, mark);
    // Only once the alerts are safe: a record ahead of them would read as "already shown".
    if (owner.record) await updateRecord(owner.record, u);
  }

  async function claimAndEnqueue(u: OrderUpdate, options: ApplyOptions, owner: Owner, first: OrderMark): Promise<void> {
    for (let attempt = 0; attempt < MAX_CLAIM_ATTEMPTS; attempt++) {
      const mark = attempt === 0 ? first : await ledger.readMark(u.symbol, u.orderId);
      const p = plan(u, mark);
      if (!p.fill && !p.final) return;
      const silent = options.mode === 'reconcile' && !mark.known && u.time < (options.silentIfUnseenBefore ?? -Infinity);
      const exec = options.mode === 'live' ? u.execution : undefined;
      // The key names what is reported: the execution id live, the cumulative state after a gap.
      const claimKey = exec ? `${u.symbol}-${u.orderId}-x${exec.id}` : `${u.symbol}-${u.orderId}-z${normalize(u.executedQty)}-${u.status}`;
      const jobs = await buildJobs(u, p, mark, silent ? 'silent' : options.mode, claimKey, owner);
      const result = await ledger.claim({
        symbol: u.symbol,
        orderId: u.orderId,
        mark,
        ...(exec ? { executionId: exec.id } : {}),
        ...(p.fill ? { filled: { qty: p.fill.qty, quote: p.fill.quote } } : {}),
        ...(p.final ? { final: p.final } : {}),
        claimId: claimKey,
        jobs,
      });
      if (result === 'duplicate') {
        log.debug({ symbol: u.symbol, orderId: u.orderId, executionId: exec?.id }, 'execution already handled');
        return;
      }
      if (result === 'stale') continue;
      if (jobs.length > 0) {
        log.info({ symbol: u.symbol, orderId: u.orderId, status: u.status, mode: options.mode, alerts: jobs.length }, 'order alert claimed');
        await enqueueClaimed(claimKey, jobs);
      }
      return;
    }
    throw new Error(`order ${u.symbol} ${u.orderId}: the alert mark kept moving; giving up after ${MAX_CLAIM_ATTEMPTS} attempts`);
  }

  return {
    ledger,
    applyOrderUpdate,
    async onExecutionReport(report) {
      await applyOrderUpdate(updateFromReport(report), { mode: 'live' });
    },
    async flushOutbox() {
      const pending = await ledger.pendingOutbox();
      for (const [claimId, jobs] of pending) {
        log.warn({ claimId, alerts: jobs.length }, 'enqueuing alerts left claimed by an earlier run');
        await enqueueClaimed(claimId, jobs);
      }
      return pending.size;
    },
  };
}

/** Average price of what a gap executed; display only (12 decimals, the text rounds to the tick). */
function averagePrice(quote: string, qty: string): string {
  if (!isPositive(qty) || quote.startsWith('-')) return '0';
  return normalize(div(quote, qty, 12));
}
