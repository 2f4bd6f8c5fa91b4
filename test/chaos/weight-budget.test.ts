/**
 * The minute's request weight, shared fairly (DESIGN.md §8).
 *
 * Under load — twenty traders' cards and
 * the worker's reconcile look-ups at once — the REST client ran its per-minute request weight up
 * to the limit would get a 429, and a look-up already on its way when that 429 is
 * answered earns a 418 IP ban (2 minutes; on Binance up to 3 days, during which no stop can be
 * moved). The client must stop at a high-water mark of X-MBX-USED-WEIGHT-1M, before the limit,
 * and hold every request until the minute ends.
 *
 * One trader must not starve everyone: 68 /orders (no symbol: weight 80 each) in 0.2 s would hold
 * every request for 31 s, failing another trader's /buy with "slow down" and delaying stop
 * moves. So views are paid from each trader's share, repeated views
 * are answered from a 2 s cache, and the last 30 % of the minute is kept for orders, cancels,
 * stop moves and the user stream.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { createRestClient, type RestClient } from '../../src/binance/rest-client.js';
import { createLogger } from '../../src/logger.js';
import { isExchangeError } from '../../src/errors.js';
import { startTestSimulator, type TestSimulator } from '../support/simulator.js';
import { PARTNER, startApp, TRADER, type AppHarness } from '../support/app-harness.js';

const LIMIT = 1_000;
let sim: TestSimulator | undefined;
let client: RestClient | undefined;
afterAll(async () => {
  await client?.close();
  await sim?.close();
});

describe('request weight near the per-minute limit', () => {
  it('stops before the exchange says 429, so requests in flight never earn a ban', async () => {
    sim = await startTestSimulator({ options: { weightPerMinute: LIMIT } });
    client = createRestClient({
      baseUrl: sim.restUrl,
      apiKey: sim.apiKey,
      signer: sim.signer,
      logger: createLogger({ level: 'silent' }),
      registry: new Registry(),
      clockRefreshMs: 0,
      weightLimitPerMinute: LIMIT,
      // Fail at once when held, instead of waiting for the minute to end.
      maxGateWaitMs: 0,
    });
    // Four requests in flight at a time, 20 weight each (GET /api/v3/account), until the client holds.
    let held = 0;
    let sent = 0;
    const loop = async () => {
      while (held === 0 && sent < 400) {
        sent++;
        try {
          await client!.account();
        } catch (error) {
          if (isExchangeError(error) && error.kind === 'rate-limited') held++;
          else throw error;
        }
      }
    };
    await Promise.all([loop(), loop(), loop(), loop()]);

    const limited = sim.control.requests().filter((r) => r.status === 429 || r.status === 418);
    expect(limited).toEqual([]);
    expect(held).toBeGreaterThan(0);
    expect(client.usage().blockedUntil).toBeGreaterThan(Date.now());
  });
});

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The exchange counts weight per wall-clock minute: start a phase that needs one minute with room to spare. */
async function atLeastLeftInMinute(ms: number): Promise<void> {
  const left = 60_000 - (Date.now() % 60_000);
  if (left < ms) await sleep(left + 250);
}

