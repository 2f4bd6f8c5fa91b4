/**
 * The Mini App's server (DESIGN.md §12, §8) over real HTTP against the paper exchange and real
 * Redis (test/support/webapp-harness.ts): the page and its vendored files, 401 with an empty body
 * for anything but a fresh signed allowed initData, views, actions through the trading service
 * (exactly once whatever the taps), bounded bodies, and the live stream.
 */
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normalize } from '../../src/decimal.js';
import { eventually } from '../trading/eventually.js';
import { TRADER_USER, PARTNER_USER } from '../trading/stop-harness.js';
import { formFractalAbove, loadHistory } from '../trading/stop-scenario.js';
import { createMemoryEquity, equityWalk } from '../support/memory-equity.js';
import { startWebApp, WEBAPP_BOT_TOKEN, type WebAppHarness } from '../support/webapp-harness.js';
import { portfolioView } from '../../src/http/webapp-views.js';
import type { LedgerReader } from '../../src/ledger/ledger-types.js';

const STRANGER = { id: 6666, first_name: 'Eve', username: 'eve' };

describe('Mini App server', () => {
  let w: WebAppHarness;
  let me: string;
  let price: string;
  beforeAll(async () => {
    w = await startWebApp({ equity: createMemoryEquity(equityWalk({ endMs: Date.now(), days: 10, stepMin: 60, start: 75_000 })) });
    ({ price } = loadHistory(w.stops.sim.feed, 200));
    me = w.initDataFor(TRADER_USER);
  }, 60_000);
  afterAll(() => w?.close());

  const orderPosts = () => w.stops.requests('POST', '/api/v3/order');

  it('serves the page, its script, the chart library and the fonts, with no secret in any of them', async () => {
    const redirect = await fetch(`${w.base}/app`, { redirect: 'manual' });
    expect(redirect.status).toBe(301);
    expect(redirect.headers.get('location')).toBe('/app/');
    const page = await fetch(`${w.base}/app/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await page.text();
    expect(html).toContain('<script src="vendor/lightweight-charts.js" defer></script>');
    expect(html).not.toMatch(/https?:\/\//);
    const bodies = [html];
    for (const [path, type] of [
      ['/app/app.js', 'javascript'],
      ['/app/app.css', 'css'],
      ['/app/vendor/lightweight-charts.js', 'javascript'],
      ['/app/fonts/dejavu-sans.ttf', 'font'],
    ] as const) {
      const res = await fetch(`${w.base}${path}`);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type'), path).toMatch(type === 'font' ? /font|octet-stream/ : type);
      if (type !== 'font') bodies.push(await res.text());
    }
    for (const body of bodies) {
      expect(body).not.toContain(WEBAPP_BOT_TOKEN);
      expect(body).not.toContain(WEBAPP_BOT_TOKEN.split(':')[1]);
    }
    expect((await fetch(`${w.base}/app/nope.js`)).status).toBe(404);
  });

  it('answers 401 with an empty body to no, forged, expired, and a stranger\'s initData, on every API', async () => {
    const forged = w.initDataFor(TRADER_USER, { token: '999999:someone-elses-bot-token_abcdef' });
    const expired = w.initDataFor(TRADER_USER, { ageS: 3601 });
    const stranger = w.initDataFor(STRANGER);
    const tampered = me.replace('alice', 'mallory');
    const calls: Array<() => Promise<Response>> = [];
    for (const initData of [undefined, forged, expired, stranger, tampered, 'hash=00']) {
      for (const path of ['/app/api/me', '/app/api/portfolio', '/app/api/orders', '/app/api/activity', '/app/api/events', '/app/api/nothing-here']) calls.push(() => w.get(path, initData));
      calls.push(() => w.post('/app/api/orders/cancel', { symbol: 'BTCUSDT', orderId: 1 }, initData));
      calls.push(() => w.post('/app/api/intents', { side: 'BUY', symbol: 'BTCUSDT', amount: '100USDT' }, initData));
    }
    for (const call of calls) {
      const res = await call();
      expect(res.status).toBe(401);
      expect(await res.text()).toBe('');
    }
    // Not even a cookie or query string stands in for the header.
    expect((await fetch(`${w.base}/app/api/me?initData=${encodeURIComponent(me)}`)).status).toBe(401);
    expect(orderPosts()).toBe(0);

    const ok = await w.get('/app/api/me', me);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ user: { id: TRADER_USER.id, username: 'alice' }, mode: 'paper', valuationAsset: 'USDT', features: { equity: true, pnl: false, stops: true } });
  });

  it('shows the portfolio valued in VALUATION_ASSET', async () => {
    const res = await w.get('/app/api/portfolio', me);
    const portfolio = (await res.json()) as { rows: Array<{ asset: string; totalText: string; valueText: string }>; totalText: string; pnl: boolean };
    // 1 BTC is worth more than 10,000 USDT at the captured prices: largest value first.
    expect(Number(price)).toBeGreaterThan(10_000);
    expect(portfolio.rows.map((r) => r.asset)).toEqual(['BTC', 'USDT']);
    const btc = portfolio.rows.find((r) => r.asset === 'BTC')!;
    expect(btc.totalText).toBe('1');
    expect(btc.valueText).toBe(Number(price).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 }));
    expect(portfolio.pnl).toBe(false);
  });

  it('with a LedgerReader, adds average entry and unrealized P&L for the quantity whose entry is known', async () => {
    // Half of the BTC bought at 100,000 (fees in the cost): the other half's entry is unknown.
    const ledger: Pick<LedgerReader, 'positions'> = { positions: async () => [{ asset: 'BTC', knownQuantity: '0.5', averageEntry: '100000', costBasis: '50000' }] };
    const view = await portfolioView({ exchange: w.stops.exchange, symbols: w.stops.cache, audit: w.stops.service.audit, valuationAsset: 'USDT', ledger });
    const btc = view.rows.find((r) => r.asset === 'BTC')!;
    const expected = normalize(String(Number(price) * 0.5 - 50_000));
    expect(Number(btc.unrealized)).toBeCloseTo(Number(expected), 6);
    expect(btc.averageEntryText).toBe('100,000.00');
    expect(btc.unknownEntry).toBe(true);
    expect(btc.unrealizedText!.startsWith(Number(expected) > 0 ? '+' : '-')).toBe(true);
    expect(view.rows.find((r) => r.asset === 'USDT')!.unrealized).toBeUndefined();
    expect(view.pnl).toBe(true);
  });

  it('a buy from the app is an intent confirmed through the trading service: one order whatever the taps', async () => {
    const limit = normalize(String(Math.floor(Number(price) * 0.9)));
    const card = await w.post('/app/api/intents', { side: 'BUY', symbol: 'btcusdt', amount: '0.01', price: limit }, me);
    expect(card.status).toBe(200);
    const { intentId, text } = (await card.json()) as { intentId: string; text: string };
    expect(text).toContain('Confirm order: BUY BTCUSDT');
    expect(text).not.toMatch(/<\/?b>/);
    expect(orderPosts()).toBe(0);

    // Another allowed trader cannot confirm it; the owner's taps race; one order leaves.
    const foreign = await w.post(`/app/api/intents/${intentId}/confirm`, {}, w.initDataFor(PARTNER_USER));
    expect(foreign.status).toBe(409);
    expect(((await foreign.json()) as { error: string }).error).toBe('CONFIRM_FOREIGN');
    const taps = await Promise.all([1, 2, 3].map(() => w.post(`/app/api/intents/${intentId}/confirm`, {}, me)));
    expect(taps.map((t) => t.status).sort()).toEqual([200, 409, 409]);
    await eventually(() => (w.stops.sim.control.orders('BTCUSDT').some((o) => o.status === 'NEW' && o.side === 'BUY') ? true : undefined), 'the limit order to rest');
    expect(orderPosts()).toBe(1);

    const bad = await w.post('/app/api/intents', { side: 'BUY', symbol: 'BTCUSDT', amount: 'lots' }, me);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toMatch(/amount|AMOUNT/);
  });

  it('lists the open order and cancels it through the trading service, audited with who did it; the live stream says so', async () => {
    const events: string[] = [];
    const controller = new AbortController();
    const stream = await fetch(`${w.base}/app/api/events`, { headers: { authorization: `tma ${me}` }, signal: controller.signal });
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toContain('text/event-stream');
    const reading = (async () => {
      const decoder = new TextDecoder();
      for await (const chunk of stream.body!) events.push(decoder.decode(chunk as Uint8Array));
    })().catch(() => undefined);

    const { orders } = (await (await w.get('/app/api/orders', me)).json()) as { orders: Array<{ orderId: number; symbol: string; side: string; priceText: string }> };
    const buy = orders.find((o) => o.side === 'BUY')!;
    expect(buy.priceText).toMatch(/^\d{1,3}(,\d{3})*\.\d{2}$/);
    await new Promise((r) => setTimeout(r, 300)); // the feed subscribes when the stream opens
    const cancel = await w.post('/app/api/orders/cancel', { symbol: buy.symbol, orderId: buy.orderId }, me);
    expect(cancel.status).toBe(200);
    expect(((await cancel.json()) as { text: string }).text).toMatch(/Cancelled|canceled/i);
    expect(w.stops.sim.control.orders('BTCUSDT').find((o) => o.orderId === buy.orderId)?.status).toBe('CANCELED');
    const [entry] = await w.stops.service.audit.recent(1);
    expect(entry).toMatchObject({ event: 'cancel', userId: TRADER_USER.id, displayName: '@alice', orderId: buy.orderId });

    await eventually(() => (events.join('').includes('"event":"cancel"') ? true : undefined), 'the cancel on the live stream');
    expect(events.join('')).toContain('event: activity');
    controller.abort();
    await reading;
  });

  it('bounds request bodies while reading them: a declared or chunked body over 16 KiB is 413', async () => {
    const big = { side: 'BUY', symbol: 'BTCUSDT', amount: '1', pad: 'x'.repeat(64 * 1024) };
    expect((await w.post('/app/api/intents', big, me)).status).toBe(413);
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(`${w.base}/app/api/intents`, { method: 'POST', headers: { authorization: `tma ${me}`, 'content-type': 'application/json', 'transfer-encoding': 'chunked' } });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      const chunk = Buffer.alloc(8 * 1024, 'y');
      let sent = 0;
      const more = () => {
        while (sent < 4 * 1024 * 1024) {
          sent += chunk.length;
          if (!req.write(chunk)) return void req.once('drain', more);
        }
        req.end();
      };
      req.write('{"pad":"');
      more();
    });
    expect(status).toBe(413);
    expect((await w.get('/app/api/me', me)).status).toBe(200);
  });

  it('draws the chart: candles, fractals, and each move of a trailing stop', async () => {
    const stop = await w.stops.arm({ kind: 'fractal', symbol: 'BTCUSDT', interval: '1h', amount: { kind: 'base', quantity: '0.1' } });
    await w.stops.streamReady();
    const { fractal } = await formFractalAbove(w.stops.sim.feed, price, (row) => w.stops.closeEvaluated('BTCUSDT', '1h', row[6]));
    const moved = (await w.stops.store.get(stop.id))!;
    expect(moved.stopPrice).not.toBe(stop.stopPrice);

    const res = await w.get('/app/api/chart?symbol=BTCUSDT&interval=1h', me);
    expect(res.status).toBe(200);
    const chart = (await res.json()) as { candles: Array<{ time: number }>; fractals: Array<{ kind: string; time: number }>; stops: Array<{ id: string; stopPrice: number; path: Array<{ time: number; price: number }> }> };
    expect(chart.candles.length).toBeGreaterThan(100);
    expect(chart.fractals.some((f) => f.kind === 'bullish' && f.time === fractal[0] / 1000)).toBe(true);
    const drawn = chart.stops.find((s) => s.id === stop.id)!;
    expect(drawn.stopPrice).toBe(Number(moved.stopPrice));
    expect(drawn.path.map((p) => p.price)).toEqual([Number(stop.stopPrice), Number(moved.stopPrice)]);
    expect(drawn.path[0]!.time).toBeLessThan(drawn.path[1]!.time);
    expect(drawn.path[1]!.time).toBeLessThanOrEqual(chart.candles.at(-1)!.time);

    const { stops } = (await (await w.get('/app/api/orders', me)).json()) as { stops: Array<{ id: string; kind: string }> };
    expect(stops).toEqual([expect.objectContaining({ id: stop.id, kind: 'fractal', interval: '1h' })]);
    expect((await w.get('/app/api/chart?symbol=../../etc&interval=1h', me)).status).toBe(400);

    // Remove: as /stop BTCUSDT off, its order cancelled and the stop forgotten.
    const removed = await w.post('/app/api/stops/remove', { symbol: 'BTCUSDT' }, me);
    expect(removed.status).toBe(200);
    expect(((await removed.json()) as { text: string }).text).toMatch(/removed/i);
    expect(await w.stops.store.get(stop.id)).toBeUndefined();
    expect(w.stops.sim.control.orders('BTCUSDT').find((o) => o.orderId === moved.orderId)?.status).toBe('CANCELED');
  }, 60_000);

  it('serves the net value, notification settings and the activity', async () => {
    const equity = (await (await w.get('/app/api/equity?days=7', me)).json()) as { available: boolean; points: unknown[]; lastText: string };
    expect(equity.available).toBe(true);
    expect(equity.points.length).toBe(7 * 24);
    expect(equity.lastText).toMatch(/^\d{1,3}(,\d{3})*\.\d{2}$/);

    expect(((await (await w.get('/app/api/alerts', me)).json()) as { settings: Record<string, string> }).settings).toEqual({ fills: 'on', stops: 'on', errors: 'on', system: 'on' });
    const set = await w.post('/app/api/alerts', { kind: 'stops', mode: 'silent' }, me);
    expect(((await set.json()) as { settings: Record<string, string> }).settings.stops).toBe('silent');
    expect((await w.post('/app/api/alerts', { kind: 'stops', mode: 'loud' }, me)).status).toBe(400);

    const { entries } = (await (await w.get('/app/api/activity', me)).json()) as { entries: Array<{ event: string; who?: string }> };
    expect(entries.map((e) => e.event)).toEqual(expect.arrayContaining(['intent', 'confirm', 'placement', 'cancel', 'stop']));
    expect(entries.find((e) => e.event === 'cancel')?.who).toBe('@alice');
  });
});
