/**
 * Request bodies read with a bound (DESIGN.md §8): the count runs while the bytes arrive, so a
 * chunked body (no Content-Length) or a Content-Length that lies cannot make the server buffer
 * more than the bound. For the webhook and any later web API.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AppError, isAppError } from '../errors.js';

const tooLarge = (maxBytes: number) => new AppError('HTTP_BODY_TOO_LARGE', undefined, { details: { maxBytes } });

/**
 * Resolves the whole body, or rejects with HTTP_BODY_TOO_LARGE as soon as the running count
 * passes `maxBytes` (and stops reading). A declared Content-Length over the bound is refused
 * before a byte is read.
 */
export function readBoundedBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const declared = req.headers['content-length'];
    if (declared !== undefined && Number(declared) > maxBytes) {
      reject(tooLarge(maxBytes));
      return;
    }
    const chunks: Buffer[] = [];
    let received = 0;
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received > maxBytes) {
        cleanup();
        req.pause();
        reject(tooLarge(maxBytes));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks, received));
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    const onClose = () => {
      // The client went away before the end: nothing complete to hand on.
      if (!req.complete) onError(new Error('request closed before its body was complete'));
    };
    const cleanup = () => {
      req.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
    };
    req.on('data', onData).once('end', onEnd).once('error', onError).once('close', onClose);
  });
}

export function isBodyTooLarge(error: unknown): boolean {
  return isAppError(error) && error.code === 'HTTP_BODY_TOO_LARGE';
}

/**
 * Answers 413 and drops the connection once the answer is out: the rest of the body is never
 * read (Node would otherwise drain it to reuse the connection).
 */
export function refuseTooLarge(req: IncomingMessage, res: ServerResponse): void {
  if (res.headersSent) {
    req.destroy();
    return;
  }
  res.once('finish', () => req.destroy());
  res.writeHead(413, { connection: 'close', 'content-type': 'text/plain' }).end('request body too large\n');
}
