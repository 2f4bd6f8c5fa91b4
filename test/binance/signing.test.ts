import { execFile } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { isAppError } from '../../src/errors.js';
import {
  createSigner,
  encodeParams,
  loadSignerFromConfig,
  percentEncode,
  signQuery,
  wsSign,
  wsSignaturePayload,
  type SignerSource,
} from '../../src/binance/signing.js';
import { fixture, fixturePath } from '../support/fixtures.js';

interface Vector {
  id: string;
  algorithm: 'HMAC-SHA256' | 'RSA-PKCS1v15-SHA256' | 'Ed25519';
  apiKey?: string;
  secretKey?: string;
  privateKeyFile?: string;
  passphrase?: string;
  payload: string;
  expectedSignature: string;
}

const VECTORS = fixture<{ vectors: Vector[] }>('signatures/binance_signature_vectors.json').vectors;
const isWsForm = (v: Vector) => v.id.includes('wsapi');
const needsLegacyProvider = (v: Vector) => v.id === 'rsa_pkcs8_encrypted';

function sourceOf(v: Vector): SignerSource {
  if (v.secretKey !== undefined) return { apiSecret: v.secretKey };
  const privateKeyPem = readFileSync(fixturePath(`signatures/${v.privateKeyFile!}`), 'utf8');
  return v.passphrase === undefined ? { privateKeyPem } : { privateKeyPem, passphrase: v.passphrase };
}

/** The payload's parameters as the caller would hold them (decoded values, sending order). */
function paramsOf(v: Vector): Array<[string, string]> {
  return v.payload.split('&').map((pair) => {
    const at = pair.indexOf('=');
    const key = pair.slice(0, at);
    const value = pair.slice(at + 1);
    return [key, isWsForm(v) ? value : decodeURIComponent(value)];
  });
}

describe('signature vectors (fixtures/signatures)', () => {
  it('covers every kind the issue lists', () => {
    expect(VECTORS.length).toBe(8);
    expect(VECTORS.filter((v) => v.algorithm === 'HMAC-SHA256' && isWsForm(v))).toHaveLength(2);
    expect(VECTORS.filter((v) => v.algorithm === 'HMAC-SHA256' && !isWsForm(v))).toHaveLength(3);
    expect(VECTORS.filter((v) => v.algorithm === 'RSA-PKCS1v15-SHA256')).toHaveLength(2);
    expect(VECTORS.filter((v) => v.algorithm === 'Ed25519')).toHaveLength(1);
  });

  for (const v of VECTORS.filter((x) => !needsLegacyProvider(x))) {
    it(`${v.id}: rebuilds the payload from its params and signs it`, () => {
      const params = paramsOf(v);
      if (isWsForm(v)) {
        // Any insertion order gives the same sorted, raw payload.
        const reversed = Object.fromEntries([...params].reverse());
        expect(wsSignaturePayload({ ...reversed, signature: 'ignored' })).toBe(v.payload);
      } else {
        expect(encodeParams(params)).toBe(v.payload);
      }
      const signer = createSigner(sourceOf(v));
      expect(signer.keyType).toBe(v.algorithm === 'HMAC-SHA256' ? 'hmac' : v.algorithm === 'Ed25519' ? 'ed25519' : 'rsa');
      expect(signer.sign(v.payload)).toBe(v.expectedSignature);
    });
  }

  it('rsa_pkcs8_encrypted: in this process, either signs or explains the legacy-encryption fix', () => {
    const v = VECTORS.find(needsLegacyProvider)!;
    try {
      expect(createSigner(sourceOf(v)).sign(v.payload)).toBe(v.expectedSignature);
    } catch (error) {
      expect(isAppError(error) && error.code).toBe('CONFIG_INVALID');
      expect((error as Error).message).toMatch(/--openssl-legacy-provider/);
      expect((error as Error).message).not.toContain(v.passphrase!);
    }
  });

  it('rsa_pkcs8_encrypted: signs under node --openssl-legacy-provider (child process)', async () => {
    const v = VECTORS.find(needsLegacyProvider)!;
    const out = await runInLegacyNode(v);
    expect(out).toEqual({ keyType: 'rsa', signature: v.expectedSignature });
  });
});

