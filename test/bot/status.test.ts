/**
 * /status as a trader reads it, through the real grammY bot and the fake Bot
 * API: no internal ids (the stream's lease holder is host:pid:random), this server's own events
 * as durations, and in a replayed market a line that says which times are the replay's.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { REPLAY_LINE } from '../../src/bot/features/status.js';
import { createBot, type BotDeps } from '../../src/bot/create-bot.js';
import { startApp, TRADER, type AppHarness } from '../support/app-harness.js';
import { messageUpdate, validateTelegramHtml } from '../support/fake-bot-api.js';
import { expectEveryCallAccepted } from './bot-assertions.js';

const NOW = Date.UTC(2026, 11, 6, 6, 30, 0);

describe('/status', () => {
  let app: AppHarness;
  beforeAll(async () => {
    app = await startApp({ workers: false });
  });
  afterAll(() => app.close());
  beforeEach(() => app.telegram!.reset());

  async function status(overrides: Partial<BotDeps>): Promise<string> {
    const bot = createBot({ ...app.deps, now: () => NOW, ...overrides });
    await bot.handleUpdate(messageUpdate({ from: TRADER, text: '/status' }) as never);
    const text = app.lastMessage().text!;
    expect(validateTelegramHtml(text)).toBeUndefined();
    expect(text.length).toBeLessThan(4096);
    return text;
  }

  it('shows the user stream as state and duration, never the lease holder', async () => {
    const text = await status({
      status: {
        userStream: () => ({ state: 'connected', since: NOW - 4 * 60_000 - 5_000, holder: 'vm:9531:57ee86' }),
        lastStopEvaluation: () => ({ at: NOW - 90_000, summary: '3 stops checked, 1 moved' }),
      },
    });
    expect(text).toContain('\nUser stream: connected for 4 min\n');
    expect(text).toContain('\nLast stop evaluation: 1 min ago · 3 stops checked, 1 moved\n');
    expect(text).not.toContain('vm:9531');
    expect(text).not.toContain('since');
    expect(text).not.toContain('⏪'); // not a replay
    expectEveryCallAccepted(app);
  });

  it('warns when no worker listens, or the stream is down', async () => {
    expect(await status({ status: { userStream: () => ({ state: 'not-running' }) } })).toContain(
      'User stream: ⚠️ no worker is listening for fills (one that is starting takes a few seconds)\n',
    );
    expect(await status({ status: { userStream: () => ({ state: 'disconnected', since: NOW - 125_000, holder: 'vm:1:2' }) } })).toContain(
      'User stream: ⚠️ disconnected for 2 min\n',
    );
  });

  it('in a replayed market, says which times are replay time and which are real time', async () => {
    // A replay's candle closed "2025-10-02 16:00" while this server's clock reads 2026-12-06.
    const text = await status({
      settings: { ...app.deps.settings, marketReplay: true },
      status: {
        userStream: () => ({ state: 'connected', since: NOW - 30_000, holder: 'vm:9531:57ee86' }),
        lastStopEvaluation: () => ({ at: NOW - 20_000, summary: 'BTCUSDT 4h close 2025-10-02 16:00 UTC: 1 stop checked, 0 moved' }),
      },
    });
    const lines = text.split('\n');
    expect(lines.slice(0, 3)).toEqual(['<b>Status</b>', expect.stringContaining('Mode: <b>PAPER</b>'), REPLAY_LINE]);
    expect(REPLAY_LINE).toBe('⏪ Market: a replay of recorded candles. Candle times are replay time; “for” and “ago” are real time.');
    expect(text).toContain('User stream: connected for 30 s\n');
    expect(text).toContain('Last stop evaluation: 20 s ago · BTCUSDT 4h close 2025-10-02 16:00 UTC: 1 stop checked, 0 moved');
    // Every wall-clock instant is a duration: the only dates left are the candles'.
    expect(text.match(/\d{4}-\d\d-\d\d/g)).toEqual(['2025-10-02']);
  });
});
