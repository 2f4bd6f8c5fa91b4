/**
 * Alerts worker killed mid-delivery: real alerts-worker processes
 * (test/support/processes/alerts-worker.mjs, the built product's worker-role pieces) deliver push
 * alerts, card edits and alerts over 4096 characters to the fake Bot API for several chats, while
 * each planned alert's worker is SIGKILLed once at a point of one part: marked "being sent" with
 * nothing sent, with the request on the wire, after Telegram accepted it, or after the progress
 * write (between two parts of a long alert). A supervisor restarts dead workers.
 *
 * Telegram has no idempotency key, so delivery is at-least-once. Checked for every alert: it
 * arrived (0 lost); a part arrived twice only when its kill came after the request left
 * (in-flight, after-accept), and then the second copy carries the repeat notice; every other part
 * exactly once; long alerts have every part, in order; every card ends on its newest revision.
 */
import { afterAll, describe, expect, it, vi } from 'vitest';
import { alertParts, REPEAT_NOTICE } from '../../src/alerts/alerts-worker.js';
import type { AlertJob } from '../../src/trading/types.js';
import { createPrng, seedOf, type Prng } from '../fuzz/prng.js';
import { startChaosStack, type ChaosStack } from './support/chaos-stack.js';
import { recordFigures, tally } from './support/figures.js';
import type { ProcessFleet } from './support/process-fleet.js';
import { startWorkerFleet } from './support/worker-fleet.js';
import { budgetMs, scale } from './support/scale.js';

const POINTS = ['before-send', 'in-flight', 'after-accept', 'after-progress'] as const;
const KINDS = ['push', 'edit', 'multi'] as const;
const CHATS = [7401, 7402, 7403, 7404, 7405, -1007400000001];
const kills = scale.alertKills();

type Point = (typeof POINTS)[number];
type Kind = (typeof KINDS)[number];

interface Kill {
  point: Point;
  part: number;
}

/** A push alert (one part or several). */
interface Push {
  kind: 'push' | 'multi';
  alert: AlertJob;
  parts: string[];
  kill?: Kill;
}

interface CardEdit {
  card: number;
  alert: AlertJob;
  kill?: Kill;
}

interface Copy {
  index: number;
  notice: boolean;
}

let stack: ChaosStack | undefined;
let fleet: ProcessFleet | undefined;
afterAll(async () => {
  await fleet?.close(2_000);
  await stack?.close();
});

const pushText = (n: number, chatId: number, prng: Prng) => `🔔 Alert <b>#${n}</b> for ${chatId} &amp; ${'·'.repeat(prng.int(40))} <i>filled</i>`;

/** 4,500–12,000 characters of well-formed HTML lines: two or three messages. */
const longText = (n: number, prng: Prng) =>
  Array.from({ length: prng.between(45, 115) }, (_, line) => `<b>#M${n}</b> line ${line}: ${'─'.repeat(prng.between(60, 90))} &amp; <i>ok</i>`).join('\n');

const cardText = (card: number, revision: number) => `card ${card}: <b>rev ${revision}</b>${revision === 4 ? ' ✅ Filled' : ''}`;
const cardButtons = (revision: number) => (revision < 4 ? [[{ text: 'Cancel', data: `cancel-${revision}` }]] : undefined);

/** What the copies of one part must look like, given the kill that fired on it (if any). */
function copiesAllowed(copies: Copy[], fired: Point | undefined): boolean {
  const shape = copies.map((c) => (c.notice ? 'notice' : 'plain')).join(',');
  switch (fired) {
    case 'before-send':
      return shape === 'notice'; // marked, never sent: the retry's copy is the only one, with the (false-alarm) notice
    case 'in-flight':
      return shape === 'notice' || shape === 'plain,notice'; // the request may or may not have reached Telegram
    case 'after-accept':
      return shape === 'plain,notice';
    default:
      return shape === 'plain'; // after-progress, or no kill on this part
  }
}

