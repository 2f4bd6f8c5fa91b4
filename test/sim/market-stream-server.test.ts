import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { KlineRow } from '../../src/binance/types.js';
import { createMarketStreamServer } from '../../src/sim/ws/market-stream-server.js';
import { createProgrammaticFeed } from '../../src/sim/feeds/programmatic-feed.js';
import { createReplayFeed } from '../../src/sim/feeds/replay-feed.js';
import type { MarketFeed } from '../../src/sim/types.js';
import { KLINE_FIXTURES, fixture } from '../support/fixtures.js';
import { connectClient, serveEndpoints, type TestClient } from './ws-test-client.js';

const logger = pino({ level: 'silent' });
const T0 = Date.UTC(2025, 0, 1, 10, 30);

let served: Awaited<ReturnType<typeof serveEndpoints>> | undefined;
const clients: TestClient[] = [];

async function serve(feed: MarketFeed): Promise<string> {
  return (await serveWithEndpoint(feed)).base;
}

async function serveWithEndpoint(feed: MarketFeed) {
  const endpoint = createMarketStreamServer({ feed, logger });
  served = await serveEndpoints([endpoint]);
  return { base: served.base, endpoint };
}

async function open(url: string): Promise<TestClient> {
  const client = await connectClient(url);
  clients.push(client);
  return client;
}

afterEach(async () => {
  for (const c of clients.splice(0)) c.ws.terminate();
  await served?.close();
  served = undefined;
});

type KlineEvent = { e: string; s: string; k: { t: number; T: number; i: string; o: string; h: string; l: string; c: string; x: boolean; v: string; n: number } };

