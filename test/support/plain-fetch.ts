/**
 * A fetch-compatible function on node:http without keep-alive: every request opens its own
 * connection, as the product's guarded HTTP client does (no pooled socket outlives the
 * decision that opened it). Responses stream (SSE works). Redirects are returned, not followed.
 */
import { request } from 'node:http';
import { Readable } from 'node:stream';

export const plainFetch = (input: string | URL, init: RequestInit = {}): Promise<Response> =>
  new Promise<Response>((resolve, reject) => {
    const url = new URL(String(input));
    if (url.protocol !== 'http:') return reject(new TypeError(`plainFetch speaks http only, not ${url.protocol}`));
    const headers: Record<string, string> = {};
    new Headers(init.headers).forEach((value, key) => (headers[key] = value));
    let body: string | Buffer | undefined;
    if (init.body instanceof URLSearchParams) {
      body = init.body.toString();
      headers['content-type'] ??= 'application/x-www-form-urlencoded;charset=UTF-8';
    } else if (typeof init.body === 'string') body = init.body;
    else if (init.body != null) body = Buffer.from(init.body as ArrayBuffer);
    if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
    const req = request(url, { method: init.method ?? 'GET', headers, agent: false });
    const signal = init.signal;
    const onAbort = () => req.destroy(Object.assign(new Error('The operation was aborted'), { name: 'AbortError' }));
    if (signal?.aborted) return reject(Object.assign(new Error('The operation was aborted'), { name: 'AbortError' }));
    signal?.addEventListener('abort', onAbort, { once: true });
    req.on('error', (err) => reject(Object.assign(new TypeError('fetch failed'), { cause: err })));
    req.on('response', (res) => {
      const out = new Headers();
      for (const [key, value] of Object.entries(res.headers)) {
        if (Array.isArray(value)) for (const v of value) out.append(key, v);
        else if (value !== undefined) out.set(key, value);
      }
      res.on('close', () => signal?.removeEventListener('abort', onAbort));
      const status = res.statusCode ?? 500;
      const nullBody = status === 204 || status === 304 || init.method === 'HEAD';
      resolve(
        new Response(nullBody ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>), {
          status,
          statusText: res.statusMessage,
          headers: out,
        }),
      );
    });
    req.end(body);
  });
