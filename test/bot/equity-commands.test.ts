/**
 * /equity, /daily, /weekly, /monthly and /report through the real bot (DESIGN.md §2, §10), with
 * net value samples written by hand into real Redis and the trades of an in-memory LedgerReader
 * (test/support/in-memory-ledger.ts, until the fills ledger is merged). Every expected figure
 * below is worked out by hand from the samples and fills in `seed`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { CHART_COLORS } from '../../src/market/chart-renderer.js';
import { reportJobId } from '../../src/ledger/report-schedule.js';
import { startApp, TRADER, type AppHarness } from '../support/app-harness.js';
import type { RecordedCall, StoredMessage } from '../support/fake-bot-api.js';
import { createInMemoryLedgerForTests, testFill } from '../support/in-memory-ledger.js';
import { countColour, decodePng, PNG_SIGNATURE } from '../market/png.js';

/** Sunday 2026-12-06 12:00 UTC: the bot's clock. */
const NOW = Date.UTC(2026, 11, 6, 12, 0);
const at = (iso: string) => Date.parse(`${iso}Z`);

const ledger = createInMemoryLedgerForTests([
  testFill({ time: at('2026-12-04T10:00'), side: 'BUY' }),
  testFill({ time: at('2026-12-04T15:00'), side: 'SELL', realizedPnl: '12.5' }),
  testFill({ time: at('2026-12-05T09:00'), side: 'SELL', realizedPnl: '-3.25' }),
  // A sell of coins whose entry the ledger never saw: no P&L, and the views must say so.
  testFill({ time: at('2026-12-05T10:00'), side: 'SELL' }),
  testFill({ time: at('2026-12-06T01:00'), side: 'BUY' }),
]);

let app: AppHarness;

async function seed(): Promise<void> {
  const samples: Array<[string, string]> = [
    ['2026-11-25T08:00', '900'],
    ['2026-12-03T23:45', '1000'],
    ['2026-12-04T00:00', '1010'],
    ['2026-12-04T12:00', '990'],
    ['2026-12-04T23:45', '1050'],
    ['2026-12-05T00:00', '1040'],
    ['2026-12-05T23:45', '1029'],
    ['2026-12-06T06:00', '1080.45'],
  ];
  for (const [time, value] of samples) await app.equity!.record({ time: at(time), value });
}

beforeAll(async () => {
  app = await startApp({ workers: false, now: () => NOW, portfolio: { ledger }, logger: createLogger({ level: 'error' }) });
  await seed();
});
afterAll(async () => {
  await app.close();
});

const last = (): StoredMessage => app.lastMessage();
const pre = (text: string | undefined) => /<pre>([\s\S]*)<\/pre>/.exec(text ?? '')?.[1]?.split('\n');

/** grammY uploads a file as a multipart part named by `photo: "attach://<name>"` (or `media` for an edit). */
function uploadedBytes(call: RecordedCall, field: 'photo' | 'media'): Buffer {
  const ref = field === 'photo' ? call.payload.photo : (call.payload.media as { media: string }).media;
  const part = typeof ref === 'string' && ref.startsWith('attach://') ? call.payload[ref.slice('attach://'.length)] : ref;
  return (part as { file: true; bytes: Buffer }).bytes;
}

