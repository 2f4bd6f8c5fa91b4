import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import type { KlineRow } from '../../src/binance/types.js';
import { BUNDLED_START_INDEX, createFeedFromConfig, parsePaperMarket } from '../../src/sim/feeds/feed-from-config.js';
import type { ReplayFeed } from '../../src/sim/types.js';
import { KLINE_FIXTURES, fixture, fixturePath } from '../support/fixtures.js';

const logger = pino({ level: 'silent' });
const dir = mkdtempSync(join(tmpdir(), 'feed-from-config-'));
const fiveMinute = fixture<KlineRow[]>(KLINE_FIXTURES.raw5m);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

describe('PAPER_MARKET parsing', () => {
  it('accepts live, replay and replay:SYMBOL=<file> lists', () => {
    expect(parsePaperMarket('live')).toEqual({ kind: 'live' });
    expect(parsePaperMarket('replay')).toEqual({ kind: 'replay', files: {} });
    expect(parsePaperMarket('replay:BTCUSDT=data/btc.json,ETHUSDT=/abs/eth 1h.json')).toEqual({
      kind: 'replay',
      files: { BTCUSDT: 'data/btc.json', ETHUSDT: '/abs/eth 1h.json' },
    });
  });

  it('refuses anything else, saying what is expected', () => {
    expect(() => parsePaperMarket('backtest')).toThrow('PAPER_MARKET must be live, replay, or replay:BTCUSDT=<file>[,ETHUSDT=<file>…], got "backtest"');
    expect(() => parsePaperMarket('replay:btcusdt=x.json')).toThrow('entry "btcusdt=x.json" must look like BTCUSDT=<file>');
    expect(() => parsePaperMarket('replay:BTCUSDT=')).toThrow(/must look like BTCUSDT=<file>/);
    expect(() => parsePaperMarket('replay:BTCUSDT=a.json,BTCUSDT=b.json')).toThrow('PAPER_MARKET names BTCUSDT twice');
  });
});

