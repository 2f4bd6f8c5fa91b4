/**
 * The order card's revision ladder (DESIGN.md §2, §6): every state a confirmation card shows has a
 * rank, and an edit never replaces a later state with an earlier one. The bot's "queued" edit after
 * Confirm, the order worker's placed/partly filled/final edits (sent through the alerts queue as
 * AlertJob.revision) and the alerts worker all claim ranks here, so a late retry or a slow request
 * cannot roll a card back.
 */
import { GrammyError, type Api } from 'grammy';
import type { Redis } from 'ioredis';
import type { Order } from '../../binance/types.js';
import { asFlag, defineScript } from '../../redis-scripts.js';

/**
 * Card edit ranks, higher is later: queued (the bot, after Confirm), placed, partly filled, final;
 * then a MARKET entry's exits (src/trading/brackets/), placed or refused after the fill, and a
 * later attempt at them (each retry one rank up).
 */
export const CARD_REVISION = { queued: 1, placed: 2, partial: 3, final: 4, protection: 5 } as const;

/** The rank of the card that shows an order in this status. */
export function cardRevisionOf(order: Pick<Order, 'status'>): number {
  return order.status === 'NEW' ? CARD_REVISION.placed : order.status === 'PARTIALLY_FILLED' ? CARD_REVISION.partial : CARD_REVISION.final;
}

// KEYS[1] revision key, KEYS[2] the claimed edit. ARGV: revision, ttl ms, edit JSON (absent: the
// revision alone is claimed).
// 0 when a later revision was already applied.
const CLAIM_REVISION = defineScript({ name: 'chatopsCardRevisionClaim', keys: 2, parse: asFlag, lua: `
local current = tonumber(redis.call('GET', KEYS[1]) or '-1')
if current > tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
if ARGV[3] then redis.call('SET', KEYS[2], ARGV[3], 'PX', ARGV[2]) end
return 1
` });

/** What a claimed card edit shows, kept with its revision so a later landing can put it back. */
export interface ClaimedEdit {
  revision: number;
  text: string;
  markup?: { inline_keyboard: Array<Array<{ text: string; callback_data: string }>> };
}

const REVISION_TTL_MS = 7 * 24 * 3600_000;

/**
 * Claims `revision` for a card edit made outside the alerts queue (the bot's "queued" edit after
 * Confirm, revision 1): false when the card already shows a later state, so it is not rolled back.
 */
export async function claimCardRevision(redis: Redis, prefix: string, chatId: number, messageId: number, revision: number, edit?: Omit<ClaimedEdit, 'revision'>): Promise<boolean> {
  const revisionKey = `${prefix}:card-rev:${chatId}:${messageId}`;
  const keys = [revisionKey, `${prefix}:card-edit:${chatId}:${messageId}`];
  if (!edit) return CLAIM_REVISION.run(redis, keys, [revision, REVISION_TTL_MS]);
  return CLAIM_REVISION.run(redis, keys, [revision, REVISION_TTL_MS, JSON.stringify({ revision, ...edit } satisfies ClaimedEdit)]);
}

/**
 * The claim is taken before an edit's request leaves, so an older edit can still be overtaken on
 * its way — it waited out a 429 in-line, or Telegram answered slowly — and land after a newer one.
 * So once an edit of `revision` has landed, the newest claimed edit of the card is applied again
 * if it is later: whichever request lands last, the card ends on its newest state. The newer
 * edit's own job does the same after its request lands.
 */
export async function reassertNewestCardEdit(redis: Redis, prefix: string, api: Pick<Api, 'editMessageText'>, chatId: number, messageId: number, revision: number): Promise<void> {
  let applied = revision;
  for (let round = 0; round < 3; round++) {
    const [current, json] = await redis.mget(`${prefix}:card-rev:${chatId}:${messageId}`, `${prefix}:card-edit:${chatId}:${messageId}`);
    if (current == null || json == null || Number(current) <= applied) return;
    const newest = JSON.parse(json) as ClaimedEdit;
    if (newest.revision <= applied) return;
    try {
      await api.editMessageText(chatId, messageId, newest.text, {
        parse_mode: 'HTML',
        link_preview_options: { is_disabled: true },
        ...(newest.markup ? { reply_markup: newest.markup } : {}),
      });
    } catch (error) {
      if (isUneditable(error)) return;
      if (!isNotModified(error)) throw error;
    }
    applied = newest.revision;
  }
}

/** Telegram's edit answers: the card already shows this text, or it cannot be edited any more. */
export function isNotModified(error: unknown): boolean {
  return error instanceof GrammyError && error.error_code === 400 && /message is not modified/i.test(error.description);
}

export function isUneditable(error: unknown): boolean {
  return (
    error instanceof GrammyError &&
    error.error_code === 400 &&
    /message to edit not found|message can't be edited|MESSAGE_ID_INVALID/i.test(error.description)
  );
}
