import { describe, expect, it } from 'vitest';
import { logSecretsOf, redisPasswordForms } from '../src/app/log-secrets.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';

function capture() {
  const lines: string[] = [];
  return { lines, destination: { write: (line: string) => void lines.push(line) } };
}

describe('logger', () => {
  it('redacts keys, secrets, signatures, tokens and axios configs by path', () => {
    const out = capture();
    const logger = createLogger({ level: 'trace', destination: out.destination });
    logger.info({ apiKey: 'AKEY-123456', signature: 'deadbeefsig', token: '1:tok', nested: { apiSecret: 'S3CRET!!', token: 'x' } }, 'hello');
    logger.error({ err: { message: 'boom', config: { headers: { 'X-MBX-APIKEY': 'AKEY-123456' }, url: '/api?signature=abc' } } }, 'request failed');
    const text = out.lines.join('');
    for (const secret of ['AKEY-123456', 'deadbeefsig', 'S3CRET!!', 'signature=abc']) expect(text).not.toContain(secret);
    expect(text).toContain('[redacted]');
    expect(text).toContain('hello');
  });

  it('masks exact secret values that end up inside message strings', () => {
    const out = capture();
    const logger = createLogger({ destination: out.destination, secrets: ['super-secret-value', undefined, 'abc'] });
    logger.warn(`the key super-secret-value was rejected`);
    expect(out.lines.join('')).not.toContain('super-secret-value');
    expect(out.lines.join('')).toContain('the key [redacted] was rejected');
  });
});

describe('the secrets the process masks', () => {
  const TOKEN = '123456:ABCdefGHIjklMNOpqrSTUvwxYZ012345';
  const WEBHOOK_SECRET = 'wh-secret_Zq81xYt5Lm';

  function processLogger(env: Record<string, string>) {
    const out = capture();
    const config = loadConfig('bot', { TELEGRAM_BOT_TOKEN: TOKEN, ...env });
    // The list main.ts gives the logger.
    return { out, logger: createLogger({ destination: out.destination, secrets: logSecretsOf(config) }) };
  }

  it('masks TELEGRAM_WEBHOOK_SECRET wherever it appears in a line', () => {
    const { out, logger } = processLogger({ TELEGRAM_WEBHOOK_URL: 'https://bot.example.com/hook', TELEGRAM_WEBHOOK_SECRET: WEBHOOK_SECRET });
    logger.warn({ header: WEBHOOK_SECRET }, `setWebhook refused secret_token=${WEBHOOK_SECRET}`);
    const text = out.lines.join('');
    expect(text).not.toContain(WEBHOOK_SECRET);
    expect(text).toContain('setWebhook refused secret_token=[redacted]');
    expect(text).toContain('"header":"[redacted]"');
  });

  it('masks the password inside REDIS_URL, as written and decoded, and escaped inside a JSON line', () => {
    const written = 'p%40ss%22w0rd%5Cx';
    const url = `redis://default:${written}@redis.internal:6379/0`;
    const { out, logger } = processLogger({ REDIS_URL: url });
    // A quote and a backslash: in the JSON line the decoded form appears escaped.
    logger.error({ target: url }, `AUTH failed for ${decodeURIComponent(written)}`);
    const text = out.lines.join('');
    expect(text).not.toContain('w0rd');
    expect(text).toContain('AUTH failed for [redacted]');
    expect(text).toContain('redis://default:[redacted]@redis.internal:6379/0');
  });

  it('leaves a password-less REDIS_URL alone', () => {
    expect(redisPasswordForms('redis://127.0.0.1:6379')).toEqual([]);
    expect(redisPasswordForms(undefined)).toEqual([]);
    expect(redisPasswordForms('rediss://:s3cr%40t-pass@cache:6380')).toEqual(['s3cr%40t-pass', 's3cr@t-pass']);
  });
});

describe('logger durability', () => {
  it('a warning written just before a SIGKILL reaches stdout; each line is written once', async () => {
    const { spawn } = await import('node:child_process');
    // A plain Node process on the built logger (dist/, built by `pretest`, as the chaos suites use it).
    const script = `
      const { createLogger } = await import(${JSON.stringify(new URL('../dist/logger.js', import.meta.url).href)});
      const log = createLogger({ level: 'info' });
      // A backlog of routine lines still on their way out when the warning is written.
      for (let i = 0; i < 3000; i++) log.info({ i, pad: 'x'.repeat(300) }, 'routine');
      log.warn('about to die');
      process.kill(process.pid, 'SIGKILL');
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    const signal = await new Promise<NodeJS.Signals | null>((resolve) => child.once('close', (_code, sig) => resolve(sig)));
    expect(signal).toBe('SIGKILL');
    const lines = out.split('\n').filter(Boolean);
    expect(lines.filter((l) => l.includes('about to die'))).toHaveLength(1);
    // Routine lines may or may not have left before the kill; those that did are whole, and once.
    expect(lines.every((l) => { try { JSON.parse(l); return true; } catch { return false; } })).toBe(true);
    expect(new Set(lines).size).toBe(lines.length);
  });
});
