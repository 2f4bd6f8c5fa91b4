/**
 * The account's user data stream from the simulator's WebSocket API, as a client subscribes to
 * it (userDataStream.subscribe.signature), for tests that check executionReport fields.
 */
import { wsSign } from '../../src/binance/signing.js';
import type { TestSimulator } from '../support/simulator.js';
import { connectClient, type TestClient } from './ws-test-client.js';

export interface UserStream {
  /** The next executionReport (events of other types are skipped). */
  nextReport(): Promise<Record<string, unknown>>;
  /** executionReports until one matches. */
  reportWhere(match: (event: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
  close(): void;
}

export async function subscribeUserStream(sim: Pick<TestSimulator, 'wsApiUrl' | 'apiKey' | 'signer'>): Promise<UserStream> {
  const client: TestClient = await connectClient(sim.wsApiUrl);
  const params: Record<string, string | number> = { apiKey: sim.apiKey, timestamp: Date.now() };
  client.send({ id: 'sub', method: 'userDataStream.subscribe.signature', params: { ...params, signature: wsSign(params, sim.signer) } });
  const answer = await client.next();
  if (answer.status !== 200) throw new Error(`subscribe failed: ${JSON.stringify(answer)}`);
  const nextReport = async (): Promise<Record<string, unknown>> => {
    for (;;) {
      const frame = await client.next();
      const event = frame.event as Record<string, unknown> | undefined;
      if (event?.e === 'executionReport') return event;
    }
  };
  return {
    nextReport,
    async reportWhere(match) {
      for (;;) {
        const event = await nextReport();
        if (match(event)) return event;
      }
    },
    close: () => client.ws.close(),
  };
}