describe('REST form', () => {
  const hmac = createSigner({ apiSecret: 'NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j' });

  it('keeps the given order, skips undefined, percent-encodes RFC 3986 reserved characters', () => {
    expect(encodeParams({ symbol: 'BTCUSDT', price: undefined, quantity: '0.1', flag: true, n: 5 })).toBe(
      'symbol=BTCUSDT&quantity=0.1&flag=true&n=5',
    );
    expect(encodeParams([['b', '2'], ['a', '1']])).toBe('b=2&a=1');
    expect(percentEncode("a b+c/d=e!'()*~._-")).toBe('a%20b%2Bc%2Fd%3De%21%27%28%29%2A~._-');
  });

  it('signs query + body with no separator and appends the signature where the parameters are (rest-api.md example 3)', () => {
    const signed = signQuery(
      'symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC',
      'quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559',
      hmac,
    );
    expect(signed.query).toBe('symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC');
    expect(signed.body).toBe(
      'quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559&signature=0fd168b8ddb4876a0358a8d14d0c9f3da0e9b20c5d52b2a00fcf7d1c602f9a77',
    );
    const onlyQuery = signQuery('timestamp=1578963600000', '', hmac);
    expect(onlyQuery).toEqual({
      query: 'timestamp=1578963600000&signature=d84e6641b1e328e7b418fff030caed655c266299c9355e36ce801ed14631eed4',
      body: '',
    });
  });

  it('percent-encodes a base64 signature in the query', () => {
    const ed = createSigner({ privateKeyPem: readFileSync(fixturePath('signatures/ed25519_private_key.pem'), 'utf8') });
    const signed = signQuery('type=SPOT&timestamp=1685686334211', '', ed);
    expect(signed.query).toBe(
      'type=SPOT&timestamp=1685686334211&signature=E4nWIl3yUJgJFL6LoWImsrEwNegMiN9SN1FWKw%2BP3xXkJ2T%2FMtSq3Cg7fVnOGFWxTBX6vrTJJNoZnVtAgs1CAQ%3D%3D',
    );
  });

  it('WebSocket API form signs the sorted raw params with apiKey', () => {
    const v = VECTORS.find((x) => x.id === 'hmac_wsapi_non_ascii_raw_utf8')!;
    expect(wsSign(Object.fromEntries(paramsOf(v)), hmac)).toBe(v.expectedSignature);
  });
});

describe('key loading', () => {
  it('loads the configured key file or secret, or nothing', () => {
    expect(loadSignerFromConfig({ apiSecret: undefined, privateKeyPath: undefined, privateKeyPassphrase: undefined })).toBeUndefined();
    expect(loadSignerFromConfig({ apiSecret: 'x'.repeat(64), privateKeyPath: undefined, privateKeyPassphrase: undefined })?.keyType).toBe('hmac');
    const ed = loadSignerFromConfig({
      apiSecret: undefined,
      privateKeyPath: fixturePath('signatures/ed25519_private_key.pem'),
      privateKeyPassphrase: undefined,
    });
    expect(ed?.keyType).toBe('ed25519');
  });

  it('refuses a file that is not a key without quoting it', () => {
    let caught: unknown;
    try {
      createSigner({ privateKeyPem: '-----BEGIN PRIVATE KEY-----\nnot-a-key\n-----END PRIVATE KEY-----' });
    } catch (error) {
      caught = error;
    }
    expect(isAppError(caught) && caught.code).toBe('CONFIG_INVALID');
    expect((caught as Error).message).not.toContain('not-a-key');
  });

  it('asks for the passphrase of an encrypted key', () => {
    let caught: unknown;
    try {
      createSigner({ privateKeyPem: readFileSync(fixturePath('signatures/rsa_encrypted_private_key.pem'), 'utf8') });
    } catch (error) {
      caught = error;
    }
    expect(isAppError(caught) && caught.code).toBe('CONFIG_INVALID');
    expect((caught as Error).message).toMatch(/BINANCE_PRIVATE_KEY_PASSPHRASE is required/);
  });

  it('a signer exposes no secret when serialised', () => {
    const secret = 'NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j';
    expect(JSON.stringify(createSigner({ apiSecret: secret }))).not.toContain(secret);
  });
});

// The child cannot load TypeScript, so the three modules it needs are transpiled to a temp dir.
const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const tempDirs: string[] = [];
afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

async function runInLegacyNode(v: Vector): Promise<unknown> {
  const dir = mkdtempSync(join(tmpdir(), 'signing-legacy-'));
  tempDirs.push(dir);
  for (const file of ['src/errors.ts', 'src/binance/percent-encode.ts', 'src/binance/signing.ts']) {
    const { outputText } = ts.transpileModule(readFileSync(join(root, file), 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
    });
    const target = join(dir, file.replace(/\.ts$/, '.js'));
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, outputText);
  }
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
  const script = join(dir, 'run.js');
  writeFileSync(
    script,
    `import { readFileSync } from 'node:fs';
     import { createSigner } from './src/binance/signing.js';
     const [pemPath, passphrase, payload] = process.argv.slice(2);
     const signer = createSigner({ privateKeyPem: readFileSync(pemPath, 'utf8'), passphrase });
     process.stdout.write(JSON.stringify({ keyType: signer.keyType, signature: signer.sign(payload) }));`,
  );
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--openssl-legacy-provider', script, fixturePath(`signatures/${v.privateKeyFile!}`), v.passphrase!, v.payload],
    { timeout: 20_000 },
  );
  return JSON.parse(stdout);
}
