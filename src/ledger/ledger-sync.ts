/**
 * The ledger caught up with the exchange over REST (DESIGN.md §10): GET /api/v3/myTrades per
 * symbol, paged forward by `fromId` from the last trade id stored (rest-api.md "Account trade
 * list": with fromId, trades with id >= fromId, oldest first, at most 1000 a page).
 *
 * Which symbols: every symbol a fill was ever seen on (the ledger's own set, which the stream and
 * the bot's orders add to), the bot's recent orders and managed stops (`extraSymbols`), and the
 * pairs between the assets the account holds and the quotes it holds (VALUATION_ASSET always;
 * BTC, ETH, BNB, USDT, USDC, FDUSD when held), found with one GET /api/v3/account: a fill made
 * outside the bot while nobody listened still leaves a holding, and so a symbol to ask about.
 *
 * Weight (rest-api.md): myTrades 20 per page, account 20 per sync. A sync with nothing new costs
 * 20 + 20 × symbols; each 1,000 new fills of a symbol one more page; each new (quote, minute)
 * valued, one klines request (2). With LEDGER_SYNC_MIN = 60 and 20 symbols: 420 an hour, 0.12 %
 * of Binance's 6,000 a minute (docs/BENCHMARKS.md "Ledger sync").
 *
 * Safe to stop anywhere: a page's fills are stored before the cursor moves past them, and storing
 * is idempotent, so a sync killed mid-way and run again stores each fill once. The sync's reads go
 * out with the `view` priority: they never spend the trading reserve (request-weights.ts), and a
 * busy minute fails the job, which BullMQ retries later.
 */
import { isPositive } from '../decimal.js';
import type { Logger } from '../logger.js';
import type { ExchangeClient } from '../binance/exchange-client.js';
import type { SymbolInfo } from '../binance/types.js';
import { requestWeight } from '../binance/request-weights.js';
import { fillFromTrade, type FillIngest } from './ledger-ingest.js';
import type { LedgerStore, SyncReport } from './ledger-store.js';

export interface LedgerSyncDeps {
  exchange: Pick<ExchangeClient, 'myTrades' | 'account'>;
  store: LedgerStore;
  ingest: FillIngest;
  symbols: { symbol(name: string): Promise<SymbolInfo | undefined> };
  valuationAsset: string;
  /** More symbols to check: the bot's recent orders, managed stops. */
  extraSymbols?: () => Promise<readonly string[]>;
  logger: Logger;
  /** Trades per page. Default 1000 (Binance's maximum). */
  pageLimit?: number;
  /** Pages per symbol in one sync; the next sync goes on from the cursor. Default 50. */
  maxPagesPerSymbol?: number;
  /**
   * Told at each step of a page: its fills `stored` (the cursor not yet moved) and the cursor
   * `advanced`. For progress and for the chaos tests, which kill a worker at either step.
   */
  onPage?: (step: 'stored' | 'advanced', symbol: string, page: number) => Promise<void> | void;
  now?: () => number;
}

export interface LedgerSync {
  /** Brings every symbol up to date; `onPage` is told after each page stored (tests, progress). */
  sync(reason: string, onPage?: (symbol: string, page: number) => Promise<void> | void): Promise<SyncReport>;
  /** The symbols the next sync will ask about. */
  symbolsToSync(): Promise<string[]>;
}

/** Quote assets whose pairs with a held asset are checked when the account holds them too. */
const HELD_QUOTES = ['BTC', 'ETH', 'BNB', 'USDT', 'USDC', 'FDUSD'];
const PAGE_WEIGHT = requestWeight('GET', '/api/v3/myTrades', { symbol: 'X' });
const ACCOUNT_WEIGHT = requestWeight('GET', '/api/v3/account', { omitZeroBalances: true });

export function createLedgerSync(deps: LedgerSyncDeps): LedgerSync {
  const now = deps.now ?? Date.now;
  const log = deps.logger.child({ module: 'ledger-sync' });
  const pageLimit = deps.pageLimit ?? 1000;
  const maxPages = deps.maxPagesPerSymbol ?? 50;

  /** Pairs of a held asset with a held quote asset (VALUATION_ASSET, BTC, ETH, …) that exist. */
  async function heldSymbols(): Promise<string[]> {
    const account = await deps.exchange.account();
    const held = account.balances.filter((b) => isPositive(b.free) || isPositive(b.locked)).map((b) => b.asset);
    const quotes = new Set([deps.valuationAsset, ...HELD_QUOTES].filter((q) => held.includes(q) || q === deps.valuationAsset));
    const out: string[] = [];
    for (const base of held) {
      for (const quote of quotes) {
        if (quote === base) continue;
        const info = await deps.symbols.symbol(`${base}${quote}`);
        if (info && info.baseAsset === base && info.quoteAsset === quote) out.push(info.symbol);
      }
    }
    return out;
  }

  async function symbolsToSync(held?: readonly string[]): Promise<string[]> {
    const all = new Set<string>(await deps.store.symbols());
    for (const s of (await deps.extraSymbols?.()) ?? []) all.add(s);
    for (const s of held ?? []) all.add(s);
    return [...all].sort();
  }

  return {
    symbolsToSync: () => symbolsToSync(),
    async sync(reason, onPage) {
      const started = now();
      const held = await heldSymbols();
      const symbols = await symbolsToSync(held);
      let pages = 0;
      let added = 0;
      for (const symbol of symbols) {
        let cursor = await deps.store.cursor(symbol);
        for (let page = 0; page < maxPages; page++) {
          const trades = await deps.exchange.myTrades(symbol, { fromId: cursor === undefined ? 0 : cursor + 1, limit: pageLimit });
          pages += 1;
          if (trades.length === 0) break;
          added += await deps.ingest.ingest(trades.map(fillFromTrade));
          await deps.onPage?.('stored', symbol, page);
          cursor = Math.max(cursor ?? -1, ...trades.map((t) => t.id));
          await deps.store.setCursor(symbol, cursor);
          await deps.onPage?.('advanced', symbol, page);
          await onPage?.(symbol, page);
          if (trades.length < pageLimit) break;
        }
      }
      const report: SyncReport = {
        at: started,
        reason,
        symbols: symbols.length,
        pages,
        weight: ACCOUNT_WEIGHT + pages * PAGE_WEIGHT,
        added,
        durationMs: now() - started,
      };
      await deps.store.setLastSync(report);
      log.info(report, 'ledger synced with myTrades');
      return report;
    },
  };
}
