// The Mini App page (DESIGN.md §12). Plain ES module, no build step. Telegram hands the page its
// launch parameters in the URL fragment (tgWebAppData = initData, tgWebAppThemeParams = colours),
// so Telegram's own script is not needed. Every API call sends initData in the Authorization
// header; the page holds no secret. Text from the server is always set as text, never as HTML.

const launch = new URLSearchParams(location.hash.slice(1));
const initData = launch.get('tgWebAppData') ?? globalThis.Telegram?.WebApp?.initData ?? '';
const $ = (id) => document.getElementById(id);
const el = (tag, props = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === 'class') node.className = value;
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else if (value !== undefined) node.setAttribute(key, value);
  }
  for (const child of children) if (child !== undefined && child !== null) node.append(child);
  return node;
};

// ── Theme ────────────────────────────────────────────────────────────────────────────────────
let dark = false;
function luminance(hex) {
  const m = /^#?([0-9a-f]{6})$/i.exec(hex ?? '');
  if (!m) return undefined;
  const n = parseInt(m[1], 16);
  return (0.2126 * ((n >> 16) & 255) + 0.7152 * ((n >> 8) & 255) + 0.0722 * (n & 255)) / 255;
}
function applyTheme(params) {
  const root = document.documentElement;
  for (const [key, value] of Object.entries(params ?? {})) {
    if (typeof value === 'string' && /^#[0-9a-f]{3,8}$/i.test(value)) root.style.setProperty(`--tg-${key.replace(/_/g, '-')}`, value);
  }
  const lum = luminance(params?.bg_color);
  dark = lum !== undefined ? lum < 0.5 : matchMedia('(prefers-color-scheme: dark)').matches;
  root.dataset.theme = dark ? 'dark' : 'light';
  charts.forEach((c) => c.applyOptions(chartColors()));
}
function parseTheme(text) {
  try {
    return JSON.parse(text ?? '{}');
  } catch {
    return {};
  }
}
function onTelegramEvent(type, data) {
  if (type === 'theme_changed') applyTheme(data?.theme_params);
}
// Native clients call Telegram.WebView.receiveEvent; web clients post a message to the frame.
globalThis.Telegram ??= {};
globalThis.Telegram.WebView ??= { receiveEvent: onTelegramEvent };
addEventListener('message', (event) => {
  if (typeof event.data !== 'string' || !/^https:\/\/([a-z0-9-]+\.)*telegram\.org$/.test(event.origin)) return;
  try {
    const { eventType, eventData } = JSON.parse(event.data);
    onTelegramEvent(eventType, eventData);
  } catch {
    /* not Telegram's */
  }
});
function tellTelegram(type) {
  if (globalThis.TelegramWebviewProxy?.postEvent) globalThis.TelegramWebviewProxy.postEvent(type, '');
  else if (window.parent !== window) window.parent.postMessage(JSON.stringify({ eventType: type, eventData: {} }), 'https://web.telegram.org');
}

// ── API ──────────────────────────────────────────────────────────────────────────────────────
class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}
async function api(path, body) {
  const response = await fetch(`api/${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `tma ${initData}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (response.status === 401) {
    signedOut();
    throw new ApiError(401, 'Not signed in.');
  }
  const json = await response.json().catch(() => ({}));
  if (!response.ok) throw new ApiError(response.status, json.message ?? 'Something went wrong.');
  return json;
}
function signedOut() {
  notice('This page is not signed in, or its sign-in has expired. Close it and open it again from the bot with /app.');
}
function notice(text) {
  const p = $('notice');
  p.textContent = text;
  p.hidden = !text;
}
let toastTimer;
function toast(text) {
  const t = $('toast');
  t.textContent = text;
  t.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => (t.hidden = true), 4000);
}
const fail = (error) => {
  if (error.status !== 401) toast(error.message);
};
const utc = (ms) => new Date(ms).toISOString().slice(0, 16).replace('T', ' ') + ' UTC';

// ── Charts (lightweight-charts, served by the product) ───────────────────────────────────────
const charts = new Set();
function chartColors() {
  const css = getComputedStyle(document.documentElement);
  const text = css.getPropertyValue('--hint').trim() || '#888';
  const line = dark ? 'rgba(255,255,255,0.08)' : 'rgba(0,0,0,0.06)';
  return {
    layout: { background: { type: 'solid', color: 'transparent' }, textColor: text, fontFamily: 'DejaVu Sans, sans-serif', attributionLogo: false },
    grid: { vertLines: { color: line }, horzLines: { color: line } },
  };
}
function makeChart(container) {
  const LC = globalThis.LightweightCharts;
  const chart = LC.createChart(container, { autoSize: true, timeScale: { timeVisible: true, secondsVisible: false }, rightPriceScale: { borderVisible: false }, ...chartColors() });
  charts.add(chart);
  return chart;
}
function drawn(container) {
  // Rendering happens on the next animation frame.
  requestAnimationFrame(() => requestAnimationFrame(() => (container.dataset.drawn = 'true')));
}

