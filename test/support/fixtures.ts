/**
 * Real captured Binance and Telegram payloads (../shared/fixtures, see its SOURCES.md).
 * Tests read them from there; nothing here is invented.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/**
 * The fixtures live in the steering repository's `shared/fixtures`, beside this project's
 * checkout (`../shared/fixtures`). FIXTURES_DIR overrides; otherwise the nearest `shared/fixtures`
 * found walking up from the checkout is used, so a clone placed one level deeper still finds them.
 */
function locateFixtures(): string {
  if (process.env.FIXTURES_DIR) return resolve(process.env.FIXTURES_DIR);
  const checkout = resolve(here, '../..');
  for (let dir = dirname(checkout); ; dir = dirname(dir)) {
    const candidate = resolve(dir, 'shared/fixtures');
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) break;
  }
  return resolve(checkout, '../shared/fixtures');
}

export const FIXTURES_DIR = locateFixtures();

const cache = new Map<string, unknown>();

/** Parsed JSON of a fixture file, e.g. fixture('klines/binance_spot_klines_BTCUSDT_15m_2020-05.json'). */
export function fixture<T = unknown>(relativePath: string): T {
  let value = cache.get(relativePath);
  if (value === undefined) {
    value = JSON.parse(readFileSync(fixturePath(relativePath), 'utf8'));
    cache.set(relativePath, value);
  }
  return value as T;
}

export function fixturePath(relativePath: string): string {
  return resolve(FIXTURES_DIR, relativePath);
}

export const EXCHANGE_INFO_FIXTURES = {
  testnet2024: 'exchange_info/binance_spot_exchangeInfo_2024-09_likely_testnet.json',
  mainnet2023SymbolsOnly: 'exchange_info/binance_spot_exchangeInfo_symbols_2023-10.json',
  legacy2022: 'exchange_info/binance_spot_exchangeInfo_2022-11_legacy_MIN_NOTIONAL.json',
} as const;

export const KLINE_FIXTURES = {
  raw5m: 'klines/binance_spot_klines_BTCUSDT_5m_2025-04.json',
  raw15m: 'klines/binance_spot_klines_BTCUSDT_15m_2020-05.json',
  raw1d: 'klines/binance_spot_klines_BTCUSDT_1d_2017-08_2020-07.json',
  objects1h: 'klines/objects_SleepwalkerSpace_BTCUSDT_1h_2025-09_11.json',
  objects4h: 'klines/objects_SleepwalkerSpace_BTCUSDT_4h_2025-09_11.json',
  objects1d: 'klines/objects_SleepwalkerSpace_BTCUSDT_1d_2025-09_11.json',
} as const;

export const TICKER_FIXTURE = 'ticker/binance_spot_ticker24hr_all_2024-03-10.json';
