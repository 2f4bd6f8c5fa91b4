/**
 * What every call the bot makes to Telegram must satisfy, checked on the fake Bot API's record:
 * HTML that Telegram parses (balanced, known tags and entities), texts within 4096 characters
 * (captions 1024, callback answers 200), callback data within 64 bytes, and no refusal by the
 * fake except the two a press on an arbitrary message legitimately gets (the message to edit is
 * not there, or already shows that text).
 */
import { validateTelegramHtml, type RecordedCall } from '../support/fake-bot-api.js';

export interface ReplyProblem {
  method: string;
  problem: string;
  text: string;
}

const EDITS = new Set(['editMessageText', 'editMessageReplyMarkup', 'editMessageCaption']);

export function checkCall(call: RecordedCall): ReplyProblem | undefined {
  const p = call.payload;
  const fail = (problem: string, text = '') => ({ method: call.method, problem, text: text.slice(0, 200) });
  const text = typeof p.text === 'string' ? p.text : typeof p.caption === 'string' ? p.caption : undefined;
  if (call.method === 'answerCallbackQuery') {
    if (text !== undefined && [...text].length > 200) return fail('callback answer over 200 characters', text);
  } else if (text !== undefined) {
    const limit = p.caption !== undefined ? 1024 : 4096;
    if (text.length === 0) return fail('empty text');
    if (text.length > limit) return fail(`text over ${limit} characters (${text.length})`, text);
    if (p.parse_mode === 'HTML') {
      const html = validateTelegramHtml(text);
      if (html) return fail(`invalid HTML: ${html}`, text);
    }
  } else if (call.method === 'sendMessage' || call.method === 'editMessageText') {
    return fail('no text');
  }
  const rows = (p.reply_markup as { inline_keyboard?: Array<Array<{ callback_data?: string }>> } | undefined)?.inline_keyboard ?? [];
  for (const button of rows.flat()) {
    if (button.callback_data !== undefined && Buffer.byteLength(button.callback_data) > 64) return fail('callback data over 64 bytes', button.callback_data);
  }
  // Content is valid (checked above): an edit can still be refused because the pressed message
  // does not exist in the fake or already shows this text. Anything else refused is a defect.
  if (call.status !== 'ok' && !(EDITS.has(call.method) && call.status === 400)) return fail(`refused by Telegram with ${call.status}`, text ?? '');
  return undefined;
}