// ── Views ────────────────────────────────────────────────────────────────────────────────────
let me;
let chartSymbol;

async function loadPortfolio() {
  const p = await api('portfolio');
  $('total').textContent = `${p.totalText} ${p.valuationAsset}`;
  const table = $('balances');
  table.classList.toggle('with-pnl', p.pnl);
  const body = table.tBodies[0];
  body.replaceChildren(
    ...p.rows.map((r) => {
      const pnlClass = r.unrealized === undefined ? '' : r.unrealized.startsWith('-') ? 'neg' : 'pos';
      return el(
        'tr',
        { 'data-asset': r.asset },
        el('td', { class: 'asset' }, r.asset, r.lockedText ? el('span', { class: 'sub' }, `locked ${r.lockedText}`) : null),
        el('td', { class: 'num' }, r.totalText),
        el('td', { class: 'num' }, r.valueText),
        el('td', { class: `num pnl ${pnlClass}` }, r.unrealizedText ?? (r.unknownEntry ? 'entry unknown' : ''), r.averageEntryText ? el('span', { class: 'sub' }, `avg ${r.averageEntryText}`) : null),
      );
    }),
  );
  const note = $('pnl-note');
  note.hidden = p.pnl && p.unvalued.length === 0;
  note.textContent = [p.pnl ? '' : 'P&L appears here once the ledger records fills.', p.unvalued.length ? `No ${p.valuationAsset} price for ${p.unvalued.join(', ')}.` : ''].filter(Boolean).join(' ');
}

async function loadOrders() {
  const { orders, stops } = await api('orders');
  $('orders').replaceChildren(
    ...(orders.length
      ? orders.map((o) =>
          el(
            'li',
            { 'data-order-id': String(o.orderId) },
            el(
              'div',
              { class: 'main' },
              el('span', { class: `side-${o.side}` }, o.side), ` ${o.symbol} `,
              el('span', { class: 'sub' }, [o.type, o.priceText ? `@ ${o.priceText}` : '', o.stopPriceText ? `stop ${o.stopPriceText}` : '', `qty ${o.quantityText}`, o.filledText !== o.quantityText.replace(/[1-9]/g, '0') ? `filled ${o.filledText}` : ''].filter(Boolean).join(' · ')),
            ),
            el('button', { class: 'danger', onclick: (e) => cancelOrder(o, e.currentTarget) }, 'Cancel'),
          ),
        )
      : [el('li', { class: 'empty' }, 'No open orders.')]),
  );
  $('stops').replaceChildren(
    ...(stops.length
      ? stops.map((s) =>
          el(
            'li',
            { 'data-stop-id': s.id },
            el(
              'div',
              { class: 'main', onclick: () => showChart(s.symbol) },
              `${s.symbol} `,
              el('span', { class: 'sub' }, [`${s.kind}${s.interval ? ` ${s.interval}` : ''}`, s.stopPriceText ? `stop ${s.stopPriceText}` : s.kind === 'fractal' ? 'waiting for a fractal' : 'no order on the exchange', `qty ${s.quantityText}`, s.status].join(' · ')),
            ),
            el('button', { class: 'danger', onclick: (e) => removeStop(s, e.currentTarget) }, 'Remove'),
          ),
        )
      : [el('li', { class: 'empty' }, 'No managed stops.')]),
  );
  const symbol = chartSymbol ?? stops[0]?.symbol ?? orders[0]?.symbol ?? 'BTCUSDT';
  await showChart(symbol);
}

