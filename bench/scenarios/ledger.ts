/**
 * The P&L ledger (issue 17):
 * - /pnl over 10,000 fills: the ledger's part of the view (realized per asset over all time and
 *   the positions' known cost) on a reader that already holds the fills (the usual case), after
 *   one new fill (fetched and applied on top), and cold (a process's first read: every fill
 *   fetched from Redis and replayed). 10,000 fills on three symbols and two quotes, with fees in
 *   the base, the quote and BNB, in a throwaway redis-server.
 * - The myTrades sync's request weight for 20 symbols with nothing new, counted by the sync and
 *   checked against the paper exchange's X-MBX-USED-WEIGHT-1M, and per hour at LEDGER_SYNC_MIN=60.
 */
import { Registry } from 'prom-client';
import { createRedisConnection } from '../../src/redis.js';
import { startRedisServer } from '../../src/redis-server.js';
import { createLogger } from '../../src/logger.js';
import { createRestClient } from '../../src/binance/rest-client.js';
import { createExchangeInfoCache } from '../../src/binance/exchange-info-cache.js';
import { createLedgerStore } from '../../src/ledger/ledger-store.js';
import { createLedgerReader } from '../../src/ledger/ledger-reader.js';
import { createLedgerService } from '../../src/ledger/ledger-service.js';
import type { StoredFill } from '../../src/ledger/ledger-basis.js';
import { startTestSimulator } from '../../test/support/simulator.js';
import { epochMs, summarize } from '../lib/stats.js';
import type { Row, ScenarioContext, ScenarioResult } from '../lib/types.js';

const FILLS = 10_000;

function syntheticFills(n: number): StoredFill[] {
  const out: StoredFill[] = [];
  const start = Date.UTC(2026, 0, 1);
  for (let i = 0; i < n; i++) {
    const kind = i % 6;
    const time = start + i * 60_000;
    const price = (60_000 + (i % 500) * 10).toString();
    const common = { tradeId: i + 1, orderId: i + 1, time, isMaker: false };
    if (kind === 0) out.push({ ...common, symbol: 'BTCUSDT', side: 'BUY', price, qty: '0.01', quoteQty: String(Number(price) / 100), commission: '0.00001', commissionAsset: 'BTC', baseAsset: 'BTC', quoteAsset: 'USDT', quoteRate: '1' });
    else if (kind === 1) out.push({ ...common, symbol: 'BNBUSDT', side: 'BUY', price: '500', qty: '0.1', quoteQty: '50', commission: '0.0001', commissionAsset: 'BNB', baseAsset: 'BNB', quoteAsset: 'USDT', quoteRate: '1' });
    else if (kind === 2) out.push({ ...common, symbol: 'ETHBTC', side: 'BUY', price: '0.05', qty: '0.1', quoteQty: '0.005', commission: '0.0001', commissionAsset: 'ETH', baseAsset: 'ETH', quoteAsset: 'BTC', quoteRate: price });
    else if (kind === 3) out.push({ ...common, symbol: 'ETHBTC', side: 'SELL', price: '0.051', qty: '0.05', quoteQty: '0.00255', commission: '0.00000255', commissionAsset: 'BTC', baseAsset: 'ETH', quoteAsset: 'BTC', quoteRate: price });
    else if (kind === 4) out.push({ ...common, symbol: 'BTCUSDT', side: 'SELL', price, qty: '0.004', quoteQty: String((Number(price) * 4) / 1000), commission: '0.003', commissionAsset: 'BNB', baseAsset: 'BTC', quoteAsset: 'USDT', quoteRate: '1', feeRate: '500' });
    else out.push({ ...common, symbol: 'BNBUSDT', side: 'SELL', price: '505', qty: '0.05', quoteQty: '25.25', commission: '0.02525', commissionAsset: 'USDT', baseAsset: 'BNB', quoteAsset: 'USDT', quoteRate: '1' });
  }
  return out;
}

