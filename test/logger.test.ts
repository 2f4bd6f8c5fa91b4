import { describe, expect, it } from 'vitest';
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