let candleChart;
async function showChart(symbol) {
  chartSymbol = symbol;
  const interval = $('chart-interval').value;
  const view = await api(`chart?symbol=${encodeURIComponent(symbol)}&interval=${encodeURIComponent(interval)}`);
  $('chart-title').textContent = `${view.symbol} · ${view.interval}`;
  const container = $('chart');
  const LC = globalThis.LightweightCharts;
  if (candleChart) {
    charts.delete(candleChart);
    candleChart.remove();
  }
  candleChart = makeChart(container);
  const precision = { type: 'price', precision: view.priceDecimals, minMove: 10 ** -view.priceDecimals };
  const css = getComputedStyle(document.documentElement);
  const up = css.getPropertyValue('--up').trim();
  const down = css.getPropertyValue('--down').trim();
  const candles = candleChart.addSeries(LC.CandlestickSeries, { upColor: up, downColor: down, wickUpColor: up, wickDownColor: down, borderVisible: false, priceFormat: precision });
  candles.setData(view.candles);
  LC.createSeriesMarkers(
    candles,
    view.fractals.map((f) =>
      f.kind === 'bullish'
        ? { time: f.time, position: 'belowBar', shape: 'arrowUp', color: up, size: 0.6 }
        : { time: f.time, position: 'aboveBar', shape: 'arrowDown', color: down, size: 0.6 },
    ),
  );
  const stopColor = css.getPropertyValue('--stop').trim() || '#e39a0f';
  for (const stop of view.stops) {
    if (stop.path.length > 0) {
      const last = view.candles.at(-1)?.time;
      const path = last !== undefined && stop.path.at(-1).time < last ? [...stop.path, { time: last, price: stop.path.at(-1).price }] : stop.path;
      const line = candleChart.addSeries(LC.LineSeries, { color: stopColor, lineWidth: 2, lineType: 1, priceFormat: precision, lastValueVisible: false, priceLineVisible: false, crosshairMarkerVisible: false });
      line.setData(path.map((p) => ({ time: p.time, value: p.price })));
    }
    if (stop.stopPrice !== undefined) candles.createPriceLine({ price: stop.stopPrice, color: stopColor, lineWidth: 1, lineStyle: 2, axisLabelVisible: true, title: 'stop' });
  }
  candleChart.timeScale().fitContent();
  drawn(container);
}

let equityChart;
let equityDays = 30;
async function loadEquity() {
  const view = await api(`equity?days=${equityDays}`);
  const note = $('equity-note');
  const container = $('equity-chart');
  if (!view.available) {
    $('equity-last').textContent = '—';
    note.textContent = 'The net value history is not recorded on this deployment yet.';
    note.hidden = false;
    return;
  }
  note.hidden = view.points.length > 0;
  note.textContent = 'No samples in this range yet.';
  $('equity-last').textContent = view.lastText ? `${view.lastText} ${view.valuationAsset}` : '—';
  const LC = globalThis.LightweightCharts;
  if (equityChart) {
    charts.delete(equityChart);
    equityChart.remove();
  }
  equityChart = makeChart(container);
  const css = getComputedStyle(document.documentElement);
  const color = css.getPropertyValue('--button').trim() || '#2481cc';
  const area = equityChart.addSeries(LC.AreaSeries, { lineColor: color, topColor: `${color}55`, bottomColor: `${color}05`, lineWidth: 2 });
  area.setData(view.points.map((p) => ({ time: p.time, value: p.value })));
  equityChart.timeScale().fitContent();
  drawn(container);
}

const ALERT_LABELS = { fills: 'Fills', stops: 'Stop moves', errors: 'Order errors', system: 'System' };
async function loadAlerts(settings) {
  settings ??= (await api('alerts')).settings;
  $('alert-settings').replaceChildren(
    ...Object.entries(settings).map(([kind, mode]) =>
      el(
        'li',
        {},
        el('div', { class: 'main' }, ALERT_LABELS[kind] ?? kind),
        ...['on', 'silent', 'off'].map((m) =>
          el('button', { 'aria-pressed': String(m === mode), onclick: async () => loadAlerts((await api('alerts', { kind, mode: m }).catch(fail))?.settings) }, m),
        ),
      ),
    ),
  );
}

async function loadActivity() {
  const { entries } = await api('activity');
  $('activity').replaceChildren(
    ...(entries.length
      ? entries.map((a) =>
          el('li', {}, el('div', { class: 'main' }, `${a.event} · ${a.outcome}${a.symbol ? ` · ${a.symbol}` : ''}`, el('span', { class: 'sub' }, [utc(a.at), a.who, a.detail].filter(Boolean).join(' · ')))),
        )
      : [el('li', { class: 'empty' }, 'Nothing recorded yet.')]),
  );
}