async function pnlRows(ctx: ScenarioContext): Promise<{ rows: Row[]; details: unknown }> {
  const redisServer = await startRedisServer();
  const redis = createRedisConnection(redisServer.url, 'producer');
  try {
    const store = createLedgerStore({ redis, prefix: 'bench' });
    const fills = syntheticFills(FILLS);
    for (let i = 0; i < fills.length; i += 1000) await store.add(fills.slice(i, i + 1000));
    const pnl = async (reader: ReturnType<typeof createLedgerReader>) => {
      await reader.realized(0, Number.MAX_SAFE_INTEGER);
      await reader.positions();
    };
    const runs = ctx.quick ? 20 : 100;
    const cold: number[] = [];
    for (let i = 0; i < (ctx.quick ? 3 : 10); i++) {
      const reader = createLedgerReader({ store, valuationAsset: 'USDT' });
      const t = epochMs();
      await pnl(reader);
      cold.push(epochMs() - t);
    }
    const reader = createLedgerReader({ store, valuationAsset: 'USDT' });
    await pnl(reader);
    const warm: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t = epochMs();
      await pnl(reader);
      warm.push(epochMs() - t);
    }
    const afterFill: number[] = [];
    let last = fills[fills.length - 1]!;
    for (let i = 0; i < runs; i++) {
      last = { ...last, tradeId: last.tradeId + 1, time: last.time + 1_000 };
      await store.add([last]);
      const t = epochMs();
      await pnl(reader);
      afterFill.push(epochMs() - t);
    }
    const target = { on: 'p99', op: '<', value: 50, text: 'p99 < 50 ms' } as const;
    const row = (what: string, samples: number[], withTarget: boolean, note?: string): Row => {
      const s = summarize(samples);
      return { what, unit: 'ms', median: s.p50, p99: s.p99, n: s.n, ...(withTarget ? { target } : {}), ...(note ? { note } : {}) };
    };
    ctx.log(`ledger: /pnl over ${FILLS} fills measured`);
    return {
      rows: [
        row(`/pnl's ledger part over ${FILLS.toLocaleString('en')} fills (reader holds them)`, warm, true, 'realized per asset over all time + positions; one GET of the version'),
        row('the same right after a new fill (fetched, applied on top)', afterFill, true),
        row('cold: a process\'s first /pnl (every fill read from Redis and replayed)', cold, false),
      ],
      details: { fills: FILLS, warm: summarize(warm), afterFill: summarize(afterFill), cold: summarize(cold) },
    };
  } finally {
    redis.disconnect();
    await redisServer.stop();
  }
}

async function syncWeightRows(ctx: ScenarioContext): Promise<{ rows: Row[]; details: unknown }> {
  const logger = createLogger({ level: 'silent' });
  const symbols = 'BTCUSDT ETHUSDT WLDUSDT PEPEUSDT DOGEUSDT SHIBUSDT FLOKIUSDT SOLUSDT USDCUSDT PIXELUSDT BNBUSDT GALAUSDT XRPUSDT FETUSDT RUNEUSDT NEARUSDT YGGUSDT BONKUSDT STRKUSDT GRTUSDT'.split(' ');
  const sim = await startTestSimulator({ balances: { USDT: '1000' }, prices: Object.fromEntries(symbols.map((s) => [s, '1'])) });
  const redisServer = await startRedisServer();
  const redis = createRedisConnection(redisServer.url, 'producer');
  const exchange = createRestClient({ baseUrl: sim.restUrl, apiKey: sim.apiKey, signer: sim.signer, logger, registry: new Registry(), timeoutMs: 5_000, clockRefreshMs: 0 });
  try {
    const exchangeInfo = createExchangeInfoCache({ load: () => exchange.exchangeInfo(), logger });
    const ledger = createLedgerService({ redis, prefix: 'bench', exchange, symbols: exchangeInfo, valuationAsset: 'USDT', logger, extraSymbols: async () => symbols });
    await exchange.serverTime();
    await ledger.sync.sync('warm-up');
    const before = exchange.usage().usedWeight1m;
    const report = await ledger.sync.sync('bench');
    const counted = exchange.usage().usedWeight1m - before;
    exchangeInfo.close();
    await ledger.close();
    ctx.log(`ledger: sync of ${report.symbols} symbols weighs ${report.weight}`);
    return {
      rows: [
        { what: `myTrades sync, ${report.symbols} symbols, nothing new`, unit: 'weight', value: report.weight, note: `exchange's X-MBX-USED-WEIGHT-1M rose by ${counted}` },
        { what: 'the same per hour at LEDGER_SYNC_MIN=60 (plus each stream reconnect)', unit: 'weight/h', value: report.weight, note: `${((report.weight / 60 / 6000) * 100).toFixed(3)} % of 6,000/min` },
      ],
      details: { report, counted },
    };
  } finally {
    await exchange.close();
    redis.disconnect();
    await redisServer.stop();
    await sim.close();
  }
}

export async function ledger(ctx: ScenarioContext): Promise<ScenarioResult> {
  const started = epochMs();
  const pnl = await pnlRows(ctx);
  const sync = await syncWeightRows(ctx);
  return {
    id: 'ledger',
    title: '8. P&L ledger: /pnl over 10,000 fills, and the myTrades sync weight',
    rows: [...pnl.rows, ...sync.rows],
    details: { pnl: pnl.details, sync: sync.details },
    durationS: (epochMs() - started) / 1000,
  };
}