describe('createFeedFromConfig', () => {
  it('replay: the bundled data is the real 1h capture as raw kline rows, six symbols, re-stamped to the present', () => {
    const now = Date.now();
    const feed = createFeedFromConfig({ market: 'replay', speed: 60 }, logger) as ReplayFeed;
    expect(feed.kind).toBe('replay');
    expect(feed.symbols()).toEqual(['BTCUSDT', 'ETHUSDT', 'BNBUSDT', 'SOLUSDT', 'XRPUSDT', 'ADAUSDT']);
    const objects = fixture<Array<{ openTime: number; open: string; high: string; low: string; close: string; volume: string; closeTime: number; quoteAssetVolume: string; numberOfTrades: number; takerBuyBaseAssetVolume: string }>>(KLINE_FIXTURES.objects1h);
    const history = feed.klines('BTCUSDT', '1h', { limit: 1000 });
    expect(history).toHaveLength(BUNDLED_START_INDEX);
    // The newest history candle closed just before the hour that is open now; every time moved by whole hours.
    const hour = 3_600_000;
    expect(history.at(-1)![6]).toBe(now - (now % hour) - 1);
    const shift = history[0]![0] - objects[0]!.openTime;
    expect(shift % hour).toBe(0);
    history.forEach((row, i) => {
      const o = objects[i]!;
      // Field 10 (taker-buy quote volume) is missing from the capture: "0" (assets/replay/README.md).
      expect(row).toEqual([o.openTime + shift, o.open, o.high, o.low, o.close, o.volume, o.closeTime + shift, o.quoteAssetVolume, o.numberOfTrades, o.takerBuyBaseAssetVolume, '0', '0']);
    });
    expect(feed.klines('ETHUSDT', '1h', { limit: 1000 }).map((r) => r[0])).toEqual(history.map((r) => r[0]));
    expect(feed.step()).toBe(true);
  });

  it('replay:SYMBOL=<file> replays raw kline files, relative paths from cwd', () => {
    write('btc-5m.json', fiveMinute.slice(0, 300));
    const feed = createFeedFromConfig({ market: 'replay:BTCUSDT=btc-5m.json', speed: 1 }, logger, { cwd: dir }) as ReplayFeed;
    // Re-stamped to the present by whole candles; the values are the file's.
    const served = feed.klines('BTCUSDT', '5m', { limit: 1000 });
    const shift = served[0]![0] - fiveMinute[0]![0];
    expect(shift % 300_000).toBe(0);
    expect(served).toEqual(fiveMinute.slice(0, 100).map((r) => [r[0] + shift, ...r.slice(1, 6), r[6] + shift, ...r.slice(7)]));
    expect(feed.price('BTCUSDT')).toBe(fiveMinute[99]![4].replace(/\.?0+$/, ''));
    // The raw capture itself, unchanged, also replays.
    const direct = createFeedFromConfig({ market: `replay:BTCUSDT=${fixturePath(KLINE_FIXTURES.raw15m)}`, speed: 1 }, logger);
    expect(direct.klines('BTCUSDT', '15m', { limit: 1 })[0]!.slice(1, 6)).toEqual(fixture<KlineRow[]>(KLINE_FIXTURES.raw15m)[99]!.slice(1, 6));
  });

  it('names the missing file', () => {
    expect(() => createFeedFromConfig({ market: 'replay:BTCUSDT=nope.json', speed: 60 }, logger, { cwd: dir })).toThrow(
      `PAPER_MARKET replay file for BTCUSDT does not exist: ${join(dir, 'nope.json')}`,
    );
  });

  it('names the bad row and field', () => {
    const rows: unknown[] = fiveMinute.slice(0, 10).map((r) => [...r]);
    (rows[3] as unknown[])[2] = '8.4e4';
    write('bad-field.json', rows);
    expect(() => createFeedFromConfig({ market: 'replay:BTCUSDT=bad-field.json', speed: 60 }, logger, { cwd: dir })).toThrow(
      /replay file for BTCUSDT row 3 is not a Binance kline row \[openTime, open, high, .*\]: high "8\.4e4" is not a decimal string/,
    );

    write('short-row.json', [fiveMinute[0], fiveMinute[1]!.slice(0, 11)]);
    expect(() => createFeedFromConfig({ market: 'replay:BTCUSDT=short-row.json', speed: 60 }, logger, { cwd: dir })).toThrow(/row 1 .*: 11 fields instead of 12/);

    const inverted = [...fiveMinute[0]!] as KlineRow;
    inverted[3] = '999999.00000000';
    write('inverted.json', [inverted]);
    expect(() => createFeedFromConfig({ market: 'replay:BTCUSDT=inverted.json', speed: 60 }, logger, { cwd: dir })).toThrow(/row 0 .*high\/low do not enclose open and close/);

    write('objects.json', fixture(KLINE_FIXTURES.objects4h));
    expect(() => createFeedFromConfig({ market: 'replay:BTCUSDT=objects.json', speed: 60 }, logger, { cwd: dir })).toThrow(/row 0 .*: not an array/);

    write('not-json.json', '[[1, "2"');
    expect(() => createFeedFromConfig({ market: 'replay:BTCUSDT=not-json.json', speed: 60 }, logger, { cwd: dir })).toThrow(/is not valid JSON/);

    write('unordered.json', [fiveMinute[1], fiveMinute[0]]);
    expect(() => createFeedFromConfig({ market: 'replay:BTCUSDT=unordered.json', speed: 60 }, logger, { cwd: dir })).toThrow(/cannot be replayed: replay BTCUSDT: candle 1/);
  });

  it('live: a live feed over the configured symbols (not started here: no internet in tests)', () => {
    const feed = createFeedFromConfig({ market: 'live', speed: 60 }, logger, { liveSymbols: ['BTCUSDT', 'ETHUSDT'] });
    expect(feed.kind).toBe('live');
    expect(feed.symbols()).toEqual(['BTCUSDT', 'ETHUSDT']);
    expect(feed.price('BTCUSDT')).toBeUndefined();
  });
});
