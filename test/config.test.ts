import { describe, expect, it } from 'vitest';
import { ConfigError, liveBinanceHost, loadConfig } from '../src/config.js';

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

  describe('paper and testnet refuse a live Binance host', () => {
    const keys = { TELEGRAM_BOT_TOKEN: TOKEN, BINANCE_API_KEY: 'real-key-0123456789', BINANCE_API_SECRET: 'real-secret-0123456789' };

    it.each([
      ['paper', 'BINANCE_BASE_URL', 'https://api.binance.com', 'api.binance.com'],
      ['paper', 'BINANCE_BASE_URL', 'https://api3.binance.com/', 'api3.binance.com'],
      ['paper', 'BINANCE_BASE_URL', 'https://API-GCP.Binance.COM', 'api-gcp.binance.com'],
      ['paper', 'BINANCE_BASE_URL', 'https://api.binance.com.:443', 'api.binance.com'],
      ['paper', 'BINANCE_BASE_URL', 'https://user@api.binance.com', 'api.binance.com'],
      ['paper', 'BINANCE_BASE_URL', 'https://api.binance.us', 'api.binance.us'],
      ['paper', 'BINANCE_BASE_URL', 'https://data-api.binance.vision', 'data-api.binance.vision'],
      ['paper', 'BINANCE_WS_API_URL', 'wss://ws-api.binance.com:443/ws-api/v3', 'ws-api.binance.com'],
      ['paper', 'BINANCE_STREAM_URL', 'wss://stream.binance.com:9443', 'stream.binance.com'],
      ['paper', 'BINANCE_STREAM_URL', 'wss://data-stream.binance.vision', 'data-stream.binance.vision'],
      ['testnet', 'BINANCE_BASE_URL', 'https://api.binance.com', 'api.binance.com'],
      ['testnet', 'BINANCE_WS_API_URL', 'wss://ws-api.binance.com:443/ws-api/v3', 'ws-api.binance.com'],
      ['testnet', 'BINANCE_STREAM_URL', 'wss://stream.binance.com:9443', 'stream.binance.com'],
    ])('%s with %s=%s: one line naming the variable', (mode, variable, url, host) => {
      for (const role of ['worker', 'bot', 'all', 'sim'] as const) {
        const error = configError(() => loadConfig(role, { ...keys, TRADING_MODE: mode, [variable]: url }));
        expect(error.variable).toBe(variable);
        expect(error.code).toBe('CONFIG_INVALID');
        expect(error.message).toMatch(new RegExp(`^${variable} points at the live Binance host ${host.replace(/\./g, '\\.')} in ${mode} mode`));
        expect(error.message).not.toContain('\n');
      }
    });

    it('checks every URL, not only the first one set', () => {
      const env = { ...keys, TRADING_MODE: 'testnet', BINANCE_BASE_URL: 'https://testnet.binance.vision', BINANCE_WS_API_URL: 'wss://ws-api.testnet.binance.vision/ws-api/v3', BINANCE_STREAM_URL: 'wss://stream.binance.com:9443' };
      expect(configError(() => loadConfig('worker', env)).variable).toBe('BINANCE_STREAM_URL');
    });

    it('accepts testnet hosts, a simulator, and look-alikes that are not Binance', () => {
      for (const [mode, urls] of [
        ['testnet', { BINANCE_BASE_URL: 'https://testnet.binance.vision', BINANCE_WS_API_URL: 'wss://ws-api.testnet.binance.vision/ws-api/v3', BINANCE_STREAM_URL: 'wss://stream.testnet.binance.vision' }],
        ['testnet', {}],
        ['paper', { BINANCE_BASE_URL: 'http://127.0.0.1:8090', BINANCE_WS_API_URL: 'ws://127.0.0.1:8090/ws-api/v3', BINANCE_STREAM_URL: 'ws://127.0.0.1:8090' }],
        ['paper', { BINANCE_BASE_URL: 'http://sim:8090', BINANCE_STREAM_URL: 'ws://binance:8090' }],
        ['paper', { BINANCE_BASE_URL: 'https://notbinance.com', BINANCE_STREAM_URL: 'wss://binance.com.example.org' }],
      ] as const) {
        expect(() => loadConfig('worker', { ...keys, TRADING_MODE: mode, ...urls })).not.toThrow();
      }
    });

    it('live mode keeps the live hosts', () => {
      const live = loadConfig('worker', { ...keys, TRADING_MODE: 'live', BINANCE_BASE_URL: 'https://api1.binance.com' });
      expect(live.binance.baseUrl).toBe('https://api1.binance.com');
    });

    it('liveBinanceHost names the host, and nothing for others', () => {
      expect(liveBinanceHost('https://api4.binance.com')).toBe('api4.binance.com');
      expect(liveBinanceHost('wss://ws-api.testnet.binance.vision/ws-api/v3')).toBeUndefined();
      expect(liveBinanceHost('https://evil.example/api.binance.com')).toBeUndefined();
      expect(liveBinanceHost('not a url')).toBeUndefined();
    });
  });

  it('TELEGRAM_GROUPS, HOST and SIM_HOST: defaults, values, and a bad value named', () => {
    const defaults = loadConfig('sim', {});
    expect(defaults.telegram.groups).toBe(false);
    expect(defaults.host).toBe('0.0.0.0');
    expect(defaults.paper.simHost).toBe('127.0.0.1');
    const set = loadConfig('sim', { TELEGRAM_GROUPS: 'on', HOST: '127.0.0.1', SIM_HOST: '::' });
    expect(set.telegram.groups).toBe(true);
    expect(set.host).toBe('127.0.0.1');
    expect(set.paper.simHost).toBe('::');
    expect(loadConfig('sim', { TELEGRAM_GROUPS: 'OFF', SIM_HOST: 'localhost' }).telegram.groups).toBe(false);
    expect(configError(() => loadConfig('sim', { TELEGRAM_GROUPS: 'yes' })).variable).toBe('TELEGRAM_GROUPS');
    expect(configError(() => loadConfig('sim', { HOST: 'http://0.0.0.0' })).variable).toBe('HOST');
    expect(configError(() => loadConfig('sim', { SIM_HOST: '0.0.0.0:8090' })).variable).toBe('SIM_HOST');
  });
});
