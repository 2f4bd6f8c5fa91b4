/**
 * What the ledger tests compare against: the exchange's own record (myTrades of every symbol),
 * and a second ledger rebuilt from it alone under another prefix, so "exact" means the same
 * fills, each once, and the same P&L to the last decimal as a clean rebuild.
 */
import { expect } from 'vitest';
import type { Redis } from 'ioredis';
import type { ExchangeClient } from '../../src/binance/exchange-client.js';
import type { SymbolInfo } from '../../src/binance/types.js';
import { createLogger } from '../../src/logger.js';
import { createLedgerService } from '../../src/ledger/ledger-service.js';
import type { Ledger } from '../../src/ledger/ledger-reader.js';
import { uniquePrefix } from '../support/redis.js';

export async function exchangeTradeKeys(exchange: Pick<ExchangeClient, 'myTrades'>, symbols: readonly string[]): Promise<string[]> {
  const keys: string[] = [];
  for (const symbol of symbols) {
    let fromId = 0;
    for (;;) {
      const page = await exchange.myTrades(symbol, { fromId, limit: 1000 });
      keys.push(...page.map((t) => `${t.symbol}:${t.id}`));
      if (page.length < 1000) break;
      fromId = page[page.length - 1]!.id + 1;
    }
  }
  return keys.sort();
}

/** The ledger holds exactly the exchange's fills, and agrees with a clean rebuild to the last decimal. */
export async function expectLedgerExact(options: {
  ledger: Ledger;
  members: () => Promise<string[]>;
  redis: Redis;
  exchange: Pick<ExchangeClient, 'myTrades' | 'account' | 'klines'>;
  symbols: { symbol(name: string): Promise<SymbolInfo | undefined> };
  tradedSymbols: readonly string[];
}): Promise<void> {
  const onExchange = await exchangeTradeKeys(options.exchange, options.tradedSymbols);
  expect((await options.members()).sort()).toEqual(onExchange);
  const clean = createLedgerService({
    redis: options.redis,
    prefix: uniquePrefix('ledger-clean'),
    exchange: options.exchange,
    symbols: options.symbols,
    valuationAsset: 'USDT',
    logger: createLogger({ level: 'silent' }),
    extraSymbols: async () => options.tradedSymbols,
  });
  await clean.sync.sync('reference');
  const [mine, reference] = await Promise.all([options.ledger.realized(0, Number.MAX_SAFE_INTEGER), clean.reader.realized(0, Number.MAX_SAFE_INTEGER)]);
  expect(mine).toEqual(reference);
  expect(await options.ledger.positions()).toEqual(await clean.reader.positions());
  expect(await options.ledger.fills({})).toEqual(await clean.reader.fills({}));
  await clean.close();
}
