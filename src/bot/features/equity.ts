/**
 * /equity [7d|30d|90d|all]: the account's net value over time as a PNG, buys and sells marked,
 * with the start and end value and the change in the caption (DESIGN.md §2, §10). The samples
 * come from Redis (src/ledger/equity-store.ts), the trades from the fills ledger: the command
 * sends no exchange request. 🔄 Refresh redraws the chart in place (editMessageMedia).
 *
 * With fewer than two samples in the range there is no line to draw: the answer says how many
 * there are and when the next one is due.
 */
import { Composer, InputFile, InputMediaBuilder, type Context } from 'grammy';
import { div, isPositive, mul, sub } from '../../decimal.js';
import { escapeHtml, formatPercent, formatUtc } from '../../format.js';
import { renderEquityChart } from '../../ledger/equity-chart.js';
import { EQUITY_RETENTION_MS } from '../../ledger/equity-store.js';
import type { EquitySample, LedgerFill } from '../../ledger/ledger-types.js';
import { money, signedMoney, valueDecimals } from '../../ledger/report-text.js';
import type { BotDeps, PortfolioDeps } from '../bot-deps.js';
import type { CallbackHandler } from '../callback-router.js';
import { argumentError, expectTokens, quoteInput, tokenize } from '../command-args.js';
import { withRefresh } from '../keyboards.js';
import { editPressedMessage, isNotModified, replyHtml, updatedLine } from '../reply.js';
import { defineButtons, defineFeature, type CommandSpec } from './feature.js';

const SPEC: CommandSpec = {
  name: 'equity',
  description: 'Chart of the net value over time',
  usage: '/equity [7d|30d|90d|all]',
  example: '/equity 30d',
  details: [
    'The account’s net value (every balance valued in the valuation asset) as a chart, default the last 7 days; all is the whole history kept (400 days).',
    'Buys ▲ and sells ▼ are marked on the line; the caption gives the start and end value and the change.',
  ],
};

export const EQUITY_RANGES = { '7d': 7, '30d': 30, '90d': 90, all: 400 } as const;
export type EquityRange = keyof typeof EQUITY_RANGES;
const isRange = (v: string): v is EquityRange => Object.hasOwn(EQUITY_RANGES, v);

/** Trades drawn at most (the newest). */
const MAX_MARKED_FILLS = 2_000;
const CAPTION_LIMIT = 1024;

/** `r:q:<range>` redraws /equity in place. */
export type EquityButton = { kind: 'refresh-equity'; range: EquityRange };

export const equityButtons = defineButtons<EquityButton>({
  prefixes: ['r:q'],
  kinds: ['refresh-equity'],
  encode: (action) => `r:q:${action.range}`,
  decode: (_prefix, fields) => (fields.length === 1 && isRange(fields[0]!) ? { kind: 'refresh-equity', range: fields[0] } : undefined),
});

const refreshKeyboard = (range: EquityRange) => withRefresh(equityButtons.encode({ kind: 'refresh-equity', range }));

export const PORTFOLIO_UNAVAILABLE = 'The net value history is not available in this process.';

export function parseRange(token: string | undefined): EquityRange {
  if (token === undefined) return '7d';
  const range = token.toLowerCase();
  if (!isRange(range)) throw argumentError(SPEC, `"${quoteInput(token)}" is not a range: use 7d, 30d, 90d or all.`);
  return range;
}

type EquityView = { kind: 'chart'; png: Buffer; caption: string } | { kind: 'text'; html: string };

export function equityCaption(input: {
  range: EquityRange;
  asset: string;
  samples: readonly EquitySample[];
  fills: readonly LedgerFill[] | undefined;
  fromMs: number;
  updated: string;
}): string {
  const { asset, samples } = input;
  const first = samples[0]!;
  const last = samples[samples.length - 1]!;
  const change = sub(last.value, first.value);
  const pct = isPositive(first.value) ? ` (${formatPercent(div(mul(change, '100'), first.value, 2, 'half-up'))})` : '';
  const lines = [
    `<b>Net value · ${input.range === 'all' ? 'all history' : `last ${input.range}`}</b> · ${escapeHtml(asset)}`,
    `Start ${money(first.value, asset)} · ${formatUtc(first.time)}`,
    `End ${money(last.value, asset)} · ${formatUtc(last.time)}`,
    `Change <b>${signedMoney(change, asset)}</b>${pct}`,
  ];
  if (first.time - input.fromMs > 86_400_000) lines.push(`History starts ${formatUtc(first.time)}.`);
  if (input.fills === undefined) lines.push('Trades are not marked: the fills ledger is not connected.');
  else {
    const buys = input.fills.filter((f) => f.side === 'BUY').length;
    const sells = input.fills.length - buys;
    lines.push(`Marked: ${buys} buy${buys === 1 ? '' : 's'} ▲, ${sells} sell${sells === 1 ? '' : 's'} ▼${input.fills.length >= MAX_MARKED_FILLS ? ` (the newest ${MAX_MARKED_FILLS})` : ''}`);
  }
  lines.push(input.updated);
  const caption = lines.join('\n');
  return caption.length <= CAPTION_LIMIT ? caption : lines.slice(0, 4).join('\n');
}

