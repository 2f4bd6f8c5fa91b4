/**
 * When things go wrong: the trader gets a plain sentence (never a stack trace), the log gets the
 * error with where it happened and no secret, Telegram's 429 is waited out (auto-retry), and
 * forged button data is refused with a reason.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { UNRECOGNISED_BUTTON } from '../../src/bot/callback-data.js';
import { ERROR_CODES } from '../../src/errors.js';
import { createLogger } from '../../src/logger.js';
import { startApp, TRADER, type AppHarness } from '../support/app-harness.js';
import { FAKE_BOT_TOKEN } from '../support/fake-bot-api.js';
import { expectEveryCallAccepted } from './bot-assertions.js';

describe('error handling', () => {
  let app: AppHarness;
  let logLines: string[] = [];
  beforeAll(async () => {
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logLines.push(chunk.toString('utf8'));
        done();
      },
    });
    app = await startApp({ workers: false, logger: createLogger({ level: 'info', destination }) });
  });
  afterAll(() => app.close());
  beforeEach(async () => {
    await app.fresh();
    app.sim.control.reset();
    logLines = [];
  });

  it('answers an exchange failure with its plain sentence and logs it without secrets', async () => {
    app.sim.control.faults.inject({ path: '/api/v3/account', action: 'error-500-before', times: 10 });
    await app.send('/balance');
    const reply = app.lastMessage().text!;
    expect(Object.values(ERROR_CODES)).toContain(reply);
    expect(reply).not.toMatch(/Error|at .*\.ts|\/api\/v3/);

    const log = logLines.join('');
    expect(log).toMatch(/"command":"\/balance"/);
    for (const secret of [app.sim.apiKey, app.sim.apiSecret!, FAKE_BOT_TOKEN]) expect(log).not.toContain(secret);
    expectEveryCallAccepted(app);
  });

  it('/status still reports what it can when the exchange is down', async () => {
    app.sim.control.faults.inject({ path: '/api/v3/ping', action: 'error-500-before', times: 10 });
    await app.send('/status');
    const text = app.lastMessage().text!;
    expect(text).toMatch(/Exchange: unavailable \(.+\)/);
    expect(text).toContain('Orders queue: 0 waiting');
  });

  it('waits out a Telegram 429 and still delivers the reply once', async () => {
    app.telegram!.injectFault({ method: 'sendMessage', kind: 'too-many-requests', retryAfter: 1 });
    await app.send('/help');
    const sends = app.telegram!.calls('sendMessage');
    expect(sends.map((c) => c.status)).toEqual([429, 'ok']);
    expect(app.telegram!.messages(TRADER.id)).toHaveLength(1);
  });

  it.each(['oc:not-an-intent', 'k:BTCUSDT:abc:1001', 'zz:whatever', '<b>hi</b>'])('refuses forged button data %s with a reason', async (data) => {
    await app.press(424242, data);
    const answers = app.telegram!.calls('answerCallbackQuery');
    expect(answers).toHaveLength(1);
    expect(answers[0]!.payload).toMatchObject({ text: UNRECOGNISED_BUTTON, show_alert: true });
    expect(app.sim.control.requests()).toHaveLength(0);
  });
});
