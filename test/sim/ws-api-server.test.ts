import { createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import { createSigner, wsSign, type Signer } from '../../src/binance/signing.js';
import { createRequestAuth } from '../../src/sim/http/request-auth.js';
import type { UserDataEvent, UserEventSource } from '../../src/sim/types.js';
import { createWsApiServer, type WsApiServer, type WsApiServerOptions } from '../../src/sim/ws/ws-api-server.js';
import { fixture, fixturePath } from '../support/fixtures.js';
import { connectClient, serveEndpoints, type TestClient } from './ws-test-client.js';

interface Vector {
  id: string;
  apiKey?: string;
  secretKey?: string;
}
const vectors = fixture<{ vectors: Vector[] }>('signatures/binance_signature_vectors.json').vectors;
const hmacVector = vectors.find((v) => v.id === 'hmac_wsapi_ascii')!;
const HMAC_KEY = hmacVector.apiKey!;
const hmacSigner = createSigner({ apiSecret: hmacVector.secretKey! });
const ed25519Pem = readFileSync(fixturePath('signatures/ed25519_private_key.pem'), 'utf8');
const ED25519_KEY = 'ed25519TestKey0000000000000000000000000000000000000000000000001';
const ed25519Signer = createSigner({ privateKeyPem: ed25519Pem });
const docExamples = fixture<{ examples: Record<string, { event: UserDataEvent }> }>('user_data/binance_user_data_events_official_doc_examples.json').examples;

/** The smallest UserEventSource: the test pushes events by hand. */
function eventSource(): UserEventSource & { push(event: UserDataEvent): void } {
  const listeners = new Set<(event: UserDataEvent) => void>();
  return {
    onUserEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    push: (event) => listeners.forEach((l) => l(event)),
  };
}

interface Client extends TestClient {
  request(method: string, params?: Record<string, unknown>): Promise<Record<string, unknown>>;
}

let served: Awaited<ReturnType<typeof serveEndpoints>> | undefined;
let endpoint: WsApiServer | undefined;
const clients: WebSocket[] = [];

async function start(overrides: Partial<WsApiServerOptions> = {}) {
  const events = eventSource();
  const auth = createRequestAuth(
    [
      { apiKey: HMAC_KEY, type: 'hmac', secret: hmacVector.secretKey! },
      { apiKey: ED25519_KEY, type: 'ed25519', publicKeyPem: createPublicKey(ed25519Pem).export({ type: 'spki', format: 'pem' }).toString() },
    ],
    Date.now,
  );
  endpoint = createWsApiServer({ events, auth, logger: pino({ level: 'silent' }), now: Date.now, ...overrides });
  served = await serveEndpoints([endpoint]);
  return { events, url: `${served.base}/ws-api/v3` };
}

async function connect(url: string, options: { autoPong?: boolean } = {}): Promise<Client> {
  const client = await connectClient(url, options);
  clients.push(client.ws);
  let id = 0;
  return {
    ...client,
    async request(method, params) {
      id += 1;
      client.send(params === undefined ? { id, method } : { id, method, params });
      return client.next();
    },
  };
}

function signed(apiKey: string, signer: Signer, extra: Record<string, string | number> = {}): Record<string, string | number> {
  const params = { apiKey, timestamp: Date.now(), ...extra };
  return { ...params, signature: wsSign(params, signer) };
}

afterEach(async () => {
  for (const ws of clients.splice(0)) ws.terminate();
  await served?.close();
  served = undefined;
  endpoint = undefined;
});

describe('ws-api server: user data stream', () => {
  it('subscribes with an HMAC signature and delivers events as {subscriptionId, event}', async () => {
    const { events, url } = await start();
    const client = await connect(url);

    const response = await client.request('userDataStream.subscribe.signature', signed(HMAC_KEY, hmacSigner));
    expect(response).toMatchObject({ id: 1, status: 200, result: { subscriptionId: 0 } });
    expect(response.rateLimits).toEqual([{ rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: 6000, count: expect.any(Number) }]);

    const report = docExamples.executionReport!.event;
    const position = docExamples.outboundAccountPosition!.event;
    events.push(report);
    events.push(position);
    expect(await client.next()).toEqual({ subscriptionId: 0, event: report });
    expect(await client.next()).toEqual({ subscriptionId: 0, event: position });

    // One subscription per account per connection.
    expect(await client.request('userDataStream.subscribe.signature', signed(HMAC_KEY, hmacSigner))).toMatchObject({
      status: 400,
      error: { code: -2035, msg: 'User Data Stream subscription already active.' },
    });
    expect(endpoint!.subscriptionCount()).toBe(1);
  });

  it('subscribes with an Ed25519 signature, and through session.logon + userDataStream.subscribe', async () => {
    const { events, url } = await start();
    const bySignature = await connect(url);
    expect(await bySignature.request('userDataStream.subscribe.signature', signed(ED25519_KEY, ed25519Signer, { recvWindow: 5000 }))).toMatchObject({
      status: 200,
      result: { subscriptionId: 0 },
    });

    const session = await connect(url);
    expect(await session.request('userDataStream.subscribe')).toMatchObject({ status: 401, error: { code: -1002 } });
    const logon = await session.request('session.logon', signed(ED25519_KEY, ed25519Signer));
    expect(logon).toMatchObject({ status: 200, result: { apiKey: ED25519_KEY, userDataStream: false } });
    expect(await session.request('userDataStream.subscribe', { returnRateLimits: false })).toEqual({ id: 3, status: 200, result: { subscriptionId: 0 } });
    expect(await session.request('session.status')).toMatchObject({ result: { apiKey: ED25519_KEY, userDataStream: true } });

    const report = docExamples.executionReport!.event;
    events.push(report);
    expect(await bySignature.next()).toEqual({ subscriptionId: 0, event: report });
    expect(await session.next()).toEqual({ subscriptionId: 0, event: report });

    // Logging out ends the logon subscription (eventStreamTerminated), not signature ones.
    session.ws.send(JSON.stringify({ id: 'out', method: 'session.logout' }));
    expect(await session.next()).toMatchObject({ subscriptionId: 0, event: { e: 'eventStreamTerminated' } });
    expect(await session.next()).toMatchObject({ id: 'out', status: 200, result: { apiKey: null, userDataStream: false } });
    expect(endpoint!.subscriptionCount()).toBe(1);
  });

  it('refuses bad credentials with Binance codes, and session.logon for an HMAC key', async () => {
    const { url } = await start();
    const client = await connect(url);

    const bad = signed(HMAC_KEY, hmacSigner);
    bad.signature = String(bad.signature).replace(/^./, (c) => (c === 'a' ? 'b' : 'a'));
    expect(await client.request('userDataStream.subscribe.signature', bad)).toMatchObject({
      status: 400,
      error: { code: -1022, msg: 'Signature for this request is not valid.' },
    });
    // Signed over different params than sent: also -1022.
    const tampered = { ...signed(HMAC_KEY, hmacSigner), recvWindow: 60000 };
    expect(await client.request('userDataStream.subscribe.signature', tampered)).toMatchObject({ error: { code: -1022 } });
    expect(await client.request('userDataStream.subscribe.signature', signed('unknownKey123', hmacSigner))).toMatchObject({
      status: 401,
      error: { code: -2015 },
    });
    expect(await client.request('userDataStream.subscribe.signature', signed(HMAC_KEY, hmacSigner, { timestamp: Date.now() - 10 * 60_000 }))).toMatchObject({
      error: { code: -1021 },
    });
    expect(await client.request('session.logon', signed(HMAC_KEY, hmacSigner))).toMatchObject({ status: 401, error: { code: -1002 } });
    expect(await client.request('order.place', {})).toMatchObject({ status: 400, error: { code: -1020 } });
    client.ws.send('not json');
    expect(await client.next()).toMatchObject({ id: null, status: 400, error: { code: -1102 } });
    expect(endpoint!.subscriptionCount()).toBe(0);
  });

  it('answers ping and time, and unsubscribe ends the stream with eventStreamTerminated', async () => {
    const { events, url } = await start();
    const client = await connect(url);
    expect(await client.request('ping')).toMatchObject({ id: 1, status: 200, result: {} });
    const time = await client.request('v3/time');
    expect((time.result as { serverTime: number }).serverTime).toBeGreaterThan(1_700_000_000_000);

    await client.request('userDataStream.subscribe.signature', signed(HMAC_KEY, hmacSigner));
    expect(await client.request('userDataStream.unsubscribe', { subscriptionId: 7 })).toMatchObject({ error: { code: -2036 } });
    client.ws.send(JSON.stringify({ id: 9, method: 'userDataStream.unsubscribe', params: { subscriptionId: 0 } }));
    expect(await client.next()).toMatchObject({ subscriptionId: 0, event: { e: 'eventStreamTerminated' } });
    expect(await client.next()).toMatchObject({ id: 9, status: 200, result: {} });

    events.push(docExamples.balanceUpdate!.event);
    // Nothing arrives for the ended subscription: the next frame is the answer to this ping.
    expect(await client.request('ping')).toMatchObject({ status: 200 });
    // A new subscription gets a new id.
    expect(await client.request('userDataStream.subscribe.signature', signed(HMAC_KEY, hmacSigner))).toMatchObject({ result: { subscriptionId: 1 } });
  });
});

describe('ws-api server: connection faults', () => {
  it('pings every interval and drops a client that stops answering', async () => {
    const { url } = await start({ pingIntervalMs: 20, pongTimeoutMs: 500 });
    const answering = await connect(url);
    const silent = await connect(url, { autoPong: false });
    const pinged = new Promise((resolve) => answering.ws.once('ping', resolve));
    const silentPinged = new Promise((resolve) => silent.ws.once('ping', resolve));
    await Promise.all([pinged, silentPinged]);

    const { code } = await silent.closed;
    expect(code).toBe(1006);
    // The answering client is still served after the silent one was dropped.
    expect(await answering.request('ping')).toMatchObject({ status: 200 });
    expect(endpoint!.connectionCount()).toBe(1);
  });

  it('announceShutdown sends serverShutdown then closes; dropAll kills connections', async () => {
    const { url } = await start();
    const first = await connect(url);
    const second = await connect(url);
    endpoint!.announceShutdown();
    expect(await first.next()).toEqual({ event: { e: 'serverShutdown', E: expect.any(Number) } });
    expect((await first.closed).code).toBe(1001);
    expect((await second.closed).code).toBe(1001);

    const third = await connect(url);
    await third.request('userDataStream.subscribe.signature', signed(HMAC_KEY, hmacSigner));
    endpoint!.dropAll();
    // No close frame: the client sees an abnormal closure, as when a network link dies.
    expect((await third.closed).code).toBe(1006);
  });

  it('closes a connection at its maximum lifetime', async () => {
    const { url } = await start({ maxLifetimeMs: 50 });
    const client = await connect(url);
    expect((await client.closed).code).toBe(1000);
  });
});
