/**
 * /daily [N], /weekly [N], /monthly [N] (DESIGN.md §2): per UTC period, the net value at its
 * close, the change from the close before, the realized P&L and the number of trades, as a
 * compact table in <pre>. The net values come from the samples in Redis
 * (src/ledger/equity-store.ts), the P&L and trades from the fills ledger; no exchange request.
 *
 * Newest period first, 31 rows a page (a page stays far under 4096 characters); ◀ ▶ move between
 * pages and 🔄 Refresh reads the page again, both editing the message in place.
 */
import { Composer, InlineKeyboard, type Context } from 'grammy';
import { formatAmount, formatPercent, escapeHtml } from '../../format.js';
import { periodCloses, periodLabel, recentPeriods, type PeriodClose, type PeriodKind } from '../../ledger/equity-periods.js';
import type { RealizedSummary } from '../../ledger/ledger-types.js';
import { valueDecimals } from '../../ledger/report-text.js';
import type { BotDeps, PortfolioDeps } from '../bot-deps.js';
import type { CallbackHandler } from '../callback-router.js';
import { argumentError, expectTokens, quoteInput, tokenize } from '../command-args.js';
import { withRefresh } from '../keyboards.js';
import { editPressedMessage, replyHtml, updatedLine } from '../reply.js';
import { defineButtons, defineFeature, safeInteger, type CommandSpec } from './feature.js';
import { PORTFOLIO_UNAVAILABLE } from './equity.js';

interface PeriodCommand {
  kind: PeriodKind;
  code: 'd' | 'w' | 'm';
  spec: CommandSpec;
  defaultCount: number;
  /** Periods the 400 days of history cover. */
  maxCount: number;
  title: string;
  column: string;
}

const COMMANDS: readonly PeriodCommand[] = [
  {
    kind: 'day',
    code: 'd',
    defaultCount: 7,
    maxCount: 400,
    title: 'Daily',
    column: 'Day',
    spec: {
      name: 'daily',
      description: 'Net value, P&L and trades per day',
      usage: '/daily [N]',
      example: '/daily 14',
      details: ['The last N days (default 7, at most 400), UTC: net value at the day’s close, change, realized P&L and trades.'],
    },
  },
  {
    kind: 'week',
    code: 'w',
    defaultCount: 8,
    maxCount: 58,
    title: 'Weekly',
    column: 'Week of',
    spec: {
      name: 'weekly',
      description: 'Net value, P&L and trades per week',
      usage: '/weekly [N]',
      example: '/weekly 12',
      details: ['The last N weeks (default 8, at most 58), Monday to Sunday UTC: net value at the close, change, realized P&L and trades.'],
    },
  },
  {
    kind: 'month',
    code: 'm',
    defaultCount: 6,
    maxCount: 14,
    title: 'Monthly',
    column: 'Month',
    spec: {
      name: 'monthly',
      description: 'Net value, P&L and trades per month',
      usage: '/monthly [N]',
      example: '/monthly 12',
      details: ['The last N months (default 6, at most 14), UTC: net value at the close, change, realized P&L and trades.'],
    },
  },
];

export const PERIOD_ROWS_PER_PAGE = 31;
const byCode = new Map(COMMANDS.map((c) => [c.code, c]));

/** `pd:<d|w|m>:<N>:<page>` turns the page, `r:pd:…` refreshes it. */
type PeriodsPage = { code: PeriodCommand['code']; count: number; page: number };
export type PeriodsButton = ({ kind: 'period-page' } & PeriodsPage) | ({ kind: 'refresh-periods' } & PeriodsPage);

export const periodsButtons = defineButtons<PeriodsButton>({
  prefixes: ['pd', 'r:pd'],
  kinds: ['period-page', 'refresh-periods'],
  encode: (a) => `${a.kind === 'period-page' ? 'pd' : 'r:pd'}:${a.code}:${a.count}:${a.page}`,
  decode(prefix, fields) {
    if (fields.length !== 3) return undefined;
    const command = byCode.get(fields[0] as PeriodCommand['code']);
    const count = safeInteger(fields[1]);
    const page = safeInteger(fields[2]);
    if (!command || count === undefined || count < 1 || count > command.maxCount || page === undefined || page * PERIOD_ROWS_PER_PAGE >= count) return undefined;
    return { kind: prefix === 'pd' ? 'period-page' : 'refresh-periods', code: command.code, count, page } as PeriodsButton;
  },
});

function parseCount(command: PeriodCommand, token: string | undefined): number {
  if (token === undefined) return command.defaultCount;
  const count = safeInteger(token);
  if (count === undefined || count < 1 || count > command.maxCount) {
    throw argumentError(command.spec, `"${quoteInput(token)}" is not a number of ${command.kind}s from 1 to ${command.maxCount}.`);
  }
  return count;
}

const pad = (text: string, width: number, right: boolean) => (right ? text.padStart(width) : text.padEnd(width));

function signed(value: string | undefined, decimals: number): string {
  if (value === undefined) return '—';
  const negative = value.startsWith('-') && !/^-0(\.0*)?$/.test(value);
  return `${negative ? '−' : '+'}${formatAmount(value.replace(/^-/, ''), decimals)}`;
}

