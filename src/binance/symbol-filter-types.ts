/**
 * The trading rules of a symbol as exchangeInfo lists them (binance-spot-api-docs filters.md): one
 * shape per `filterType`. The filter engine (filters*.ts) enforces them, the simulator in strict
 * mode, the bot and worker in adjust mode.
 */

/** filters.md. Every numeric rule that is "0" is disabled. */
export type SymbolFilter =
  | { filterType: 'PRICE_FILTER'; minPrice: string; maxPrice: string; tickSize: string }
  | { filterType: 'LOT_SIZE'; minQty: string; maxQty: string; stepSize: string }
  | { filterType: 'MARKET_LOT_SIZE'; minQty: string; maxQty: string; stepSize: string }
  | { filterType: 'ICEBERG_PARTS'; limit: number }
  | {
      filterType: 'TRAILING_DELTA';
      minTrailingAboveDelta: number;
      maxTrailingAboveDelta: number;
      minTrailingBelowDelta: number;
      maxTrailingBelowDelta: number;
    }
  | { filterType: 'PERCENT_PRICE'; multiplierUp: string; multiplierDown: string; avgPriceMins: number }
  | {
      filterType: 'PERCENT_PRICE_BY_SIDE';
      bidMultiplierUp: string;
      bidMultiplierDown: string;
      askMultiplierUp: string;
      askMultiplierDown: string;
      avgPriceMins: number;
    }
  | {
      filterType: 'NOTIONAL';
      minNotional: string;
      applyMinToMarket: boolean;
      maxNotional: string;
      applyMaxToMarket: boolean;
      avgPriceMins: number;
    }
  | { filterType: 'MIN_NOTIONAL'; minNotional: string; applyToMarket: boolean; avgPriceMins: number }
  | { filterType: 'MAX_NUM_ORDERS'; maxNumOrders: number }
  | { filterType: 'MAX_NUM_ALGO_ORDERS'; maxNumAlgoOrders: number }
  | { filterType: 'MAX_NUM_ICEBERG_ORDERS'; maxNumIcebergOrders: number }
  | { filterType: 'MAX_POSITION'; maxPosition: string }
  | { filterType: 'MAX_NUM_ORDER_LISTS'; maxNumOrderLists: number }
  | { filterType: 'MAX_NUM_ORDER_AMENDS'; maxNumOrderAmends: number };

export type FilterType = SymbolFilter['filterType'];
