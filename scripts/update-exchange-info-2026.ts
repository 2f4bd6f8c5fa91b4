/**
 * Brings assets/exchange-info.json (the 2024-09 capture, src/sim/engine/symbol-catalog.ts) up to what
 * Binance serves in 2026, per binance-spot-api-docs CHANGELOG.md, keeping every captured filter
 * value. Idempotent: running it twice changes nothing.
 *
 * - RAW_REQUESTS: 300 000 per 5 minutes (2026-03-27, effective 2026-04-02). REQUEST_WEIGHT 6000/min and
 *   ORDERS 50/10 s, 160 000/day are unchanged (rest-api.md "Query Unfilled Order Count").
 * - opoAllowed: true (OPO on all symbols, 2025-12-18); amendAllowed: true (Order Amend Keep
 *   Priority on all symbols, 2025-05-07); pegInstructionsAllowed: true (2025-08-28).
 * - allowedSelfTradePreventionModes gains DECREMENT (2025-05-07) and TRANSFER (2026-04-02).
 * - ICEBERG_PARTS limit 100 (2026-03-12); MAX_NUM_ORDER_LISTS 20 and MAX_NUM_ORDER_AMENDS 10
 *   (enabled with pegged orders' release notes, 2025-08).
 * Field order follows rest-api.md's exchangeInfo example.
 *
 * Run from the project root (Node 20 has no TypeScript loader, so compile first):
 *   npx tsc -p tsconfig.json --noEmit false --outDir dist-bench && node dist-bench/scripts/update-exchange-info-2026.js
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

const FILE = resolve(process.cwd(), 'assets/exchange-info.json');
type Json = Record<string, unknown>;

const info = JSON.parse(readFileSync(FILE, 'utf8')) as Json & { rateLimits: Json[]; symbols: Json[] };
info.rateLimits = info.rateLimits.map((l) =>
  l.rateLimitType === 'RAW_REQUESTS' ? { rateLimitType: 'RAW_REQUESTS', interval: 'MINUTE', intervalNum: 5, limit: 300_000 } : l,
);

const ORDER = [
  'symbol', 'status', 'baseAsset', 'baseAssetPrecision', 'quoteAsset', 'quotePrecision', 'quoteAssetPrecision',
  'baseCommissionPrecision', 'quoteCommissionPrecision', 'orderTypes', 'icebergAllowed', 'ocoAllowed', 'otoAllowed',
  'opoAllowed', 'quoteOrderQtyMarketAllowed', 'allowTrailingStop', 'cancelReplaceAllowed', 'amendAllowed',
  'pegInstructionsAllowed', 'isSpotTradingAllowed', 'isMarginTradingAllowed', 'filters', 'permissions', 'permissionSets',
  'defaultSelfTradePreventionMode', 'allowedSelfTradePreventionModes',
];

info.symbols = info.symbols.map((s) => {
  const filters = (s.filters as Json[]).map((f) => (f.filterType === 'ICEBERG_PARTS' ? { ...f, limit: 100 } : f));
  for (const [filterType, field, value] of [['MAX_NUM_ORDER_LISTS', 'maxNumOrderLists', 20], ['MAX_NUM_ORDER_AMENDS', 'maxNumOrderAmends', 10]] as const) {
    if (!filters.some((f) => f.filterType === filterType)) filters.push({ filterType, [field]: value });
  }
  const modes = [...(s.allowedSelfTradePreventionModes as string[])];
  for (const m of ['DECREMENT', 'TRANSFER']) if (!modes.includes(m)) modes.push(m);
  const next: Json = { ...s, opoAllowed: true, amendAllowed: true, pegInstructionsAllowed: true, filters, allowedSelfTradePreventionModes: modes };
  const ordered: Json = {};
  for (const key of ORDER) if (key in next) ordered[key] = next[key];
  for (const key of Object.keys(next)) if (!(key in ordered)) ordered[key] = next[key];
  return ordered;
});
writeFileSync(FILE, JSON.stringify(info));
process.stdout.write(`${FILE}: ${info.symbols.length} symbols\n`);