async function equityView(deps: BotDeps, portfolio: PortfolioDeps, range: EquityRange): Promise<EquityView> {
  const now = (deps.now ?? Date.now)();
  const fromMs = now - Math.min(EQUITY_RANGES[range] * 86_400_000, EQUITY_RETENTION_MS);
  const samples = await portfolio.equity.samples(fromMs, now + 1);
  const asset = portfolio.valuationAsset;
  if (samples.length < 2) {
    const slotMs = portfolio.sampleMinutes * 60_000;
    const next = Math.floor(now / slotMs) * slotMs + slotMs;
    const count = samples.length === 0 ? 'No sample' : 'Only one sample';
    return {
      kind: 'text',
      html: [
        `<b>Net value · ${escapeHtml(range)}</b>`,
        `${count} of the net value in this range yet: a chart needs two. The worker records one every ${portfolio.sampleMinutes} min; the next is due ${formatUtc(next)}.`,
        updatedLine(deps),
      ].join('\n'),
    };
  }
  const fills = portfolio.ledger ? await portfolio.ledger.fills({ fromMs: samples[0]!.time, toMs: now + 1, limit: MAX_MARKED_FILLS }) : undefined;
  const png = await renderEquityChart({
    title: `Net value · ${asset}`,
    subtitle: `${range === 'all' ? 'all history' : `last ${range}`} · ${samples.length} samples, ${formatUtc(samples[0]!.time)} – ${formatUtc(samples[samples.length - 1]!.time)}`,
    samples,
    fills: fills ?? [],
    decimals: valueDecimals(asset),
  });
  return { kind: 'chart', png, caption: equityCaption({ range, asset, samples, fills, fromMs, updated: updatedLine(deps) }) };
}

const fileName = (range: EquityRange) => `equity-${range}.png`;

export function equityCommand(deps: BotDeps): Composer<Context> {
  const composer = new Composer<Context>();
  const log = deps.logger.child({ module: 'equity-command' });
  composer.command('equity', async (ctx) => {
    const tokens = tokenize(ctx.match);
    expectTokens(SPEC, tokens, 0, 1);
    const range = parseRange(tokens[0]);
    const portfolio = deps.portfolio;
    if (!portfolio) return void (await replyHtml(ctx, escapeHtml(PORTFOLIO_UNAVAILABLE)));
    const action = ctx.replyWithChatAction('upload_photo').catch((error: unknown) => log.warn({ err: error }, 'upload_photo chat action failed'));
    const view = await equityView(deps, portfolio, range);
    await action;
    if (view.kind === 'text') await replyHtml(ctx, view.html, refreshKeyboard(range));
    else await ctx.replyWithPhoto(new InputFile(view.png, fileName(range)), { caption: view.caption, reply_markup: refreshKeyboard(range) });
  });
  return composer;
}

/** 🔄 Refresh: the chart redrawn in the same message; a "not enough samples" answer becomes the chart once there are. */
export function refreshEquityButton(deps: BotDeps): CallbackHandler<'refresh-equity'> {
  return async (ctx, action) => {
    const portfolio = deps.portfolio;
    if (!portfolio) return { answer: PORTFOLIO_UNAVAILABLE, alert: true };
    const view = await equityView(deps, portfolio, action.range);
    const isPhoto = (ctx.callbackQuery?.message?.photo?.length ?? 0) > 0;
    return {
      answer: 'Updated.',
      after: async () => {
        if (view.kind === 'text') {
          // A photo's caption cannot become a text message: its caption says why there is no chart now.
          if (isPhoto) await ctx.editMessageCaption({ caption: view.html, reply_markup: refreshKeyboard(action.range) }).catch(ignoreNotModified);
          else await editPressedMessage(ctx, view.html, refreshKeyboard(action.range));
          return;
        }
        if (isPhoto) {
          const media = InputMediaBuilder.photo(new InputFile(view.png, fileName(action.range)), { caption: view.caption, parse_mode: 'HTML' });
          await ctx.editMessageMedia(media, { reply_markup: refreshKeyboard(action.range) }).catch(ignoreNotModified);
          return;
        }
        // A text answer cannot become a photo: the chart arrives as a new message, the old one loses its button.
        await editPressedMessage(ctx, 'The chart is below.');
        await ctx.replyWithPhoto(new InputFile(view.png, fileName(action.range)), { caption: view.caption, reply_markup: refreshKeyboard(action.range) });
      },
    };
  };
}

function ignoreNotModified(error: unknown): void {
  if (!isNotModified(error)) throw error;
}

export const equityFeature = defineFeature<EquityButton>({
  name: 'equity',
  commands: [SPEC],
  composer: ({ deps }) => equityCommand(deps),
  buttons: equityButtons,
  handlers: ({ deps }) => ({ 'refresh-equity': refreshEquityButton(deps) }),
});