/** The table: label, close, change, %, realized, trades; columns as wide as their widest cell. */
export function renderPeriodTable(command: PeriodCommand, rows: readonly PeriodClose[], realized: readonly (RealizedSummary | undefined)[], asset: string, nowMs: number): string {
  const decimals = valueDecimals(asset);
  const header = [command.column, 'Close', 'Change', '%', 'Realized', 'Trades'];
  const cells = rows.map((row, i) => {
    const r = realized[i];
    const label = periodLabel(row.period) + (row.period.end > nowMs ? '*' : '');
    return [
      label,
      row.close ? formatAmount(row.close.value, decimals) : '—',
      signed(row.change, decimals),
      row.changePct === undefined ? '—' : formatPercent(row.changePct),
      r === undefined ? '—' : signed(r.realized, decimals) + (r.unknownBasis ? '†' : ''),
      r === undefined ? '—' : String(r.trades),
    ];
  });
  const widths = header.map((h, c) => Math.max(h.length, ...cells.map((row) => row[c]!.length)));
  const line = (row: readonly string[]) => row.map((cell, c) => pad(cell, widths[c]!, c > 0)).join(' ');
  return [line(header), ...cells.map(line)].map(escapeHtml).join('\n');
}

async function periodsView(deps: BotDeps, portfolio: PortfolioDeps, command: PeriodCommand, count: number, page: number): Promise<{ html: string; keyboard: InlineKeyboard }> {
  const now = (deps.now ?? Date.now)();
  const periods = recentPeriods(command.kind, count, now).slice(page * PERIOD_ROWS_PER_PAGE, (page + 1) * PERIOD_ROWS_PER_PAGE);
  const oldest = periods[periods.length - 1]!;
  const newest = periods[0]!;
  const [samples, before] = await Promise.all([portfolio.equity.samples(oldest.start, newest.end), portfolio.equity.latest(oldest.start - 1)]);
  const closes = periodCloses(periods, samples, before);
  const ledger = portfolio.ledger;
  const realized = ledger ? await Promise.all(periods.map((p) => ledger.realized(p.start, Math.min(p.end, now + 1)))) : periods.map(() => undefined);
  const asset = portfolio.valuationAsset;
  const pages = Math.ceil(count / PERIOD_ROWS_PER_PAGE);
  const lines = [
    `<b>${command.title} · last ${count} ${command.kind}${count === 1 ? '' : 's'}</b> · ${escapeHtml(asset)}, UTC`,
    `<pre>${renderPeriodTable(command, closes, realized, asset, now)}</pre>`,
  ];
  const notes: string[] = [];
  if (closes.some((c) => c.period.end > now)) notes.push(`* still running: its close is the newest sample.`);
  if (realized.some((r) => r?.unknownBasis)) notes.push('† some sells had no known entry: their P&amp;L is left out.');
  if (!ledger) notes.push('Realized P&amp;L and trades: the fills ledger is not connected.');
  if (samples.length === 0 && !before) notes.push(`No net value samples yet: the worker records one every ${portfolio.sampleMinutes} min.`);
  if (pages > 1) notes.push(`Page ${page + 1} of ${pages} (newest first).`);
  lines.push(...notes, updatedLine(deps));

  const keyboard = new InlineKeyboard();
  const button = (kind: PeriodsButton['kind'], p: number) => periodsButtons.encode({ kind, code: command.code, count, page: p });
  if (page > 0) keyboard.text('◀ Newer', button('period-page', page - 1));
  if (page < pages - 1) keyboard.text('Older ▶', button('period-page', page + 1));
  return { html: lines.join('\n'), keyboard: withRefresh(button('refresh-periods', page), keyboard) };
}

export function periodsCommand(deps: BotDeps): Composer<Context> {
  const composer = new Composer<Context>();
  for (const command of COMMANDS) {
    composer.command(command.spec.name, async (ctx) => {
      const tokens = tokenize(ctx.match);
      expectTokens(command.spec, tokens, 0, 1);
      const count = parseCount(command, tokens[0]);
      if (!deps.portfolio) return void (await replyHtml(ctx, escapeHtml(PORTFOLIO_UNAVAILABLE)));
      const { html, keyboard } = await periodsView(deps, deps.portfolio, command, count, 0);
      await replyHtml(ctx, html, keyboard);
    });
  }
  return composer;
}

export function periodsButton(deps: BotDeps): CallbackHandler<'period-page' | 'refresh-periods'> {
  return async (ctx, action) => {
    if (!deps.portfolio) return { answer: PORTFOLIO_UNAVAILABLE, alert: true };
    const { html, keyboard } = await periodsView(deps, deps.portfolio, byCode.get(action.code)!, action.count, action.page);
    return { ...(action.kind === 'refresh-periods' ? { answer: 'Updated.' } : {}), after: () => editPressedMessage(ctx, html, keyboard) };
  };
}

export const periodsFeature = defineFeature<PeriodsButton>({
  name: 'periods',
  commands: COMMANDS.map((c) => c.spec),
  composer: ({ deps }) => periodsCommand(deps),
  buttons: periodsButtons,
  handlers: ({ deps }) => ({ 'period-page': periodsButton(deps), 'refresh-periods': periodsButton(deps) }),
});