describe('chaos: alerts workers killed mid-delivery', () => {
  it(
    `${kills} SIGKILLs while sending and editing lose no alert and mark every repeat`,
    async () => {
      const prng = createPrng(seedOf(0xa1e7));
      stack = await startChaosStack({ allowedUsers: [], alertsWorker: false });
      const s = stack;
      const childOutput: string[] = [];
      const outputByProcess = new Map<number, string>();
      fleet = startWorkerFleet(s, {
        script: 'alerts-worker',
        size: 3,
        onOutput: (text, ordinal) => {
          childOutput.push(text);
          outputByProcess.set(ordinal, (outputByProcess.get(ordinal) ?? '') + text);
        },
      });

      // One planned kill per trial: every (kind, point) pair in turn, the part at random.
      const pushes: Push[] = [];
      const edits: CardEdit[] = [];
      const planned: Record<string, number> = {};
      let cards = 0;
      const planKill = (kind: Kind, point: Point, parts: number): Kill => {
        // An after-progress kill on a long alert falls between two of its parts.
        const part = kind === 'edit' ? 0 : point === 'after-progress' && parts > 1 ? prng.int(parts - 1) : prng.int(parts);
        tally(planned, `${kind}:${point}`);
        return { point, part };
      };
      for (let i = 0; i < kills; i++) {
        const kind = KINDS[i % KINDS.length]!;
        const point = POINTS[Math.floor(i / KINDS.length) % POINTS.length]!;
        if (kind === 'edit') {
          // A card with three revisions; one of them carries the kill.
          const card = cards++;
          const killed = prng.pick([2, 3, 4]);
          for (const revision of [2, 3, 4]) {
            const buttons = cardButtons(revision);
            edits.push({
              card,
              alert: { key: `card-${card}-rev-${revision}`, chatId: prng.pick(CHATS), editMessageId: 0, revision, text: cardText(card, revision), category: 'order', ...(buttons ? { buttons } : {}) },
              ...(revision === killed ? { kill: planKill('edit', point, 1) } : {}),
            });
          }
          continue;
        }
        const n = pushes.length;
        const chatId = prng.pick(CHATS);
        const text = kind === 'multi' ? longText(n, prng) : pushText(n, chatId, prng);
        const parts = alertParts(text);
        pushes.push({ kind, alert: { key: `${kind}-${n}`, chatId, text, category: 'fill' }, parts, kill: planKill(kind, point, parts.length) });
        // And an alert nobody kills, beside it.
        const clean = pushes.length;
        const cleanChat = prng.pick(CHATS);
        const cleanText = kind === 'multi' && prng.chance(0.3) ? longText(clean, prng) : pushText(clean, cleanChat, prng);
        pushes.push({ kind: alertParts(cleanText).length > 1 ? 'multi' : 'push', alert: { key: `clean-${clean}`, chatId: cleanChat, text: cleanText, category: 'fill' }, parts: alertParts(cleanText) });
      }
      for (const push of pushes) expect(push.parts.join('\n'), `${push.alert.key} splits losslessly`).toBe(push.alert.text);

      // The cards exist before their edits are queued; each card lives in one chat.
      const cardMessages = new Map<number, { chatId: number; messageId: number }>();
      for (let card = 0; card < cards; card++) {
        const chatId = edits.find((e) => e.card === card)!.alert.chatId;
        const sent = await s.bot.api.sendMessage(chatId, `card ${card}: queued`, { parse_mode: 'HTML' });
        cardMessages.set(card, { chatId, messageId: sent.message_id });
      }
      for (const edit of edits) {
        const message = cardMessages.get(edit.card)!;
        edit.alert = { ...edit.alert, chatId: message.chatId, editMessageId: message.messageId };
      }

      // Queue in random order, each card's revisions in their own order (as the order worker queues them).
      const all: Array<{ alert: AlertJob; kill?: Kill }> = [...pushes, ...edits].sort(() => prng.next() - 0.5);
      const slots = new Map<number, number[]>();
      all.forEach((entry, index) => {
        const edit = edits.find((e) => e.alert === entry.alert);
        if (edit) slots.set(edit.card, [...(slots.get(edit.card) ?? []), index]);
      });
      for (const [card, indices] of slots) {
        const ordered = edits.filter((e) => e.card === card).sort((a, b) => a.alert.revision! - b.alert.revision!);
        indices.forEach((index, k) => (all[index] = ordered[k]!));
      }
      for (const { alert, kill } of all) {
        if (kill) {
          const plan = kill.point === 'in-flight' ? `in-flight:${kill.part}:${prng.int(26)}` : `${kill.point}:${kill.part}`;
          await s.producer.set(`${s.prefix}:chaos-kill:${alert.key}`, plan, 'PX', 600_000);
        }
        await s.alertsQueue.enqueue(alert);
      }

      await expect.poll(async () => {
          const counts = await s.alertsQueue.queue.getJobCounts('completed', 'failed');
          return counts.completed! + counts.failed! === all.length || undefined;
        }, { message: 'every alert job to finish', timeout: budgetMs(60_000, 4_000, kills) }).toBeTruthy();

      const selfKills = fleet.selfKills();
      const firedOn = (key: string) => selfKills.find((k) => k.id === key);
      const problems: string[] = [];
      const outcomes: Record<string, number> = {};
      let delivered = 0;
      let lost = 0;
      let repeated = 0;
      let repeatedWithoutNotice = 0;
      let noticeWithoutRepeat = 0;
      let partsChecked = 0;
      let multiInOrder = 0;

      for (const push of pushes) {
        const messages = s.telegram.messages(push.alert.chatId);
        const fired = firedOn(push.alert.key);
        const copiesOf = push.parts.map((part) =>
          messages.flatMap((m, index): Copy[] => (m.text === part ? [{ index, notice: false }] : m.text === `${REPEAT_NOTICE}\n${part}` ? [{ index, notice: true }] : [])),
        );
        if (copiesOf.some((copies) => copies.length === 0)) lost++;
        else delivered++;
        copiesOf.forEach((copies, part) => {
          partsChecked++;
          const firedHere = fired && Number(fired.detail) === part ? (fired.point as Point) : undefined;
          const plain = copies.filter((c) => !c.notice).length;
          if (plain > 1) repeatedWithoutNotice++;
          if (copies.length > 1 && plain === 1 && copies.at(-1)!.notice) repeated++;
          if (copies.length === 1 && copies[0]!.notice) noticeWithoutRepeat++;
          tally(outcomes, `${push.kind}:${firedHere ?? 'clean'}:${copies.map((c) => (c.notice ? 'N' : 'P')).join('') || 'lost'}`);
          if (!copiesAllowed(copies, firedHere)) {
            problems.push(`${push.alert.key} part ${part + 1}/${push.parts.length} (kill ${firedHere ?? 'none'}): copies ${JSON.stringify(copies.map((c) => (c.notice ? 'notice' : 'plain')))}`);
          }
        });
        if (push.parts.length > 1) {
          const firstCopies = copiesOf.map((copies) => copies[0]?.index ?? -1);
          if (firstCopies.every((index, k) => index >= 0 && (k === 0 || index > firstCopies[k - 1]!))) multiInOrder++;
          else problems.push(`${push.alert.key}: parts out of order or missing (first copies at ${JSON.stringify(firstCopies)})`);
        }
      }

      let cardsFinal = 0;
      for (const [card, { chatId, messageId }] of cardMessages) {
        const shown = s.telegram.message(chatId, messageId);
        if (shown?.text === cardText(card, 4) && shown.reply_markup === undefined) cardsFinal++;
        else problems.push(`card ${card}: shows ${JSON.stringify(shown?.text)} (newest is revision 4)`);
        // An edit is never turned into a new message while the card exists.
        const asMessages = s.telegram.messages(chatId).filter((m) => m.message_id !== messageId && m.text?.includes(`card ${card}: <b>rev`));
        if (asMessages.length > 0) problems.push(`card ${card}: ${asMessages.length} edits sent as new messages`);
      }
      for (const edit of edits) {
        const fired = firedOn(edit.alert.key);
        if (fired) tally(outcomes, `edit:${fired.point}`);
      }

      const failed = await s.alertsQueue.queue.getJobs(['failed']);
      const firedByPoint = selfKills.reduce<Record<string, number>>((acc, k) => (tally(acc, k.point), acc), {});
      const kindOf = (key: string) => (key.startsWith('card-') ? 'edit' : key.split('-')[0]!);
      const firedByKind = selfKills.reduce<Record<string, number>>((acc, k) => (tally(acc, `${kindOf(k.id)}:${k.point}`), acc), {});
      const countNotices = () => [...outputByProcess.values()].join('\n').split('\n').filter((line) => line.includes('alert part sent again with the repeat notice')).length;
      // A child's stdout reaches this process a moment after its job completes in Redis: wait for
      // the lines (they are written synchronously, so a killed process has written them).
      await vi.waitFor(() => expect(countNotices()).toBe(repeated + noticeWithoutRepeat), { timeout: 3_000 }).catch(() => undefined);
      const noticesLogged = countNotices();
      const hits = s.secretHits([{ where: 'alerts worker processes', texts: childOutput }]);
      recordFigures('alerts-kill', {
        seed: prng.seed,
        alerts: all.length,
        pushAlerts: pushes.filter((p) => p.kind === 'push').length,
        longAlerts: pushes.filter((p) => p.kind === 'multi').length,
        longAlertParts: pushes.filter((p) => p.kind === 'multi').reduce((sum, p) => sum + p.parts.length, 0),
        cardEdits: edits.length,
        cards,
        killsPlanned: kills,
        killsFired: selfKills.length,
        killsByPoint: firedByPoint,
        killsByKindAndPoint: firedByKind,
        workerProcessesStarted: fleet.started(),
        workerDeaths: fleet.deaths(),
        delivered,
        lost,
        repeatedWithNotice: repeated,
        repeatedWithoutNotice,
        noticeWithoutRepeat,
        noticesLogged,
        longAlertsInOrder: multiInOrder,
        cardsFinal,
        failedJobs: failed.length,
        outcomes,
        secretsFound: hits.length,
      });

      expect(failed.map((j) => `${j.data.key}: ${j.failedReason}`)).toEqual([]);
      expect(lost).toBe(0);
      expect(repeatedWithoutNotice).toBe(0);
      expect(problems).toEqual([]);
      expect(cardsFinal).toBe(cards);
      // Each part sent under the notice is counted by a log line of the process that sent it.
      expect(noticesLogged).toBe(repeated + noticeWithoutRepeat);
      expect(partsChecked).toBeGreaterThan(pushes.length);
      // Every death was a planned kill, and every point was reached at least once.
      expect(fleet.deaths()).toBe(selfKills.length);
      for (const point of POINTS) expect(firedByPoint[point] ?? 0, `kills at ${point}`).toBeGreaterThan(0);
      expect(hits).toEqual([]);
    },
    budgetMs(120_000, 6_000, kills),
  );
});
