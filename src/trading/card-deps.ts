import type { Redis } from 'ioredis';
import type { ExchangeClient } from '../binance/exchange-client.js';
import type { TradingMode } from '../config.js';
import type { Logger } from '../logger.js';
import type { SymbolLookup } from './orders/order-pricing.js';

/** What prices a card (an order's or a stop's) and keeps its intent. */
export interface CardDeps {
  /** A `producer` connection (src/redis.ts). */
  redis: Redis;
  /** Key and BullMQ prefix; the workers must use the same. Default `chatops`. */
  prefix?: string;
  mode: TradingMode;
  exchange: ExchangeClient;
  /** Reads that price a card: a view, paid by the trader who asked (the bot's metered client). Default `exchange`. */
  cardReads?: ExchangeClient;
  symbols: SymbolLookup;
  logger: Logger;
  /** CONFIRM_TTL_S (used when `intents` is built here). */
  confirmTtlS: number;
}
