/**
 * A worker killed mid-sync leaves the ledger exact. Two real ledger worker processes
 * (test/support/processes/ledger-worker.mjs, built from dist/) share the `ledger` queue on one
 * simulator and one Redis. The account has fills on three symbols (two quotes), read 10 to a page,
 * and a process SIGKILLs itself at planned pages, after a page's fills were stored but before the
 * cursor moved past them (the worst moment: the next run reads that page again) and, in a second
 * run, right after the cursor moved. A supervisor restarts dead processes; BullMQ hands the
 * stalled sync to the other, which goes on from the stored cursors.
 *
 * At the end: the ledger holds each of the exchange's fills exactly once, and its P&L and
 * positions equal a clean rebuild's to the last decimal.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import type { NewOrderParams } from '../../src/binance/types.js';
import { createExchangeInfoCache } from '../../src/binance/exchange-info-cache.js';
import { createRestClient } from '../../src/binance/rest-client.js';
import { createLedgerReader } from '../../src/ledger/ledger-reader.js';
import { createLedgerStore } from '../../src/ledger/ledger-store.js';
import { createLogger } from '../../src/logger.js';
import { createRedisConnection } from '../../src/redis.js';
import { exchangeTradeKeys, expectLedgerExact } from '../ledger/ledger-support.js';
import { testRedisUrl, uniquePrefix } from '../support/redis.js';
import { startTestSimulator, type TestSimulator } from '../support/simulator.js';
import { eventually } from '../trading/eventually.js';
import { startProcessFleet, type ProcessFleet } from './support/process-fleet.js';

const ROOT = resolve(import.meta.dirname, '../..');
const SCRIPT = join(ROOT, 'test/support/processes/ledger-worker.mjs');
const SYMBOLS = ['BTCUSDT', 'ETHUSDT', 'ETHBTC'];

function ensureBuilt(): void {
  const stale = (dir: string): boolean =>
    readdirSync(join(ROOT, 'src', dir), { withFileTypes: true }).some((entry) => {
      if (!entry.isFile() || !entry.name.endsWith('.ts')) return false;
      const built = join(ROOT, 'dist', dir, entry.name.replace(/\.ts$/, '.js'));
      return !existsSync(built) || statSync(built).mtimeMs < statSync(join(ROOT, 'src', dir, entry.name)).mtimeMs;
    });
  if (['', 'ledger', 'binance'].some(stale)) spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'ignore', timeout: 180_000 });
  expect(existsSync(join(ROOT, 'dist/ledger/ledger-service.js'))).toBe(true);
}

let sim: TestSimulator | undefined;
let fleet: ProcessFleet | undefined;
afterEach(async () => {
  await fleet?.close(3_000);
  await sim?.close();
  fleet = undefined;
  sim = undefined;
});

describe('chaos: ledger worker killed mid-sync', () => {
  for (const step of ['stored', 'advanced'] as const) {
    it(`SIGKILLs after a page was ${step === 'stored' ? 'stored, before its cursor moved' : 'stored and its cursor moved'}: every fill once, the P&L of a clean rebuild`, async () => {
      ensureBuilt();
      sim = await startTestSimulator({ balances: { USDT: '100000', BTC: '0.5', ETH: '5' }, prices: { BTCUSDT: '60000', ETHUSDT: '3000', ETHBTC: '0.05' }, options: { ordersPer10s: 1000 } });
      for (const symbol of SYMBOLS) sim.feed.setPrice(symbol, sim.feed.price(symbol)!);
      const logger = createLogger({ level: 'silent' });
      const exchange = createRestClient({ baseUrl: sim.restUrl, apiKey: sim.apiKey, signer: sim.signer, logger, registry: new Registry(), timeoutMs: 2_000, clockRefreshMs: 0 });
      const exchangeInfo = createExchangeInfoCache({ load: () => exchange.exchangeInfo(), logger });
      const orders: NewOrderParams[] = [
        { symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: '0.01' },
        { symbol: 'ETHBTC', side: 'BUY', type: 'MARKET', quantity: '0.2' },
        { symbol: 'ETHUSDT', side: 'SELL', type: 'MARKET', quantity: '0.1' },
        { symbol: 'BTCUSDT', side: 'SELL', type: 'MARKET', quantity: '0.005' },
        { symbol: 'ETHBTC', side: 'SELL', type: 'MARKET', quantity: '0.1' },
      ];
      for (let round = 0; round < 12; round++) for (const order of orders) await exchange.newOrder(order);
      const expected = (await exchangeTradeKeys(exchange, SYMBOLS)).length;
      expect(expected).toBe(60);

      const redis = createRedisConnection(testRedisUrl(), 'producer');
      const prefix = uniquePrefix('ledger-chaos');
      const output: string[] = [];
      fleet = startProcessFleet({
        script: SCRIPT,
        size: 2,
        onOutput: (text) => output.push(text),
        env: {
          LEDGER_REDIS_URL: testRedisUrl(),
          LEDGER_PREFIX: prefix,
          LEDGER_REST_URL: sim.restUrl,
          LEDGER_API_KEY: sim.apiKey,
          LEDGER_API_SECRET: sim.apiSecret!,
          LEDGER_PAGE_LIMIT: '10',
          LEDGER_LOCK_MS: '1000',
          LEDGER_STALLED_MS: '300',
          // Page counts across the fleet and its restarts: three deaths inside the one sync.
          CHAOS_KILL_AT: '2,4,7',
          CHAOS_KILL_STEP: step,
        },
      });
      const store = createLedgerStore({ redis, prefix });
      await eventually(async () => (fleet!.selfKills().length === 3 ? true : undefined), 'three workers killed mid-sync', 60_000);
      await eventually(async () => ((await store.lastSync())?.reason !== undefined && (await store.count()) === expected ? true : undefined), `${expected} fills after the sync finished`, 60_000);
      expect(fleet.selfKills().map((k) => k.point)).toEqual([step, step, step]);
      expect(fleet.started()).toBeGreaterThanOrEqual(5);

      await expectLedgerExact({
        ledger: createLedgerReader({ store, valuationAsset: 'USDT' }),
        members: () => store.members(),
        redis,
        exchange,
        symbols: exchangeInfo,
        tradedSymbols: SYMBOLS,
      });
      exchangeInfo.close();
      await exchange.close();
      redis.disconnect();
    }, 120_000);
  }
});