// ── Actions: the same intents and Confirm as the chat ─────────────────────────────────────────
async function cancelOrder(order, button) {
  button.disabled = true;
  try {
    const { text } = await api('orders/cancel', { symbol: order.symbol, orderId: order.orderId });
    toast(text);
    await loadOrders();
  } catch (error) {
    fail(error);
    button.disabled = false;
  }
}
async function removeStop(stop, button) {
  button.disabled = true;
  try {
    const { text } = await api('stops/remove', { symbol: stop.symbol });
    toast(text);
    await loadOrders();
  } catch (error) {
    fail(error);
    button.disabled = false;
  }
}
let pendingIntent;
$('trade').addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = new FormData(event.currentTarget);
  const body = { side: form.get('side'), symbol: form.get('symbol'), amount: form.get('amount'), ...(form.get('price') ? { price: form.get('price') } : {}) };
  try {
    const card = await api('intents', body);
    pendingIntent = card.intentId;
    $('card-text').textContent = card.text;
    $('card').hidden = false;
    $('card-confirm').disabled = false;
    $('card-dismiss').disabled = false;
  } catch (error) {
    fail(error);
  }
});
async function decide(action) {
  if (!pendingIntent) return;
  $('card-confirm').disabled = true;
  $('card-dismiss').disabled = true;
  try {
    const outcome = await api(`intents/${encodeURIComponent(pendingIntent)}/${action}`, {});
    $('card-text').textContent = outcome.text;
    if (action === 'confirm') toast(outcome.answer ?? 'Confirmed: the order is on its way. Its news arrives in the chat.');
  } catch (error) {
    fail(error);
  }
  pendingIntent = undefined;
}
$('card-confirm').addEventListener('click', () => decide('confirm'));
$('card-dismiss').addEventListener('click', () => decide('dismiss'));

// ── Tabs ─────────────────────────────────────────────────────────────────────────────────────
const loaders = { portfolio: loadPortfolio, orders: loadOrders, equity: loadEquity, alerts: () => loadAlerts(), activity: loadActivity };
let current = 'portfolio';
function show(view) {
  current = view;
  for (const tab of document.querySelectorAll('.tabs button')) tab.setAttribute('aria-selected', String(tab.dataset.view === view));
  for (const section of document.querySelectorAll('.view')) section.hidden = section.id !== `view-${view}`;
  return loaders[view]().catch(fail);
}
for (const tab of document.querySelectorAll('.tabs button')) tab.addEventListener('click', () => show(tab.dataset.view));
$('chart-interval').addEventListener('change', () => chartSymbol && showChart(chartSymbol).catch(fail));
for (const button of document.querySelectorAll('.range button')) {
  button.addEventListener('click', () => {
    equityDays = Number(button.dataset.days);
    for (const b of document.querySelectorAll('.range button')) b.setAttribute('aria-pressed', String(b === button));
    loadEquity().catch(fail);
  });
}

// ── Live updates (Server-Sent Events, read with fetch so initData stays in a header) ────────────
let refreshTimer;
function refreshSoon() {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(() => loaders[current]().catch(fail), 300);
}
const LIVE_TEXT = { fill: 'An order filled.', stop: 'A stop moved.', order: 'An order changed.', error: 'An order failed: see the chat.' };
async function live() {
  let delay = 1000;
  for (;;) {
    try {
      const response = await fetch('api/events', { headers: { authorization: `tma ${initData}`, accept: 'text/event-stream' } });
      if (response.status === 401) return signedOut();
      if (!response.ok || !response.body) throw new Error(String(response.status));
      $('live').classList.add('on');
      delay = 1000;
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = block.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trim()).join('\n');
          if (!data) continue;
          const event = JSON.parse(data);
          if (event.type === 'alert' && LIVE_TEXT[event.category]) toast(LIVE_TEXT[event.category]);
          refreshSoon();
        }
      }
    } catch {
      /* reconnect below */
    }
    $('live').classList.remove('on');
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay = Math.min(delay * 2, 30_000);
  }
}

// ── Start ────────────────────────────────────────────────────────────────────────────────────
async function start() {
  applyTheme(parseTheme(launch.get('tgWebAppThemeParams')));
  tellTelegram('web_app_ready');
  if (!initData) return signedOut();
  try {
    me = await api('me');
  } catch (error) {
    return fail(error);
  }
  const badge = $('mode');
  badge.textContent = me.mode.toUpperCase();
  badge.classList.toggle('live-mode', me.mode === 'live');
  badge.hidden = false;
  const asked = new URLSearchParams(location.search).get('view');
  await show(asked && asked in loaders ? asked : 'portfolio');
  void live();
}
if (document.readyState === 'loading') addEventListener('DOMContentLoaded', start);
else start();
