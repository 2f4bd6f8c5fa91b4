/**
 * Display helpers (DESIGN.md §2): one way to show an asset's amount, with its unit and
 * separators, and waits in words.
 */
import { describe, expect, it } from 'vitest';
import { formatAssetAmount, formatDuration } from '../src/format.js';

describe('formatAssetAmount', () => {
  it.each([
    ['0.04861281', 'USDT', '0.05 USDT'],
    ['0.1', 'USDT', '0.10 USDT'],
    ['0.6292', 'USDT', '0.63 USDT'],
    ['9900.1017484', 'USDT', '9,900.10 USDT'],
    ['0.0049', 'USDT', '0.0049 USDT'],
    ['0.00000123', 'BTC', '0.00000123 BTC'],
    ['0.00025000', 'BTC', '0.00025 BTC'],
    ['12345.678', 'BNB', '12,345.678 BNB'],
    ['0', 'USDT', '0.00 USDT'],
    ['0', 'BTC', '0 BTC'],
    ['0.000000001', 'BTC', '0.000000001 BTC'],
  ])('%s %s → %s', (value, asset, shown) => {
    expect(formatAssetAmount(value, asset)).toBe(shown);
  });
});

describe('formatDuration', () => {
  it.each([
    [999, '0 s'],
    [45_000, '45 s'],
    [300_000, '5 min'],
    [7_500_000, '2 h 5 min'],
    [7_200_000, '2 h'],
    [3 * 86_400_000 + 4 * 3_600_000, '3 d 4 h'],
  ])('%i ms → %s', (ms, shown) => {
    expect(formatDuration(ms)).toBe(shown);
  });
});
