/**
 * The percent-encoding of signed REST requests. Since 2026-01-15 Binance verifies the signature
 * over the percent-encoded query string (plus the percent-encoded body), so the string we sign
 * and the string we send must be the same bytes (BINANCE.md "Signing", rest-api.md
 * "SIGNED Endpoint Examples"). We encode strictly per RFC 3986: everything except the
 * unreserved characters `A-Z a-z 0-9 - . _ ~`, UTF-8 first, uppercase hex.
 */

export type ParamValue = string | number | boolean | undefined;
export type Params = ReadonlyArray<readonly [string, string]> | Readonly<Record<string, ParamValue>>;

// encodeURIComponent leaves !'()* alone; RFC 3986 reserves them. Most values we send (symbols,
// decimals, client order ids) are plain ASCII, so the fast path is a single regex test.
const NEEDS_ENCODING = /[^A-Za-z0-9\-._~]/;
const SUB_DELIMS = /[!'()*]/g;

export function percentEncode(value: string): string {
  if (!NEEDS_ENCODING.test(value)) return value;
  return encodeURIComponent(value).replace(SUB_DELIMS, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

/**
 * `k=v&k=v`, percent-encoded, in the order given: REST signatures cover the parameters in the
 * order they are sent, so nothing is sorted. `undefined` values are skipped.
 */
export function encodeParams(params: Params): string {
  let out = '';
  const entries: Iterable<readonly [string, ParamValue]> = Array.isArray(params)
    ? (params as ReadonlyArray<readonly [string, string]>)
    : Object.entries(params as Record<string, ParamValue>);
  for (const [key, value] of entries) {
    if (value === undefined) continue;
    if (out.length > 0) out += '&';
    out += percentEncode(key) + '=' + percentEncode(String(value));
  }
  return out;
}
