import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

const TOKEN = '123456:ABCdefGHIjklMNOpqrSTUvwxYZ012345';

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('config', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig('sim', {});
    expect(config.mode).toBe('paper');
    expect(config.confirmTtlS).toBe(60);
    expect(config.stops.limitOffsetPct).toBe('0.5');
    expect(config.stops.defaultInterval).toBe('4h');
    expect(config.paper.balances).toEqual({ USDT: '10000' });
    expect(config.paper.market).toBe('live');
    expect(config.paper.simPort).toBe(8090);
    expect(config.port).toBe(8080);
    expect(config.telegram.allowedUsers).toEqual([]);
    expect(config.binance.baseUrl).toBeUndefined();
  });

  it('requires the bot token for the bot and all roles, naming the variable', () => {
    for (const role of ['bot', 'all', 'worker'] as const) {
      const error = configError(() => loadConfig(role, {}));
      expect(error.variable).toBe('TELEGRAM_BOT_TOKEN');
      expect(error.message).toMatch(/^TELEGRAM_BOT_TOKEN /);
      expect(error.message).not.toContain('\n');
    }
    expect(loadConfig('bot', { TELEGRAM_BOT_TOKEN: TOKEN }).telegram.token).toBe(TOKEN);
  });

  it('names the variable of a malformed value', () => {
    expect(configError(() => loadConfig('worker', { TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_ALLOWED_USERS: '12,abc' })).variable).toBe('TELEGRAM_ALLOWED_USERS');
    expect(configError(() => loadConfig('worker', { TELEGRAM_BOT_TOKEN: TOKEN, MAX_ORDER_QUOTE: '1e5' })).variable).toBe('MAX_ORDER_QUOTE');
    expect(configError(() => loadConfig('worker', { TELEGRAM_BOT_TOKEN: TOKEN, TRADING_MODE: 'real' })).variable).toBe('TRADING_MODE');
    expect(configError(() => loadConfig('worker', { TELEGRAM_BOT_TOKEN: TOKEN, REDIS_URL: 'localhost:6379' })).variable).toBe('REDIS_URL');
    expect(configError(() => loadConfig('worker', { TELEGRAM_BOT_TOKEN: TOKEN, PAPER_BALANCES: 'USDT:100' })).variable).toBe('PAPER_BALANCES');
    expect(configError(() => loadConfig('worker', { TELEGRAM_BOT_TOKEN: TOKEN, PORT: '99999' })).variable).toBe('PORT');
  });

  it('reads MAX_ORDER_VALUE in VALUATION_ASSET, and MAX_ORDER_QUOTE as its deprecated alias with a warning', () => {
    const none = loadConfig('worker', { TELEGRAM_BOT_TOKEN: TOKEN });
    expect(none.limits).toEqual({ valuationAsset: 'USDT', orderCap: undefined, queuedOrderMaxAgeMs: 300_000 });
    expect(none.warnings).toEqual([]);

    const value = loadConfig('worker', { TELEGRAM_BOT_TOKEN: TOKEN, MAX_ORDER_VALUE: '1000', VALUATION_ASSET: 'USDC', QUEUED_ORDER_MAX_AGE_S: '60' });
    expect(value.limits).toEqual({ valuationAsset: 'USDC', orderCap: { asset: 'USDC', max: '1000', variable: 'MAX_ORDER_VALUE' }, queuedOrderMaxAgeMs: 60_000 });

    // The old name is no longer read in each pair's quote (1,000 BTC on ETHBTC): it is a value in VALUATION_ASSET.
    const alias = loadConfig('worker', { TELEGRAM_BOT_TOKEN: TOKEN, MAX_ORDER_QUOTE: '1000' });
    expect(alias.limits.orderCap).toEqual({ asset: 'USDT', max: '1000', variable: 'MAX_ORDER_QUOTE' });
    expect(alias.warnings).toEqual(['MAX_ORDER_QUOTE is deprecated: it is read as MAX_ORDER_VALUE=1000 in USDT; rename it to MAX_ORDER_VALUE']);

    const both = loadConfig('worker', { TELEGRAM_BOT_TOKEN: TOKEN, MAX_ORDER_QUOTE: '5000', MAX_ORDER_VALUE: '1000' });
    expect(both.limits.orderCap).toMatchObject({ max: '1000', variable: 'MAX_ORDER_VALUE' });
    expect(both.warnings).toHaveLength(1);

    expect(configError(() => loadConfig('worker', { TELEGRAM_BOT_TOKEN: TOKEN, VALUATION_ASSET: 'usd t' })).variable).toBe('VALUATION_ASSET');
    expect(configError(() => loadConfig('worker', { TELEGRAM_BOT_TOKEN: TOKEN, MAX_ORDER_VALUE: '-5' })).variable).toBe('MAX_ORDER_VALUE');
    expect(configError(() => loadConfig('worker', { TELEGRAM_BOT_TOKEN: TOKEN, QUEUED_ORDER_MAX_AGE_S: '0' })).variable).toBe('QUEUED_ORDER_MAX_AGE_S');
  });

  it('requires keys outside paper mode and picks the per-mode URLs', () => {
    expect(configError(() => loadConfig('worker', { TELEGRAM_BOT_TOKEN: TOKEN, TRADING_MODE: 'live' })).variable).toBe('BINANCE_API_KEY');
    expect(configError(() => loadConfig('worker', { TELEGRAM_BOT_TOKEN: TOKEN, TRADING_MODE: 'testnet', BINANCE_API_KEY: 'k' })).variable).toBe('BINANCE_API_SECRET');
    const live = loadConfig('worker', { TELEGRAM_BOT_TOKEN: TOKEN, TRADING_MODE: 'live', BINANCE_API_KEY: 'k', BINANCE_API_SECRET: 's' });
    expect(live.binance.baseUrl).toBe('https://api.binance.com');
    expect(live.binance.wsApiUrl).toBe('wss://ws-api.binance.com:443/ws-api/v3');
    const testnet = loadConfig('worker', { TELEGRAM_BOT_TOKEN: TOKEN, TRADING_MODE: 'testnet', BINANCE_API_KEY: 'k', BINANCE_API_SECRET: 's', BINANCE_BASE_URL: 'http://127.0.0.1:8090/' });
    expect(testnet.binance.baseUrl).toBe('http://127.0.0.1:8090');
    expect(testnet.binance.wsApiUrl).toBe('wss://ws-api.testnet.binance.vision/ws-api/v3');
  });

  it('parses lists and balances', () => {
    const config = loadConfig('worker', { TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_ALLOWED_USERS: ' 12345, 67890 ', PAPER_BALANCES: 'USDT=500.5,BTC=0.01' });
    expect(config.telegram.allowedUsers).toEqual([12345, 67890]);
    expect(config.paper.balances).toEqual({ USDT: '500.5', BTC: '0.01' });
  });
});