describe('the trading reserve', () => {
  let reserveSim: TestSimulator | undefined;
  let trading: RestClient | undefined;
  afterEach(async () => {
    await trading?.close();
    await reserveSim?.close();
  });

  it('refuses a view past 70 % of the minute before sending it; orders and look-ups still go out', async () => {
    reserveSim = await startTestSimulator({ options: { weightPerMinute: LIMIT } });
    trading = createRestClient({
      baseUrl: reserveSim.restUrl,
      apiKey: reserveSim.apiKey,
      signer: reserveSim.signer,
      logger: createLogger({ level: 'silent' }),
      registry: new Registry(),
      clockRefreshMs: 0,
      weightLimitPerMinute: LIMIT,
      maxGateWaitMs: 0,
    });
    const views = trading.withPriority('view');
    await atLeastLeftInMinute(20_000);

    // Views (20 each) until one is refused: the refusal comes at the ceiling, not at the limit.
    let refused: unknown;
    for (let i = 0; i < 100 && refused === undefined; i++) await views.account().catch((error: unknown) => (refused = error));
    expect(isExchangeError(refused) && refused.code).toBe('EXCHANGE_BUSY');
    expect(isExchangeError(refused) && refused.kind).toBe('rate-limited');
    expect(isExchangeError(refused) && refused.retryAfterMs).toBeGreaterThan(0);
    expect((refused as Error & { userMessage: string }).userMessage).toMatch(/^The exchange's request budget for this minute is kept for orders and stops: try again in \d+ s\.$/);
    const accountReads = () => reserveSim!.control.requests().filter((r) => r.path === '/api/v3/account').length;
    const sent = accountReads();
    expect(sent * 20).toBeLessThanOrEqual(LIMIT * 0.7);
    await expect(views.account()).rejects.toMatchObject({ code: 'EXCHANGE_BUSY' });
    expect(accountReads()).toBe(sent);

    // The reserve: a trading read, an order and its look-up all go out.
    await expect(trading.account()).resolves.toBeDefined();
    const order = await trading.newOrder({ symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: '0.001', newClientOrderId: 'reserve-1' });
    expect(order.status).toBe('FILLED');
    await expect(trading.getOrder({ symbol: 'BTCUSDT', origClientOrderId: 'reserve-1' })).resolves.toMatchObject({ status: 'FILLED' });
    expect(reserveSim.control.requests().filter((r) => r.status === 429 || r.status === 418)).toEqual([]);
  });
});

describe('one trader flooding /orders', () => {
  const FLOOD_LIMIT = 1_200;
  let app: AppHarness | undefined;
  let pusher: RestClient | undefined;
  afterAll(async () => {
    await pusher?.close();
    await app?.close();
  });

  it('costs one request, is told to slow down before the exchange is asked, and the others trade on', { timeout: 120_000 }, async () => {
    // The bot's clock (traders' buckets, the view cache, cards), moved by hand: a flood "in 0.2 s"
    // and "2.5 s later" mean the same on a loaded machine as on an idle one.
    let clock = Date.now();
    app = await startApp({
      sim: { options: { weightPerMinute: FLOOD_LIMIT }, balances: { USDT: '10000', BTC: '0.5' }, prices: { BTCUSDT: '65000', ETHUSDT: '3500' } },
      now: () => clock,
    });
    const sim = app.sim;
    await app.exchange.newOrder({ symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', timeInForce: 'GTC', quantity: '0.001', price: '50000', newClientOrderId: 'resting-1' });
    const openOrdersReads = () => sim.control.requests().filter((r) => r.method === 'GET' && r.path === '/api/v3/openOrders').length;
    const textsOf = (chatId: number) => app!.messages(chatId).map((m) => m.text ?? '');
    await atLeastLeftInMinute(40_000);

    // 68 /orders at once from one trader: one request (weight 80), and every one answered.
    const floodStart = clock;
    await Promise.all(Array.from({ length: 68 }, () => app!.send('/orders')));
    const answered = textsOf(TRADER.id);
    expect(answered).toHaveLength(68);
    expect(answered.every((t) => t.includes('Open orders') && t.includes('BTCUSDT'))).toBe(true);
    expect(openOrdersReads()).toBe(1);

    // The flood goes on past the cache: each /orders asks again and is paid from the trader's share
    // (840 a minute for two traders: 420 each), until the trader is told to wait — with nothing sent.
    let slowDown: string | undefined;
    for (let round = 0; round < 40 && slowDown === undefined; round++) {
      clock += 2_500;
      const before = openOrdersReads();
      await app.send('/orders');
      const last = app.lastMessage(TRADER.id).text ?? '';
      if (/too fast/.test(last)) {
        slowDown = last;
        expect(openOrdersReads()).toBe(before);
      }
    }
    expect(slowDown).toMatch(/^You are going too fast: try again in \d+ s\.$/);
    // At most the trader's share, what it refilled meanwhile, and one command's overdraft.
    const floodWeight = openOrdersReads() * 80;
    const share = (FLOOD_LIMIT * 0.7) / 2;
    expect(floodWeight).toBeLessThanOrEqual(share + (share / 60_000) * (clock - floodStart) + 80);

    // The other trader is not slowed: a card, then Confirm → the order is placed and filled.
    const started = performance.now();
    await app.send('/buy BTCUSDT 100USDT', { from: PARTNER, chatId: PARTNER.id });
    const card = app.lastMessage(PARTNER.id);
    const confirm = (card.reply_markup as { inline_keyboard?: Array<Array<{ text: string; callback_data: string }>> } | undefined)?.inline_keyboard?.[0]?.[0];
    expect(confirm?.text, card.text).toMatch(/Confirm/);

    // Meanwhile the views of this IP reach their ceiling (another process, say): past 70 % of the
    // minute only trading requests may go out.
    pusher = createRestClient({ baseUrl: sim.restUrl, apiKey: sim.apiKey, signer: sim.signer, logger: createLogger({ level: 'silent' }), registry: new Registry(), clockRefreshMs: 0, weightLimitPerMinute: FLOOD_LIMIT });
    while (pusher.usage().usedWeight1m <= FLOOD_LIMIT * 0.7 + 10) await pusher.account();

    await app.press(card.message_id, confirm!.callback_data, { from: PARTNER, chatId: PARTNER.id });
    await app.waitForText(card.message_id, /filled/i, PARTNER.id);
    const buyMs = Math.round(performance.now() - started);
    expect(app.orderPosts().filter((r) => r.status === 200)).toHaveLength(2);

    // A view now is refused by the reserve, before it is sent; a trading look-up still goes out.
    const accountReads = () => sim.control.requests().filter((r) => r.path === '/api/v3/account').length;
    const before = accountReads();
    const shown = app.messages(PARTNER.id).length;
    await app.send('/balance', { from: PARTNER, chatId: PARTNER.id });
    const replies = app.messages(PARTNER.id).slice(shown).map((m) => m.text ?? '');
    expect(replies.filter((t) => /^The exchange's request budget for this minute is kept for orders and stops: try again in \d+ s\.$/.test(t))).toHaveLength(1);
    expect(accountReads()).toBe(before);
    await expect(app.exchange.getOrder({ symbol: 'BTCUSDT', origClientOrderId: 'resting-1' })).resolves.toMatchObject({ status: 'NEW' });

    expect(sim.control.requests().filter((r) => r.status === 429 || r.status === 418)).toEqual([]);
    console.info(`weight-budget flood: ${openOrdersReads()} openOrders requests (${floodWeight} weight), slowed down with "${slowDown}", partner /buy → filled in ${buyMs} ms`);
  });
});
