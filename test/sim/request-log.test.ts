/**
 * The paper exchange's request log (control.requests()) keeps the recent requests only: the `all`
 * role runs the paper exchange in the product's own process, and a log of every request it ever
 * answered was the one structure of the soak's heap snapshots that grew with traffic without a
 * bound (about 190 bytes a request, the entry holding its whole signed URL).
 */
import { afterEach, expect, test } from 'vitest';
import { simRequest, startTestSimulator, type TestSimulator } from '../support/simulator.js';

let sim: TestSimulator | undefined;
afterEach(() => sim?.close());

test('the request log keeps the last keptRequests requests, oldest dropped first', async () => {
  sim = await startTestSimulator({ options: { keptRequests: 10 } });
  for (let i = 0; i < 40; i++) await simRequest(sim, 'GET', '/api/v3/ping');
  await simRequest(sim, 'GET', '/api/v3/time');
  const log = sim.control.requests();
  expect(log.length).toBeGreaterThanOrEqual(10);
  expect(log.length).toBeLessThanOrEqual(11);
  expect(log.at(-1)).toMatchObject({ method: 'GET', path: '/api/v3/time', status: 200 });
  expect(log.slice(0, -1).every((r) => r.path === '/api/v3/ping')).toBe(true);
  const times = log.map((r) => r.receivedAt);
  expect(times).toEqual([...times].sort((a, b) => a - b));
});