describe('/daily, /weekly, /monthly', () => {
  it('/daily 3: close, change, realized P&L and trades per UTC day, the running day marked', async () => {
    await app.send('/daily 3');
    const message = last();
    expect(message.text).toContain('<b>Daily · last 3 days</b> · USDT, UTC');
    expect(pre(message.text)).toEqual([
      'Day            Close Change      % Realized Trades',
      '2026-12-06* 1,080.45 +51.45 +5.00%    +0.00      1',
      '2026-12-05  1,029.00 −21.00 −2.00%   −3.25†      2',
      '2026-12-04  1,050.00 +50.00 +5.00%   +12.50      2',
    ]);
    expect(message.text).toContain('* still running: its close is the newest sample.');
    expect(message.text).toContain('† some sells had no known entry: their P&amp;L is left out.');
    expect(message.text).toContain('<i>Updated 12:00:00 UTC</i>');
    expect(JSON.stringify(message.reply_markup)).toContain('r:pd:d:3:0');
  });

  it('/weekly 2 and /monthly 2: Monday weeks and calendar months, measured from the close before', async () => {
    await app.send('/weekly 2');
    expect(pre(last().text)).toEqual([
      'Week of        Close  Change       % Realized Trades',
      '2026-11-30* 1,080.45 +180.45 +20.05%   +9.25†      5',
      '2026-11-23    900.00       —       —    +0.00      0',
    ]);
    await app.send('/monthly 2');
    expect(pre(last().text)).toEqual([
      'Month       Close  Change       % Realized Trades',
      '2026-12* 1,080.45 +180.45 +20.05%   +9.25†      5',
      '2026-11    900.00       —       —    +0.00      0',
    ]);
  });

  it('pages past 31 rows, and the buttons turn and refresh the page in place', async () => {
    await app.send('/daily 40');
    const first = last();
    expect(pre(first.text)).toHaveLength(32);
    expect(first.text).toContain('Page 1 of 2 (newest first).');
    await app.press(first.message_id, 'pd:d:40:1');
    const second = app.messages().find((m) => m.message_id === first.message_id)!;
    expect(second.edits).toBe(1);
    expect(pre(second.text)).toHaveLength(1 + 9);
    expect(second.text).toContain('Page 2 of 2 (newest first).');
    // 40 days back from 2026-12-06: the oldest row is 2026-10-28.
    expect(pre(second.text)!.at(-1)).toMatch(/^2026-10-28 /);
    expect(JSON.stringify(second.reply_markup)).toContain('pd:d:40:0');
  });

  it('answers the usage line for a bad count', async () => {
    for (const [text, problem] of [
      ['/daily 0', '"0" is not a number of days from 1 to 400.'],
      ['/daily abc', '"abc" is not a number of days from 1 to 400.'],
      ['/weekly 100', '"100" is not a number of weeks from 1 to 58.'],
      ['/monthly 2 3', 'Too many arguments: "3" is not expected.'],
    ] as const) {
      await app.send(text);
      expect(last().text).toContain(problem);
      expect(last().text).toMatch(/Usage: \/(daily|weekly|monthly) \[N\]\nExample: /);
    }
  });
});

