/**
 * The Mini App in a real browser (DESIGN.md §12): headless Chromium from Debian's `chromium`
 * package, driven by playwright-core (no browser download), against the bot role's HTTP server,
 * the paper exchange and real Redis (test/support/webapp-harness.ts). The page is opened as
 * Telegram opens it: launch parameters in the URL fragment, initData signed with the bot token.
 *
 * With WEBAPP_SCREENSHOTS=1 (`npm run screenshots`) it also writes the screenshots in
 * docs/screenshots/ at 360×740, light and dark.
 *
 * Skipped, saying why, only when no chromium is installed on a developer's machine; CI installs
 * it (.ci/run), and there a missing browser fails.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normalize } from '../../src/decimal.js';
import { eventually } from '../trading/eventually.js';
import { TRADER, TRADER_USER } from '../trading/stop-harness.js';
import { formFractalAbove, loadHistory } from '../trading/stop-scenario.js';
import { createMemoryEquity, equityWalk } from '../support/memory-equity.js';
import { startWebApp, type WebAppHarness } from '../support/webapp-harness.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const present = existsSync(CHROMIUM);
const SCREENSHOTS = process.env.WEBAPP_SCREENSHOTS === '1';
const SHOTS_DIR = resolve(import.meta.dirname, '../../docs/screenshots');

if (!present && !process.env.CI) {
  console.warn(`test/webapp/browser.test.ts skipped: no Chromium at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH)`);
}

/** Telegram's own default colours (light and dark themes of its clients). */
const THEMES = {
  light: { bg_color: '#ffffff', text_color: '#000000', hint_color: '#999999', link_color: '#2481cc', button_color: '#2481cc', button_text_color: '#ffffff', secondary_bg_color: '#f1f1f4' },
  dark: { bg_color: '#17212b', text_color: '#f5f5f5', hint_color: '#708499', link_color: '#6ab3f3', button_color: '#5288c1', button_text_color: '#ffffff', secondary_bg_color: '#232e3c' },
} as const;

/** The little of the DOM these checks touch (the test program is typed for Node, not the browser). */
interface CanvasLike {
  width: number;
  height: number;
  getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } };
}
interface BrowserGlobals {
  document: { querySelectorAll(selector: string): Iterable<CanvasLike>; body: unknown; documentElement: { scrollWidth: number; dataset: Record<string, string> } };
  getComputedStyle(element: unknown): { backgroundColor: string };
}
const bodyBackground = () => {
  const g = globalThis as unknown as BrowserGlobals;
  return g.getComputedStyle(g.document.body).backgroundColor;
};

/** Pixels of the chart's canvases within `tolerance` of `rgb`, and those not blank at all. */
async function chartPixels(page: Page, selector: string, rgb: [number, number, number], tolerance = 40): Promise<{ painted: number; matching: number }> {
  return page.evaluate(
    ({ selector, rgb, tolerance }) => {
      let painted = 0;
      let matching = 0;
      for (const canvas of (globalThis as unknown as BrowserGlobals).document.querySelectorAll(`${selector} canvas`)) {
        if (canvas.width === 0 || canvas.height === 0) continue;
        const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
        for (let i = 0; i < data.length; i += 4) {
          if (data[i + 3]! < 128) continue;
          painted++;
          if (Math.abs(data[i]! - rgb[0]) + Math.abs(data[i + 1]! - rgb[1]) + Math.abs(data[i + 2]! - rgb[2]) < tolerance) matching++;
        }
      }
      return { painted, matching };
    },
    { selector, rgb, tolerance },
  );
}

