/**
 * Shared set-up of the REST client tests: a stub Binance on loopback, a client signing with the
 * rest-api.md example HMAC key, a private metrics registry, and a trace-level logger whose every
 * line is captured (no secret masking: the client itself must not leak).
 */
import { Registry } from 'prom-client';
import { createLogger } from '../../src/logger.js';
import { createRestClient, type RestClient, type RestClientDeps } from '../../src/binance/rest-client.js';
import { createSigner } from '../../src/binance/signing.js';
import { startBinanceStub, type BinanceStub } from '../support/binance-stub-server.js';
import type { ExchangeError } from '../../src/errors.js';

export const API_KEY = 'vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A';
export const API_SECRET = 'NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j';

export interface Harness {
  stub: BinanceStub;
  client: RestClient;
  registry: Registry;
  logLines: string[];
  logger: ReturnType<typeof createLogger>;
  makeClient(overrides?: Partial<RestClientDeps>): RestClient;
  close(): Promise<void>;
}

export async function startHarness(overrides: Partial<RestClientDeps> = {}): Promise<Harness> {
  const stub = await startBinanceStub({ apiKey: API_KEY, apiSecret: API_SECRET });
  const registry = new Registry();
  const logLines: string[] = [];
  const logger = createLogger({ level: 'trace', destination: { write: (line: string) => void logLines.push(line) } });
  const clients: RestClient[] = [];
  const makeClient = (extra: Partial<RestClientDeps> = {}) => {
    const client = createRestClient({
      baseUrl: stub.url,
      apiKey: API_KEY,
      signer: createSigner({ apiSecret: API_SECRET }),
      logger,
      registry,
      clockRefreshMs: 0,
      retryBaseDelayMs: 5,
      ...overrides,
      ...extra,
    });
    clients.push(client);
    return client;
  };
  const client = makeClient();
  return {
    stub,
    client,
    registry,
    logLines,
    logger,
    makeClient,
    async close() {
      await Promise.all(clients.map((c) => c.close()));
      await stub.close();
    },
  };
}

/** The rejection of `promise`, which must reject with an ExchangeError-like value. */
export async function failureOf(promise: Promise<unknown>): Promise<ExchangeError> {
  try {
    await promise;
  } catch (error) {
    return error as ExchangeError;
  }
  throw new Error('expected the request to fail');
}

/** rest-api.md "New order" FULL response example (MARKET SELL filled in five fills). */
export const DOC_ORDER_FULL = {
  symbol: 'BTCUSDT',
  orderId: 28,
  orderListId: -1,
  clientOrderId: '6gCrw2kRUAF9CvJDGP16IP',
  transactTime: 1507725176595,
  price: '0.00000000',
  origQty: '10.00000000',
  executedQty: '10.00000000',
  origQuoteOrderQty: '0.000000',
  cummulativeQuoteQty: '10.00000000',
  status: 'FILLED',
  timeInForce: 'GTC',
  type: 'MARKET',
  side: 'SELL',
  workingTime: 1507725176595,
  selfTradePreventionMode: 'NONE',
  fills: [
    { price: '4000.00000000', qty: '1.00000000', commission: '4.00000000', commissionAsset: 'USDT', tradeId: 56 },
    { price: '3999.00000000', qty: '5.00000000', commission: '19.99500000', commissionAsset: 'USDT', tradeId: 57 },
    { price: '3998.00000000', qty: '2.00000000', commission: '7.99600000', commissionAsset: 'USDT', tradeId: 58 },
    { price: '3997.00000000', qty: '1.00000000', commission: '3.99700000', commissionAsset: 'USDT', tradeId: 59 },
    { price: '3995.00000000', qty: '1.00000000', commission: '3.99500000', commissionAsset: 'USDT', tradeId: 60 },
  ],
};

/** binance-spot-api-docs "Cancel order" response example (rest-api.md; same in rest-api_CN.md). */
export const DOC_CANCELLED_ORDER = {
  symbol: 'LTCBTC',
  orderId: 28,
  origClientOrderId: 'myOrder1',
  clientOrderId: 'cancelMyOrder1',
  transactTime: 1507725176595,
  price: '1.00000000',
  origQty: '10.00000000',
  executedQty: '8.00000000',
  cummulativeQuoteQty: '8.00000000',
  status: 'CANCELED',
  timeInForce: 'GTC',
  type: 'LIMIT',
  side: 'SELL',
  selfTradePreventionMode: 'NONE',
};
