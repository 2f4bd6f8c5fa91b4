/**
 * Starting the paper exchange the two ways the product does: in-process for TRADING_MODE=paper
 * (its own Ed25519 key pair, kept across restarts) and as the standalone `sim` role (the key
 * from the environment, any of the three key types).
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createSigner } from '../../src/binance/signing.js';
import { createLogger } from '../../src/logger.js';
import { startPaperExchange } from '../../src/sim/paper-exchange.js';
import { createProgrammaticFeed } from '../../src/sim/feeds/programmatic-feed.js';
import { runSimRole } from '../../src/sim/sim-role.js';
import { fixturePath } from '../support/fixtures.js';
import { randomApiKey, simRequest } from '../support/simulator.js';

const silent = createLogger({ level: 'silent' });
const feed = () => createProgrammaticFeed({ symbols: ['BTCUSDT'], prices: { BTCUSDT: '69010.01' } });

function capturingLogger() {
  const lines: string[] = [];
  return { lines, logger: createLogger({ level: 'info', destination: { write: (line: string) => void lines.push(line) } }) };
}

describe('paper mode', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'paper-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  test('generates an Ed25519 key pair at first start, keeps it private, and reuses it', async () => {
    const paper = { balances: { USDT: '500' }, dataDir, market: 'live', speed: 60 };
    const first = await startPaperExchange({ paper, feed: feed(), logger: silent });
    expect(first.apiKey).toMatch(/^[0-9a-f]{64}$/);
    expect(first.privateKeyPem).toContain('BEGIN PRIVATE KEY');
    expect(statSync(join(dataDir, 'paper-ed25519.pem')).mode & 0o777).toBe(0o600);

    const client = { restUrl: first.restUrl, apiKey: first.apiKey, signer: createSigner({ privateKeyPem: first.privateKeyPem }) };
    expect(client.signer.keyType).toBe('ed25519');
    const bought = await simRequest(client, 'POST', '/api/v3/order', { symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quoteOrderQty: '100' });
    expect(bought.status).toBe(200);
    await first.close();

    const second = await startPaperExchange({ paper, feed: feed(), logger: silent });
    expect([second.apiKey, second.privateKeyPem]).toEqual([first.apiKey, first.privateKeyPem]);
    const account = await simRequest<{ balances: Array<{ asset: string }> }>({ ...client, restUrl: second.restUrl }, 'GET', '/api/v3/account');
    expect(account.body.balances.map((b) => b.asset)).toEqual(['BTC', 'USDT']);
    expect(second.wsApiUrl).toBe(`${second.restUrl.replace('http', 'ws')}/ws-api/v3`);
    await second.close();
  });
});

describe('the sim role', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'sim-role-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  const env = (extra: Record<string, string>) => ({ SIM_PORT: '0', PAPER_DATA_DIR: dataDir, PAPER_BALANCES: 'USDT=250,BTC=0.1', ...extra });

  test('accepts BINANCE_API_KEY with BINANCE_API_SECRET, honours PAPER_BALANCES and logs its URLs (never the key)', async () => {
    const apiKey = randomApiKey();
    const apiSecret = randomApiKey();
    const { lines, logger } = capturingLogger();
    const config = loadConfig('sim', env({ BINANCE_API_KEY: apiKey, BINANCE_API_SECRET: apiSecret }));
    const role = await runSimRole(config, logger, { feed: feed(), host: '127.0.0.1' });
    try {
      const client = { restUrl: role.restUrl, apiKey, signer: createSigner({ apiSecret }) };
      const account = await simRequest<{ balances: unknown[] }>(client, 'GET', '/api/v3/account');
      expect(account.body.balances).toEqual([
        { asset: 'BTC', free: '0.10000000', locked: '0.00000000' },
        { asset: 'USDT', free: '250.00000000', locked: '0.00000000' },
      ]);
      const logged = lines.join('\n');
      expect(logged).toContain(`BINANCE_BASE_URL=${role.restUrl}`);
      expect(logged).toContain(`BINANCE_WS_API_URL=${role.wsApiUrl}`);
      expect(logged).not.toContain(apiKey);
      expect(logged).not.toContain(apiSecret);
    } finally {
      await role.close();
    }
  });

  test.each([
    ['Ed25519', 'ed25519_private_key.pem'],
    ['RSA', 'rsa_private_key.pem'],
  ])('accepts the public key of an %s BINANCE_PRIVATE_KEY_PATH', async (_name, file) => {
    const apiKey = randomApiKey();
    const keyPath = fixturePath(`signatures/${file}`);
    const config = loadConfig('sim', env({ BINANCE_API_KEY: apiKey, BINANCE_PRIVATE_KEY_PATH: keyPath }));
    const role = await runSimRole(config, silent, { feed: feed(), host: '127.0.0.1' });
    try {
      const client = { restUrl: role.restUrl, apiKey, signer: createSigner({ privateKeyPem: readFileSync(keyPath, 'utf8') }) };
      expect((await simRequest(client, 'GET', '/api/v3/account')).status).toBe(200);
      const other = { ...client, signer: createSigner({ apiSecret: 'guess' }) };
      expect((await simRequest(other, 'GET', '/api/v3/account')).body).toEqual({ code: -1022, msg: 'Signature for this request is not valid.' });
    } finally {
      await role.close();
    }
  });
});