describe.skipIf(!present && !process.env.CI)('Mini App in Chromium', () => {
  let w: WebAppHarness;
  let browser: Browser;
  let buyOrderId: number;
  let price: string;
  const problems: string[] = [];

  const appUrl = (initData: string, theme: keyof typeof THEMES = 'light', view?: string) =>
    `${w.base}/app/${view ? `?view=${view}` : ''}#tgWebAppData=${encodeURIComponent(initData)}&tgWebAppVersion=8.0&tgWebAppPlatform=web&tgWebAppThemeParams=${encodeURIComponent(JSON.stringify(THEMES[theme]))}`;

  async function open(initData: string, theme: keyof typeof THEMES = 'light', view?: string): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 360, height: 740 }, deviceScaleFactor: 1, colorScheme: theme });
    const page = await context.newPage();
    page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
    page.on('console', (message) => {
      // A refused sign-in logs its 401 as a failed resource: expected in that test only.
      if (message.type() === 'error' && !/status of 401/.test(message.text())) problems.push(`console: ${message.text()}`);
    });
    await page.goto(appUrl(initData, theme, view));
    return page;
  }

  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
    w = await startWebApp({ equity: createMemoryEquity(equityWalk({ endMs: Date.now(), days: 30, stepMin: 60, start: 118_000 })) });
    ({ price } = loadHistory(w.stops.sim.feed, 200));

    // A resting limit buy, confirmed as the chat confirms it.
    const card = await w.stops.service.prepareOrder(
      { symbol: 'BTCUSDT', side: 'BUY', amount: { kind: 'base', quantity: '0.01' }, price: normalize(String(Math.floor(Number(price) * 0.9))) },
      TRADER,
    );
    await w.stops.service.confirm(card.intentId, TRADER.userId);
    buyOrderId = await eventually(() => w.stops.sim.control.orders('BTCUSDT').find((o) => o.side === 'BUY' && o.status === 'NEW')?.orderId, 'the limit buy to rest');

    // A trailing stop that has moved once.
    const stop = await w.stops.arm({ kind: 'fractal', symbol: 'BTCUSDT', interval: '1h', amount: { kind: 'base', quantity: '0.1' } });
    await w.stops.streamReady();
    await formFractalAbove(w.stops.sim.feed, price, (row) => w.stops.closeEvaluated('BTCUSDT', '1h', row[6]));
    expect((await w.stops.store.get(stop.id))?.lastMove).toBeDefined();
    if (SCREENSHOTS) mkdirSync(SHOTS_DIR, { recursive: true });
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await w?.close();
  });

  it('signed in as an allowed trader: the balances, in Telegram\'s light theme', async () => {
    const page = await open(w.initDataFor(TRADER_USER));
    await page.locator('tr[data-asset="BTC"]').waitFor();
    expect(await page.locator('tr[data-asset="BTC"] td').nth(1).textContent()).toBe('1');
    expect(await page.locator('tr[data-asset="USDT"]').count()).toBe(1);
    expect(await page.locator('#total').textContent()).toMatch(/^\d{1,3}(,\d{3})+\.\d{2} USDT$/);
    expect(await page.locator('#mode').textContent()).toBe('PAPER');
    expect(await page.evaluate(bodyBackground)).toBe('rgb(255, 255, 255)');
    // Usable at 360 px: nothing wider than the screen.
    expect(await page.evaluate(() => (globalThis as unknown as BrowserGlobals).document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    await expect.poll(() => page.locator('#live.on').count(), { timeout: 10_000 }).toBe(1);
    if (SCREENSHOTS) await page.screenshot({ path: join(SHOTS_DIR, 'webapp-portfolio-light.png') });
    await page.context().close();
  });

  it('orders and stops: the open order with a working Cancel, and the stop drawn on the candle chart', async () => {
    const page = await open(w.initDataFor(TRADER_USER), 'light', 'orders');
    const order = page.locator(`li[data-order-id="${buyOrderId}"]`);
    await order.waitFor();
    expect(await order.textContent()).toContain('BUY BTCUSDT');
    expect(await page.locator('#stops li[data-stop-id]').count()).toBe(1);

    await page.locator('#chart[data-drawn="true"]').waitFor();
    const pixels = await chartPixels(page, '#chart', [0xe3, 0x9a, 0x0f]);
    expect(pixels.painted).toBeGreaterThan(5_000);
    // The stop's line and its price line, in the stop colour.
    expect(pixels.matching).toBeGreaterThan(100);
    if (SCREENSHOTS) await page.screenshot({ path: join(SHOTS_DIR, 'webapp-orders-light.png') });

    const cancels = () => w.stops.sim.control.requests().filter((r) => r.method === 'DELETE' && r.path === '/api/v3/order').length;
    const before = cancels();
    await order.locator('button', { hasText: 'Cancel' }).click();
    await order.waitFor({ state: 'detached' });
    expect(w.stops.sim.control.orders('BTCUSDT').find((o) => o.orderId === buyOrderId)?.status).toBe('CANCELED');
    expect(cancels()).toBe(before + 1);
    await expect.poll(() => page.locator('#toast').textContent()).toMatch(/cancel/i);
    await page.context().close();
  });

  it('a buy from the page: the priced card, then Confirm through the trading service, placing one order', async () => {
    const page = await open(w.initDataFor(TRADER_USER));
    const posts = () => w.stops.requests('POST', '/api/v3/order');
    const before = posts();
    const limit = normalize(String(Math.floor(Number(price) * 0.8)));
    await page.locator('select[name="side"]').selectOption('BUY');
    await page.locator('input[name="symbol"]').fill('btcusdt');
    await page.locator('input[name="amount"]').fill('0.002');
    await page.locator('input[name="price"]').fill(limit);
    await page.locator('#trade button[type="submit"]').click();
    await page.locator('#card:not([hidden])').waitFor();
    expect(await page.locator('#card-text').textContent()).toContain('Confirm order: BUY BTCUSDT');
    expect(posts()).toBe(before);
    await page.locator('#card-confirm').dblclick();
    await expect.poll(() => page.locator('#card-text').textContent()).toMatch(/Confirmed by @alice: sending to the exchange/);
    await eventually(() => (w.stops.sim.control.orders('BTCUSDT').some((o) => o.side === 'BUY' && o.status === 'NEW' && normalize(o.price) === limit) ? true : undefined), 'the limit buy to rest');
    await new Promise((r) => setTimeout(r, 300));
    expect(posts()).toBe(before + 1);
    await page.context().close();
  });

  it('live: an order placed from the chat appears on the open page without a reload (Server-Sent Events)', async () => {
    const page = await open(w.initDataFor(TRADER_USER), 'light', 'orders');
    await page.locator('#orders li').first().waitFor();
    await expect.poll(() => page.locator('#live.on').count(), { timeout: 10_000 }).toBe(1);
    const card = await w.stops.service.prepareOrder(
      { symbol: 'BTCUSDT', side: 'BUY', amount: { kind: 'base', quantity: '0.003' }, price: normalize(String(Math.floor(Number(price) * 0.7))) },
      TRADER,
    );
    await w.stops.service.confirm(card.intentId, TRADER.userId);
    const placed = await eventually(() => w.stops.sim.control.orders('BTCUSDT').find((o) => o.side === 'BUY' && o.status === 'NEW' && o.origQty.startsWith('0.003'))?.orderId, 'the chat order to rest');
    await page.locator(`li[data-order-id="${placed}"]`).waitFor({ timeout: 10_000 });
    await page.context().close();
  });

  it('the net value chart, in Telegram\'s dark theme', async () => {
    const page = await open(w.initDataFor(TRADER_USER), 'dark', 'equity');
    await page.locator('#equity-chart[data-drawn="true"]').waitFor();
    expect(await page.locator('#equity-last').textContent()).toMatch(/^\d{1,3}(,\d{3})+\.\d{2} USDT$/);
    const pixels = await chartPixels(page, '#equity-chart', [0x52, 0x88, 0xc1]);
    expect(pixels.matching).toBeGreaterThan(200);
    expect(await page.evaluate(() => (globalThis as unknown as BrowserGlobals).document.documentElement.dataset.theme)).toBe('dark');
    expect(await page.evaluate(bodyBackground)).toBe('rgb(23, 33, 43)');
    if (SCREENSHOTS) {
      await page.screenshot({ path: join(SHOTS_DIR, 'webapp-equity-dark.png') });
      await page.locator('button[data-view="orders"]').click();
      await page.locator('#chart[data-drawn="true"]').waitFor();
      await page.screenshot({ path: join(SHOTS_DIR, 'webapp-orders-dark.png') });
      await page.locator('button[data-view="portfolio"]').click();
      await page.locator('tr[data-asset="BTC"]').waitFor();
      await page.screenshot({ path: join(SHOTS_DIR, 'webapp-portfolio-dark.png') });
    }
    await page.context().close();
  });

  it.each([
    ['forged', () => w.initDataFor(TRADER_USER, { token: '999999:another-bots-token_0123456789' })],
    ['expired', () => w.initDataFor(TRADER_USER, { ageS: 3601 })],
    ["a stranger's", () => w.initDataFor({ id: 6666, first_name: 'Eve', username: 'eve' })],
  ])('%s initData: the API answers 401 with nothing in it, and the page shows no data', async (_, initData) => {
    const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
    const page = await context.newPage();
    const answers: Array<{ status: number; body: string }> = [];
    page.on('response', async (response) => {
      if (response.url().includes('/app/api/')) answers.push({ status: response.status(), body: await response.text().catch(() => '') });
    });
    await page.goto(appUrl(initData()));
    await page.locator('#notice:not([hidden])').waitFor();
    expect(await page.locator('#notice').textContent()).toMatch(/not signed in/);
    expect(answers.length).toBeGreaterThan(0);
    expect(answers.every((a) => a.status === 401 && a.body === '')).toBe(true);
    expect(await page.locator('#balances tbody tr').count()).toBe(0);
    await context.close();
  });

  it('ran without script errors or refused resources (CSP)', () => {
    expect(problems).toEqual([]);
  });
});
