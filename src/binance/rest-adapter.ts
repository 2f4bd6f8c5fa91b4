/**
 * The REST client's axios adapter: axios keeps its request pipeline (config, headers, transforms),
 * and the exchange of bytes is one node:http(s) request on the client's kept-alive agent.
 *
 * Why not axios's own http adapter: per request it resolves proxies, wraps follow-redirects,
 * builds its own AbortController and progress streams, all of which this client turns off or
 * does itself (rest-transport.ts), and which measured about a fifth of the client's CPU
 * (docs/BENCHMARKS.md, peers). What it must keep, it keeps: a failure carries the ClientRequest
 * (`error.request`, which is how rest-agent.ts tells "may have been sent" from "never sent"), the
 * Node error code (ECONNREFUSED, ECONNRESET…), and an abort through `config.signal` destroys the
 * socket (ERR_CANCELED). Compressed answers (Binance gzips on request) are inflated.
 *
 * It assumes what rest-transport.ts configures: a path-and-query `url` under `baseURL`, a string
 * or empty body, a text response. `validateStatus` is honoured as axios's own adapters do.
 */
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { Readable } from 'node:stream';
import { AxiosError, CanceledError, type AxiosAdapter, type AxiosResponse, type InternalAxiosRequestConfig } from 'axios';

export function createNodeHttpAdapter(options: { baseUrl: string; agent: http.Agent }): AxiosAdapter {
  const base = new URL(options.baseUrl);
  const send = base.protocol === 'https:' ? https.request : http.request;
  const basePath = base.pathname.replace(/\/+$/, '');
  const port = base.port === '' ? undefined : Number(base.port);
  const hostname = base.hostname.replace(/^\[|\]$/g, '');

  return (config: InternalAxiosRequestConfig) =>
    new Promise<AxiosResponse>((resolve, reject) => {
      const signal = config.signal as AbortSignal | undefined;
      if (signal?.aborted) {
        reject(new CanceledError(undefined, config));
        return;
      }
      const headers: Record<string, string> = { 'Accept-Encoding': 'gzip, deflate' };
      const given = typeof config.headers?.toJSON === 'function' ? config.headers.toJSON(true) : (config.headers ?? {});
      for (const [name, value] of Object.entries(given as Record<string, unknown>)) {
        if (value !== undefined && value !== null && value !== false) headers[name] = String(value);
      }
      const body = typeof config.data === 'string' ? config.data : undefined;
      if (body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(body));

      const request = send({
        agent: options.agent,
        hostname,
        ...(port !== undefined ? { port } : {}),
        method: (config.method ?? 'get').toUpperCase(),
        path: basePath + (config.url ?? '/'),
        headers,
      });
      let settled = false;
      const fail = (error: AxiosError) => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        reject(error);
      };
      const onAbort = () => {
        fail(new CanceledError(undefined, config, request));
        request.destroy();
      };
      signal?.addEventListener('abort', onAbort, { once: true });

      request.on('error', (error: NodeJS.ErrnoException) => fail(AxiosError.from(error, error.code, config, request)));
      request.on('response', (response: IncomingMessage) => {
        const stream = decoded(response);
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        // A connection lost mid-body errors the response, which a decompressor does not forward.
        if (stream !== response) response.on('error', (error: NodeJS.ErrnoException) => fail(AxiosError.from(error, error.code ?? AxiosError.ERR_BAD_RESPONSE, config, request)));
        stream.on('error', (error: NodeJS.ErrnoException) => fail(AxiosError.from(error, error.code ?? AxiosError.ERR_BAD_RESPONSE, config, request)));
        stream.on('end', () => {
          if (settled) return;
          settled = true;
          signal?.removeEventListener('abort', onAbort);
          const status = response.statusCode ?? 0;
          const answer: AxiosResponse<string> = {
            data: Buffer.concat(chunks).toString('utf8'),
            status,
            statusText: response.statusMessage ?? '',
            headers: response.headers,
            config,
            request,
          };
          if (!config.validateStatus || config.validateStatus(status)) resolve(answer);
          else reject(new AxiosError(`Request failed with status code ${status}`, AxiosError.ERR_BAD_RESPONSE, config, request, answer));
        });
      });
      request.end(body);
    });
}

function decoded(response: IncomingMessage): Readable {
  switch (response.headers['content-encoding']) {
    case 'gzip':
    case 'x-gzip':
      return response.pipe(createGunzip());
    case 'deflate':
      return response.pipe(createInflate());
    case 'br':
      return response.pipe(createBrotliDecompress());
    default:
      return response;
  }
}
