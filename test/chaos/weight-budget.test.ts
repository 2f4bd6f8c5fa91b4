/**
 * Regression (found by the exchange-faults chaos suite): under load — twenty traders' cards and
 * the worker's reconcile look-ups at once — the REST client ran its per-minute request weight up
 * to the limit; the exchange answered 429, and a look-up already on its way when that 429 was
 * answered earned a 418 IP ban (2 minutes; on Binance up to 3 days, during which no stop can be
 * moved). The client must stop at a high-water mark of X-MBX-USED-WEIGHT-1M, before the limit,
 * and hold every request until the minute ends.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { createRestClient, type RestClient } from '../../src/binance/rest-client.js';
import { createLogger } from '../../src/logger.js';
import { isExchangeError } from '../../src/errors.js';
import { startTestSimulator, type TestSimulator } from '../support/simulator.js';

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