describe('market stream server', () => {
  it('pushes <symbol>@kline_<interval> with k.x false while forming and true at the close', async () => {
    const feed = createProgrammaticFeed({ symbols: ['BTCUSDT'], prices: { BTCUSDT: '100' }, now: () => T0 });
    const base = await serve(feed);
    const client = await open(`${base}/ws/btcusdt@kline_1h`);

    feed.setPrice('BTCUSDT', '101');
    const forming = (await client.next()) as unknown as KlineEvent;
    expect(forming).toMatchObject({ e: 'kline', s: 'BTCUSDT', k: { t: Date.UTC(2025, 0, 1, 10), T: Date.UTC(2025, 0, 1, 11) - 1, i: '1h', c: '101.00000000', x: false } });

    feed.setPrice('BTCUSDT', '99.5');
    expect(((await client.next()) as unknown as KlineEvent).k).toMatchObject({ h: '101.00000000', l: '99.50000000', c: '99.50000000', x: false });

    feed.closeCandle('BTCUSDT', '1h');
    const closed = (await client.next()) as unknown as KlineEvent;
    expect(closed.k).toMatchObject({ t: Date.UTC(2025, 0, 1, 10), o: '101.00000000', h: '101.00000000', l: '99.50000000', c: '99.50000000', x: true, n: 0 });

    feed.setPrice('BTCUSDT', '98');
    expect(((await client.next()) as unknown as KlineEvent).k).toMatchObject({ t: Date.UTC(2025, 0, 1, 11), o: '99.50000000', c: '98.00000000', x: false });
    // The 1m/4h closes did not concern this stream: the next frame is the answer to this request.
    client.send({ method: 'LIST_SUBSCRIPTIONS', id: 9 });
    expect(await client.next()).toEqual({ result: ['btcusdt@kline_1h'], id: 9 });
  });

  it('replays a recorded candle as forming updates then the closed candle, byte-equal to the recording', async () => {
    const objects = fixture<Array<{ openTime: number; open: string; high: string; low: string; close: string; volume: string; closeTime: number; quoteAssetVolume: string; numberOfTrades: number; takerBuyBaseAssetVolume: string }>>(KLINE_FIXTURES.objects1h);
    const rows: KlineRow[] = objects.slice(0, 120).map((o) => [o.openTime, o.open, o.high, o.low, o.close, o.volume, o.closeTime, o.quoteAssetVolume, o.numberOfTrades, o.takerBuyBaseAssetVolume, '0', '0']);
    const feed = createReplayFeed({ series: { BTCUSDT: rows }, speed: 60, logger });
    const base = await serve(feed);
    const client = await open(`${base}/stream?streams=btcusdt@kline_1h`);

    feed.step();
    const frames: Array<{ stream: string; data: KlineEvent }> = [];
    for (;;) {
      const frame = (await client.next()) as unknown as { stream: string; data: KlineEvent };
      frames.push(frame);
      if (frame.data.k.x) break;
    }
    expect(frames.every((f) => f.stream === 'btcusdt@kline_1h')).toBe(true);
    expect(frames.slice(0, -1).every((f) => !f.data.k.x && f.data.k.t === rows[100]![0])).toBe(true);
    expect(frames.length).toBeGreaterThanOrEqual(3);
    const row = rows[100]!;
    expect(frames.at(-1)!.data.k).toMatchObject({ t: row[0], T: row[6], o: row[1], h: row[2], l: row[3], c: row[4], v: row[5], n: row[8], x: true });
  });

  it('serves combined streams, live SUBSCRIBE and LIST_SUBSCRIPTIONS, and the miniTicker', async () => {
    const feed = createProgrammaticFeed({ symbols: ['BTCUSDT', 'ETHUSDT'], prices: { BTCUSDT: '100', ETHUSDT: '10' }, now: () => T0 });
    const base = await serve(feed);
    const client = await open(`${base}/stream?streams=ethusdt@kline_4h`);

    client.send({ method: 'SUBSCRIBE', params: ['btcusdt@miniTicker', 'btcusdt@kline_1d'], id: 1 });
    expect(await client.next()).toEqual({ result: null, id: 1 });
    client.send({ method: 'LIST_SUBSCRIPTIONS', id: 2 });
    expect(((await client.next()).result as string[]).sort()).toEqual(['btcusdt@kline_1d', 'btcusdt@miniTicker', 'ethusdt@kline_4h']);
    client.send({ method: 'SUBSCRIBE', params: ['btcusdt@depth'], id: 3 });
    expect(await client.next()).toMatchObject({ code: 2, id: 3 });

    feed.setPrice('BTCUSDT', '105');
    const first = await client.next();
    const second = await client.next();
    const byStream = new Map([first, second].map((f) => [f.stream, f.data]));
    expect(byStream.get('btcusdt@kline_1d')).toMatchObject({ e: 'kline', k: { i: '1d', c: '105.00000000', x: false } });
    expect(byStream.get('btcusdt@miniTicker')).toMatchObject({ e: '24hrMiniTicker', s: 'BTCUSDT', c: '105.00000000' });

    client.send({ method: 'UNSUBSCRIBE', params: ['btcusdt@miniTicker', 'btcusdt@kline_1d'], id: 4 });
    expect(await client.next()).toEqual({ result: null, id: 4 });
    feed.setPrice('ETHUSDT', '11');
    expect(await client.next()).toMatchObject({ stream: 'ethusdt@kline_4h', data: { s: 'ETHUSDT', k: { c: '11.00000000' } } });
    feed.setPrice('BTCUSDT', '106');
    client.send({ method: 'GET_PROPERTY', params: ['combined'], id: 5 });
    expect(await client.next()).toEqual({ result: true, id: 5 });
  });

  it('drops a connection that sends more than 5 messages in a second, as Binance does', async () => {
    const feed = createProgrammaticFeed({ symbols: ['BTCUSDT'], prices: { BTCUSDT: '100' }, now: () => T0 });
    const client = await open(`${await serve(feed)}/ws`);
    const closed = new Promise<void>((resolve) => client.ws.once('close', () => resolve()));
    for (let id = 1; id <= 6; id++) client.ws.send(JSON.stringify({ method: 'LIST_SUBSCRIPTIONS', id }));
    await closed;
    expect(client.ws.readyState).toBe(WebSocket.CLOSED);
  });

  it('refuses an unknown stream at the handshake, and announces shutdown on combined streams', async () => {
    const feed = createProgrammaticFeed({ symbols: ['BTCUSDT'], prices: { BTCUSDT: '100' }, now: () => T0 });
    const { base, endpoint } = await serveWithEndpoint(feed);
    const status = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`${base}/ws/btcusdt@kline_7m`);
      ws.on('unexpected-response', (_req, res) => {
        resolve(res.statusCode ?? 0);
        ws.terminate();
      });
      ws.on('error', () => undefined);
    });
    expect(status).toBe(400);

    const combined = await open(`${base}/stream?streams=btcusdt@kline_1m`);
    const raw = await open(`${base}/ws/btcusdt@kline_1m`);
    endpoint.announceShutdown();
    expect(await combined.next()).toEqual({ stream: '!serverShutdown', data: { e: 'serverShutdown', E: T0 } });
    expect(await raw.next()).toEqual({ e: 'serverShutdown', E: T0 });
    expect((await combined.closed).code).toBe(1001);
    expect((await raw.closed).code).toBe(1001);
  });
});
