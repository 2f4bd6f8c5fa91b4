/**
 * Reading common request parameters with Binance's answers for bad ones (errors.md 11xx).
 */
import type { SymbolInfo } from '../../binance/types.js';
import { mandatory } from '../engine/order-validation.js';
import { SimError, simErrors } from '../sim-error.js';
import type { SymbolCatalog } from '../engine/symbol-catalog.js';
import type { Params } from './rest-routes.js';
import type { CancelRestrictions } from '../engine/matching-engine.js';

export function symbolParam(params: Params, catalog: SymbolCatalog, name = 'symbol'): SymbolInfo {
  const symbol = mandatory(params, name);
  const info = catalog.get(symbol);
  if (info === undefined) throw simErrors.invalidSymbol();
  return info;
}

const SYMBOLS_RANGE = '^\\[("[A-Z0-9-_.]{1,20}"(,"[A-Z0-9-_.]{1,20}"){0,}){0,1}\\]$';

/** `symbols=["BTCUSDT","ETHUSDT"]` (JSON array, percent-encoded on the wire). */
export function symbolsParam(params: Params, catalog: SymbolCatalog): SymbolInfo[] | undefined {
  const raw = params.symbols;
  if (raw === undefined) return undefined;
  let list: unknown;
  try {
    list = JSON.parse(raw);
  } catch {
    list = undefined;
  }
  if (!Array.isArray(list) || list.some((s) => typeof s !== 'string')) {
    throw new SimError(400, -1100, `Illegal characters found in parameter 'symbols'; legal range is '${SYMBOLS_RANGE}'.`);
  }
  const names = list as string[];
  if (new Set(names).size !== names.length) throw new SimError(400, -1151, 'Symbol is present multiple times in the list.');
  return names.map((s) => {
    const info = catalog.get(s);
    if (info === undefined) throw simErrors.invalidSymbol();
    return info;
  });
}

export function integerParam(params: Params, name: string): number | undefined {
  const raw = params[name];
  if (raw === undefined || raw === '') return undefined;
  if (!/^[0-9]{1,20}$/.test(raw)) {
    throw new SimError(400, -1100, `Illegal characters found in parameter '${name}'; legal range is '^[0-9]{1,20}$'.`);
  }
  return Number(raw);
}

/** `limit` with a default and a maximum (klines, allOrders: 500 / 1000). */
export function limitParam(params: Params, fallback: number, max: number): number {
  const limit = integerParam(params, 'limit') ?? fallback;
  if (limit < 1 || limit > max) throw new SimError(400, -1130, "Data sent for parameter 'limit' is not valid.");
  return limit;
}

export function booleanParam(params: Params, name: string): boolean {
  const raw = params[name];
  if (raw === undefined) return false;
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  throw new SimError(400, -1130, `Data sent for parameter '${name}' is not valid.`);
}

/** `cancelRestrictions` (rest-api.md "Regarding cancelRestrictions"): anything else is -1145. */
export function cancelRestrictionsParam(params: Params): CancelRestrictions | undefined {
  const raw = params.cancelRestrictions;
  if (raw === undefined || raw === '') return undefined;
  if (raw !== 'ONLY_NEW' && raw !== 'ONLY_PARTIALLY_FILLED') throw new SimError(400, -1145, 'Invalid cancelRestrictions');
  return raw;
}

/** What every SIGNED endpoint reads besides its own parameters (rest-api.md "SIGNED Endpoint security"). */
export const SIGNED_PARAMS: readonly string[] = ['recvWindow', 'timestamp', 'signature'];

/**
 * -1104 (errors.md): Binance reads the parameters an endpoint knows and refuses a request that
 * sent others, so a misspelt optional parameter (`timeinforce`, `newClientOrderID`) fails instead
 * of being ignored. Both counts are over distinct parameter names as sent, the signature ones
 * included (they are read).
 */
export function checkAllRead(params: Params, accepted: readonly string[], signed: boolean): void {
  const known = new Set(signed ? [...accepted, ...SIGNED_PARAMS] : accepted);
  const sent = Object.keys(params);
  const read = sent.filter((name) => known.has(name)).length;
  if (read < sent.length) {
    throw new SimError(400, -1104, `Not all sent parameters were read; read '${read}' parameter(s) but was sent '${sent.length}'.`);
  }
}

/**
 * `symbolStatus` on market data (rest-api.md: depth, tickers): TRADING, HALT or BREAK, else
 * -1122. One symbol whose status differs: -1220; a list keeps the symbols that match.
 */
export function symbolStatusParam(params: Params): ((info: SymbolInfo) => boolean) | undefined {
  const status = params.symbolStatus;
  if (status === undefined) return undefined;
  if (!['TRADING', 'HALT', 'BREAK'].includes(status)) throw new SimError(400, -1122, 'Invalid symbolStatus.');
  return (info) => info.status === status;
}

/** The one symbol a request names, checked against `symbolStatus` (-1220 when it does not match). */
export function statusChecked(info: SymbolInfo, matches: ((info: SymbolInfo) => boolean) | undefined): SymbolInfo {
  if (matches !== undefined && !matches(info)) {
    throw new SimError(400, -1220, "The symbol's status does not match the requested symbolStatus.");
  }
  return info;
}
