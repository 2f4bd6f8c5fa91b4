/**
 * The user data stream client against the simulator's real WebSocket API (and, for the failures a
 * server cannot fake, a loopback TCP proxy and a bare ws server).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { createLogger } from '../../src/logger.js';
import type { UserDataEvent } from '../../src/binance/user-data-events.js';
import { createUserStreamClient, type UserStreamClient, type UserStreamClientDeps } from '../../src/binance/user-stream-client.js';
import { simRequest, startTestSimulator, type TestSimulator } from '../support/simulator.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { eventually } from '../support/wait.js';

const logger = createLogger({ level: 'silent' });
const clients: UserStreamClient[] = [];

function startClient(sim: Pick<TestSimulator, 'wsApiUrl' | 'apiKey' | 'signer'>, overrides: Partial<UserStreamClientDeps> = {}) {
  const events: UserDataEvent[] = [];
  const connects: boolean[] = [];
  const client = createUserStreamClient({
    wsApiUrl: sim.wsApiUrl,
    apiKey: sim.apiKey,
    signer: sim.signer,
    logger,
    backoff: { initialMs: 20, maxMs: 200, stableAfterMs: 1_000 },
    requestTimeoutMs: 2_000,
    onEvent: (e) => void events.push(e),
    onConnected: ({ reconnect }) => void connects.push(reconnect),
    ...overrides,
  });
  clients.push(client);
  client.start();
  return { client, events, connects };
}

const buy = (sim: TestSimulator, quantity = '0.001') =>
  simRequest<{ orderId: number; status: string }>(sim, 'POST', '/api/v3/order', { symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity });

const reportsOf = (events: UserDataEvent[], orderId: number) => events.filter((e) => e.e === 'executionReport' && e.i === orderId);
const subscribed = (client: UserStreamClient) => eventually(() => client.snapshot().state === 'subscribed', 'the stream to subscribe');

let sim: TestSimulator;

beforeAll(async () => {
  sim = await startTestSimulator({ balances: { USDT: '100000' } });
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});

afterAll(async () => {
  await sim.close();
});

describe('user stream client: subscription', () => {
  it('subscribes with userDataStream.subscribe.signature and delivers validated events in order', async () => {
    const registry = new Registry();
    const { client, events, connects } = startClient(sim, { registry });
    await subscribed(client);
    expect(connects).toEqual([false]);
    const order = (await buy(sim)).body;
    await expect.poll(() => reportsOf(events, order.orderId).length >= 2, { message: 'NEW and TRADE reports' }).toBeTruthy();
    expect(reportsOf(events, order.orderId).map((e) => (e.e === 'executionReport' ? e.x : ''))).toEqual(['NEW', 'TRADE']);
    await expect.poll(() => events.some((e) => e.e === 'outboundAccountPosition'), { message: 'a balance update' }).toBeTruthy();
    const metrics = await registry.metrics();
    expect(metrics).toContain('binance_chatops_user_stream_state{state="subscribed"} 1');
    expect(metrics).toMatch(/binance_chatops_user_stream_events_total\{type="executionReport"\} [1-9]/);
    expect(client.snapshot().lastEventAt).toBeGreaterThan(0);
  });

  it('logs on with an Ed25519 key (session.logon + userDataStream.subscribe)', async () => {
    const edSim = await startTestSimulator({ keyType: 'ed25519', balances: { USDT: '100000' } });
    try {
      const { client, events } = startClient(edSim, { auth: 'logon' });
      await subscribed(client);
      const order = (await buy(edSim)).body;
      await expect.poll(() => reportsOf(events, order.orderId).length >= 2, { message: 'reports over the logon subscription' }).toBeTruthy();
    } finally {
      await Promise.all(clients.splice(0).map((c) => c.close()));
      await edSim.close();
    }
  });

  it('keeps retrying, with backoff, when the exchange refuses the signature, and never subscribes', async () => {
    const wrong = { ...sim, signer: { keyType: 'hmac' as const, sign: () => '0'.repeat(64) } };
    const { client } = startClient(wrong);
    await expect.poll(() => client.snapshot().failures >= 3, { message: 'three refused attempts' }).toBeTruthy();
    expect(client.snapshot().state).toBe('connecting');
    expect(client.snapshot().lastError).toMatch(/signature/i);
    expect(client.snapshot().lastError).not.toContain(sim.apiKey);
  });
});

describe('user stream client: reconnects', () => {
  it('reconnects after the exchange drops the connection, and reports the reconnect', async () => {
    const { client, events, connects } = startClient(sim);
    await subscribed(client);
    sim.control.faults.dropUserStreams();
    await expect.poll(() => connects.length === 2, { message: 'a second subscription' }).toBeTruthy();
    expect(connects).toEqual([false, true]);
    expect(client.snapshot().reconnects).toBe(1);
    const order = (await buy(sim)).body;
    await expect.poll(() => reportsOf(events, order.orderId).length >= 2, { message: 'events on the new connection' }).toBeTruthy();
  });

  it('moves to a new connection at once on serverShutdown', async () => {
    const { client, events, connects } = startClient(sim, { backoff: { initialMs: 60_000, maxMs: 60_000 } });
    await subscribed(client);
    sim.control.faults.announceShutdown();
    // With a one-minute backoff, only the immediate serverShutdown path can be this quick to resubscribe.
    await expect.poll(() => connects.length === 2 && client.snapshot().state === 'subscribed', { message: 'a new subscription', timeout: 10_000 }).toBeTruthy();
    const order = (await buy(sim)).body;
    await expect.poll(() => reportsOf(events, order.orderId).length >= 2, { message: 'events after the shutdown' }).toBeTruthy();
  });

  it('replaces a connection at its maximum age without a gap (make before break)', async () => {
    const states: string[] = [];
    const { client, events, connects } = startClient(sim, { maxConnectionAgeMs: 300, onStateChange: (s) => void states.push(s.state) });
    await subscribed(client);
    await expect.poll(() => connects.length >= 3, { message: 'two rollovers' }).toBeTruthy();
    // The subscription never lapsed: the old connection closed only after the new one subscribed.
    expect(states).toEqual(['connecting', 'subscribed']);
    expect(client.snapshot().reconnects).toBeGreaterThanOrEqual(2);
    const order = (await buy(sim)).body;
    await expect.poll(() => reportsOf(events, order.orderId).length >= 2, { message: 'events after the rollovers' }).toBeTruthy();
  });

  it('declares a silent connection dead (no ping, no frame) and reconnects', async () => {
    const proxy: TcpProxy = await startTcpProxy(Number(new URL(sim.wsApiUrl).port));
    try {
      const { client, connects } = startClient({ ...sim, wsApiUrl: proxy.via(sim.wsApiUrl) }, { idlePingMs: 100, deadAfterMs: 400 });
      await subscribed(client);
      proxy.blackhole();
      await expect.poll(() => connects.length === 2, { message: 'a reconnect after silence' }).toBeTruthy();
      expect(client.snapshot().state).toBe('subscribed');
    } finally {
      await Promise.all(clients.splice(0).map((c) => c.close()));
      await proxy.close();
    }
  });

  it('gives up on a request that gets no answer and tries a fresh connection', async () => {
    const mute = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await new Promise<void>((resolve) => mute.once('listening', () => resolve()));
    let connections = 0;
    mute.on('connection', () => (connections += 1));
    try {
      const url = `ws://127.0.0.1:${(mute.address() as AddressInfo).port}/ws-api/v3`;
      const { client } = startClient({ ...sim, wsApiUrl: url }, { requestTimeoutMs: 100 });
      await expect.poll(() => connections >= 3, { message: 'three attempts' }).toBeTruthy();
      expect(client.snapshot().state).toBe('connecting');
      expect(client.snapshot().lastError).toMatch(/no answer within 100 ms/);
    } finally {
      await Promise.all(clients.splice(0).map((c) => c.close()));
      await new Promise<void>((resolve) => mute.close(() => resolve()));
    }
  });

  it('stops at once on close(): no more events, no reconnect', async () => {
    const { client, events } = startClient(sim);
    await subscribed(client);
    await client.close();
    expect(client.snapshot().state).toBe('stopped');
    await buy(sim);
    await new Promise((r) => setTimeout(r, 200));
    expect(events).toHaveLength(0);
  });
});

describe('user stream client: secrets', () => {
  it('never logs the API key, the secret or a signature, whatever happens', async () => {
    const lines: string[] = [];
    const traced = createLogger({ level: 'trace', destination: { write: (line: string) => void lines.push(line) } });
    const wrong = { ...sim, signer: { keyType: 'hmac' as const, sign: () => 'f'.repeat(64) } };
    const refused = startClient(wrong, { logger: traced });
    await expect.poll(() => refused.client.snapshot().failures >= 2, { message: 'refusals' }).toBeTruthy();
    const { client, events } = startClient(sim, { logger: traced });
    await subscribed(client);
    sim.control.faults.dropUserStreams();
    await expect.poll(() => client.snapshot().reconnects >= 1 && client.snapshot().state === 'subscribed', { message: 'a reconnect' }).toBeTruthy();
    const order = (await buy(sim)).body;
    await expect.poll(() => reportsOf(events, order.orderId).length >= 2, { message: 'events' }).toBeTruthy();
    const log = lines.join('');
    expect(lines.length).toBeGreaterThan(5);
    expect(log).not.toContain(sim.apiKey);
    expect(log).not.toContain(sim.apiSecret!);
    expect(log).not.toContain('f'.repeat(64));
    expect(log).not.toMatch(/"signature":"[^"[]/);
  });
});
