/**
 * /alerts (DESIGN.md §2): each kind of push alert — fills and order updates, stop moves, order
 * errors, system — on, silent (delivered without sound: `disable_notification`) or off, per user.
 * One menu message with a row of buttons per kind; a press stores the choice and edits the same
 * message, so the menu always shows what is in force. The alerts worker applies the settings when
 * it delivers (src/alerts/alerts-worker.ts).
 *
 * A menu belongs to the user who asked for it: in a group, someone else's press is refused.
 */
import { Composer, InlineKeyboard, type Context } from 'grammy';
import { AppError } from '../../errors.js';
import { escapeHtml } from '../../format.js';
import { ALERT_KINDS, ALERT_KIND_LABELS, ALERT_MODES, createAlertSettings, type AlertMode, type AlertPreferences } from '../../alerts/alert-settings.js';
import type { BotDeps } from '../bot-deps.js';
import type { CallbackHandler } from '../callback-router.js';
import { editPressedMessage, replyHtml } from '../reply.js';
import { assertUint, defineButtons, defineFeature, safeInteger, type CommandSpec } from './feature.js';

const SPEC: CommandSpec = {
  name: 'alerts',
  description: 'Switch alerts on, silent or off',
  usage: '/alerts',
  example: '/alerts',
  details: [
    'A menu of the alert kinds: fills and order updates, stop moves, order errors, and system notices.',
    'Each can be on, silent (delivered without a sound) or off (not sent). The settings are yours alone.',
  ],
};

/**
 * `a:<f|s|e|y>:<o|q|x>:<ownerId>`: the owner's setting for one kind of alert (fills, stop moves,
 * errors, system) on, quiet (silent) or off (src/alerts/alert-settings.ts); the menu is edited.
 */
export type AlertsButton = { kind: 'alert-setting'; alert: 'fills' | 'stops' | 'errors' | 'system'; mode: 'on' | 'silent' | 'off'; ownerId: number };

const ALERT_LETTERS = { fills: 'f', stops: 's', errors: 'e', system: 'y' } as const;
const ALERT_MODE_LETTERS = { on: 'o', silent: 'q', off: 'x' } as const;
const ALERT_BY_LETTER = new Map(Object.entries(ALERT_LETTERS).map(([k, v]) => [v as string, k as keyof typeof ALERT_LETTERS]));
const ALERT_MODE_BY_LETTER = new Map(Object.entries(ALERT_MODE_LETTERS).map(([k, v]) => [v as string, k as keyof typeof ALERT_MODE_LETTERS]));

export const alertsButtons = defineButtons<AlertsButton>({
  prefixes: ['a'],
  kinds: ['alert-setting'],
  encode(action) {
    assertUint(action.ownerId, 'ownerId');
    return `a:${ALERT_LETTERS[action.alert]}:${ALERT_MODE_LETTERS[action.mode]}:${action.ownerId}`;
  },
  decode(_prefix, fields) {
    const [letter = '', modeLetter = '', ownerText] = fields;
    const alert = ALERT_BY_LETTER.get(letter);
    const mode = ALERT_MODE_BY_LETTER.get(modeLetter);
    const ownerId = safeInteger(ownerText);
    if (fields.length !== 3 || alert === undefined || mode === undefined || ownerId === undefined) return undefined;
    return { kind: 'alert-setting', alert, mode, ownerId };
  },
});

const MODE_LABELS: Record<AlertMode, string> = { on: '🔔 On', silent: '🔕 Silent', off: '🚫 Off' };
const MODE_WORDS: Record<AlertMode, string> = { on: 'on', silent: 'silent (no sound)', off: 'off' };

export function alertsMenuText(prefs: AlertPreferences): string {
  return [
    '<b>Alerts</b>',
    ...ALERT_KINDS.map((kind) => `${escapeHtml(ALERT_KIND_LABELS[kind])}: <b>${MODE_WORDS[prefs[kind]]}</b>`),
    '',
    'Silent alerts arrive without a sound; alerts that are off are not sent. Order cards always update.',
  ].join('\n');
}

export function alertsMenuKeyboard(prefs: AlertPreferences, ownerId: number): InlineKeyboard {
  const keyboard = new InlineKeyboard();
  for (const kind of ALERT_KINDS) {
    keyboard.text(ALERT_KIND_LABELS[kind], alertsButtons.encode({ kind: 'alert-setting', alert: kind, mode: prefs[kind], ownerId })).row();
    for (const mode of ALERT_MODES) {
      const label = prefs[kind] === mode ? `• ${MODE_LABELS[mode]}` : MODE_LABELS[mode];
      keyboard.text(label, alertsButtons.encode({ kind: 'alert-setting', alert: kind, mode, ownerId }));
    }
    keyboard.row();
  }
  return keyboard;
}

const settingsOf = (deps: BotDeps) => createAlertSettings({ redis: deps.redis, prefix: deps.keyPrefix });

export function alertsCommand(deps: BotDeps): Composer<Context> {
  const settings = settingsOf(deps);
  const composer = new Composer<Context>();
  composer.command('alerts', async (ctx) => {
    const userId = ctx.from?.id;
    if (userId === undefined) return;
    const prefs = await settings.get(userId);
    await replyHtml(ctx, alertsMenuText(prefs), alertsMenuKeyboard(prefs, userId));
  });
  return composer;
}

export function alertSettingButton(deps: BotDeps): CallbackHandler<'alert-setting'> {
  const settings = settingsOf(deps);
  return async (ctx, action) => {
    if (ctx.from?.id !== action.ownerId) throw new AppError('CONFIRM_FOREIGN', undefined, { userMessage: 'These are someone else’s alert settings. Send /alerts for yours.' });
    const prefs = await settings.set(action.ownerId, action.alert, action.mode);
    return {
      answer: `${ALERT_KIND_LABELS[action.alert]}: ${MODE_WORDS[action.mode]}`,
      after: () => editPressedMessage(ctx, alertsMenuText(prefs), alertsMenuKeyboard(prefs, action.ownerId)),
    };
  };
}

export const alertsFeature = defineFeature<AlertsButton>({
  name: 'alerts',
  commands: [SPEC],
  composer: ({ deps }) => alertsCommand(deps),
  buttons: alertsButtons,
  handlers: ({ deps }) => ({ 'alert-setting': alertSettingButton(deps) }),
});