describe('/equity', () => {
  it('sends a PNG of the net value with the trades marked, and a caption with start, end and change', async () => {
    app.telegram!.reset();
    await app.send('/equity 7d');
    const [call] = app.telegram!.calls('sendPhoto');
    expect(call).toBeDefined();
    const png = uploadedBytes(call!, 'photo');
    expect(png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
    expect(png.length).toBeGreaterThan(10_000);
    const image = decodePng(png);
    expect([image.width, image.height]).toEqual([1000, 560]);
    // The buy and sell markers are drawn.
    expect(countColour(image, CHART_COLORS.up)).toBeGreaterThan(20);
    expect(countColour(image, CHART_COLORS.down)).toBeGreaterThan(20);

    const message = last();
    expect(message.photo).toBe(true);
    // 7 days back from 2026-12-06 12:00 leaves out the 2026-11-25 sample: 1,000 → 1,080.45.
    expect(message.caption).toBe(
      [
        '<b>Net value · last 7d</b> · USDT',
        'Start 1,000.00 USDT · 2026-12-03 23:45 UTC',
        'End 1,080.45 USDT · 2026-12-06 06:00 UTC',
        'Change <b>+80.45 USDT</b> (+8.05%)',
        'History starts 2026-12-03 23:45 UTC.',
        'Marked: 2 buys ▲, 3 sells ▼',
        '<i>Updated 12:00:00 UTC</i>',
      ].join('\n'),
    );
    expect(JSON.stringify(message.reply_markup)).toContain('r:q:7d');
  });

  it('🔄 Refresh redraws the chart in the same message', async () => {
    await app.send('/equity 30d');
    const message = last();
    await app.press(message.message_id, 'r:q:30d');
    const [edit] = app.telegram!.calls('editMessageMedia');
    expect(edit?.status).toBe('ok');
    expect(uploadedBytes(edit!, 'media').subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
    const edited = app.messages().find((m) => m.message_id === message.message_id)!;
    expect(edited.edits).toBe(1);
    expect(edited.caption).toContain('Start 900.00 USDT · 2026-11-25 08:00 UTC');
  });

  it('answers the usage line for a bad range', async () => {
    await app.send('/equity 5d');
    expect(last().text).toBe('"5d" is not a range: use 7d, 30d, 90d or all.\nUsage: /equity [7d|30d|90d|all]\nExample: /equity 30d');
  });
});

describe('/equity before there is history', () => {
  it('says how many samples there are and when the next is due, with a Refresh that keeps working', async () => {
    const empty = await startApp({ workers: false, now: () => NOW, portfolio: { ledger } });
    try {
      await empty.send('/equity');
      const message = empty.lastMessage();
      expect(message.photo).toBeUndefined();
      expect(message.text).toContain('No sample of the net value in this range yet: a chart needs two. The worker records one every 15 min; the next is due 2026-12-06 12:15 UTC.');
      await empty.equity!.record({ time: NOW - 15 * 60_000, value: '100' });
      await empty.press(message.message_id, 'r:q:7d');
      expect(empty.lastMessage().text).toContain('Only one sample of the net value in this range yet');
      await empty.equity!.record({ time: NOW, value: '101' });
      await empty.press(message.message_id, 'r:q:7d');
      // The text cannot become a photo: the chart arrives below it.
      expect(empty.lastMessage().photo).toBe(true);
      expect(empty.lastMessage().caption).toContain('Change <b>+1.00 USDT</b> (+1.00%)');
    } finally {
      await empty.close();
    }
  });
});

describe('/report', () => {
  it('shows, sets and turns off the daily report, and schedules one job for the next date', async () => {
    await app.send('/report');
    expect(last().text).toBe('📋 No daily report is set.\nSet one with /report HH:MM, e.g. /report 08:00 (UTC).');

    await app.send('/report 8:00');
    // 08:00 has passed on 2026-12-06 (the clock says 12:00): the first report is tomorrow's.
    expect(last().text).toBe('📋 Daily report set for <b>08:00 UTC</b> in this chat.\nNext: 2026-12-07 08:00 UTC (in 20 h).');
    const job = await app.reports!.queue.getJob(reportJobId(TRADER.id, '2026-12-07'));
    expect(job?.data).toMatchObject({ userId: TRADER.id, chatId: TRADER.id, time: '08:00', date: '2026-12-07' });

    await app.send('/report');
    expect(last().text).toContain('📋 Daily report at <b>08:00 UTC</b> in this chat.');

    await app.send('/report 18:30');
    expect(last().text).toContain('Next: 2026-12-06 18:30 UTC (in 6 h 30 min).');
    expect(await app.reports!.queue.getJob(reportJobId(TRADER.id, '2026-12-07'))).toBeUndefined();
    expect((await app.reports!.queue.getJob(reportJobId(TRADER.id, '2026-12-06')))?.data.time).toBe('18:30');

    await app.send('/report off');
    expect(last().text).toBe('📋 Daily report off.');
    expect(await app.reports!.queue.getJob(reportJobId(TRADER.id, '2026-12-06'))).toBeUndefined();
    expect(await app.reports!.get(TRADER.id)).toBeUndefined();
  });

  it('answers the usage line for a bad time', async () => {
    for (const text of ['/report 25:00', '/report 8', '/report 08:60', '/report noon', '/report 08:00 09:00']) {
      await app.send(text);
      expect(last().text).toMatch(/\nUsage: \/report HH:MM\|off\nExample: \/report 08:00$/);
    }
  });

  it('is refused in a group while TELEGRAM_GROUPS is off, like every view of the account', async () => {
    const group = -100_777;
    for (const text of ['/equity', '/daily', '/report 08:00']) {
      await app.send(text, { chatId: group, chatType: 'supergroup' });
      expect(app.lastMessage(group).text).toMatch(/private chat/);
    }
    expect(await app.reports!.get(TRADER.id)).toBeUndefined();
  });
});
