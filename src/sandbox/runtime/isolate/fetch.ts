import type { FetchReply, FetchRequest } from './bridge';
import { freeze, objectKeys, parse, stringify, U8 } from './builtins';
import type { Ops } from './ops';
import { toBytes, utf8Decode, utf8Encode } from './text';
import type { UrlClasses } from './url';

type HeadersInit =
  | { forEach(fn: (value: string, key: string) => void): void }
  | Iterable<[unknown, unknown]>
  | Record<string, unknown>
  | undefined
  | null;

interface ResponseInit {
  status?: unknown;
  statusText?: unknown;
  headers?: HeadersInit;
  url?: unknown;
  redirected?: unknown;
}

/**
 * Headers and Response (made per call, on first use of fetch: most calls never need them).
 * Headers: lower-case names, repeated ones joined with ", ", iterated in name order.
 * Response: its body held whole (the host read it, up to 10 MiB).
 */
export function makeHttpClasses() {
  /** Headers: lower-case names, repeated ones joined with ", ", iterated in name order. */
  class Headers {
    private map: Record<string, string>;
    constructor(init?: HeadersInit) {
      this.map = Object.create(null) as Record<string, string>;
      if (!init) return;
      if (init instanceof Headers) init.forEach((v, k) => this.append(k, v));
      else if (typeof (init as Iterable<unknown>)[Symbol.iterator] === 'function')
        for (const [k, v] of init as Iterable<[unknown, unknown]>) this.append(k, v);
      else {
        const rec = init as Record<string, unknown>;
        for (const k of objectKeys(rec)) this.append(k, rec[k]);
      }
    }
    append(k: unknown, v: unknown) {
      const key = String(k).toLowerCase();
      const val = String(v).trim();
      this.map[key] = key in this.map ? this.map[key] + ', ' + val : val;
    }
    set(k: unknown, v: unknown) {
      this.map[String(k).toLowerCase()] = String(v).trim();
    }
    get(k: unknown) {
      const v = this.map[String(k).toLowerCase()];
      return v === undefined ? null : v;
    }
    has(k: unknown) {
      return String(k).toLowerCase() in this.map;
    }
    delete(k: unknown) {
      delete this.map[String(k).toLowerCase()];
    }
    forEach(fn: (value: string, key: string, self: Headers) => void, thisArg?: unknown) {
      for (const k of objectKeys(this.map).sort()) fn.call(thisArg, this.map[k], k, this);
    }
    keys() {
      return objectKeys(this.map).sort()[Symbol.iterator]();
    }
    values() {
      const values = objectKeys(this.map)
        .sort()
        .map((k) => this.map[k]);
      return values[Symbol.iterator]();
    }
    entries(): IterableIterator<[string, string]> {
      const entries = objectKeys(this.map)
        .sort()
        .map((k): [string, string] => [k, this.map[k]]);
      return entries[Symbol.iterator]();
    }
    [Symbol.iterator]() {
      return this.entries();
    }
  }

  /** A Response whose body is held whole (the host read it, up to 10 MiB). */
  class Response {
    readonly status: number;
    readonly statusText: string;
    readonly headers: Headers;
    readonly url: string;
    readonly redirected: boolean;
    private buf: ArrayBuffer;
    private used: boolean;
    constructor(body?: unknown, init: ResponseInit = {}) {
      this.status = init.status === undefined ? 200 : Number(init.status);
      this.statusText = init.statusText === undefined ? '' : String(init.statusText);
      this.headers = new Headers(init.headers);
      this.url = String(init.url || '');
      this.redirected = !!init.redirected;
      this.buf =
        body === undefined || body === null
          ? new ArrayBuffer(0)
          : typeof body === 'string'
            ? (utf8Encode(body).buffer as ArrayBuffer)
            : (toBytes(body).slice().buffer as ArrayBuffer);
      this.used = false;
    }
    get ok() {
      return this.status >= 200 && this.status < 300;
    }
    get bodyUsed() {
      return this.used;
    }
    private take(): ArrayBuffer {
      if (this.used) throw new TypeError('Body has already been consumed');
      this.used = true;
      return this.buf;
    }
    async arrayBuffer() {
      return this.take().slice(0);
    }
    async bytes() {
      return new U8(this.take().slice(0));
    }
    async text() {
      return utf8Decode(new U8(this.take()), false);
    }
    async json(): Promise<unknown> {
      return parse(await this.text());
    }
    clone() {
      if (this.used) throw new TypeError('Body has already been consumed');
      return new Response(this.buf, {
        status: this.status,
        statusText: this.statusText,
        headers: this.headers,
        url: this.url,
        redirected: this.redirected,
      });
    }
  }
  return { Headers, Response };
}

interface FetchInit {
  method?: unknown;
  headers?: HeadersInit;
  body?: unknown;
  timeoutMs?: unknown;
}

interface HttpOptions {
  headers?: HeadersInit;
  body?: unknown;
  json?: unknown;
  query?: Record<string, unknown>;
  timeoutMs?: unknown;
}

/** fetch (through the host's guarded HTTP client), and the `http` helper built on it. */
export function makeFetch(ops: Ops, urls: UrlClasses) {
  const { URL, URLSearchParams } = urls;
  const { Headers, Response } = makeHttpClasses();

  function fetch(input: unknown, init: FetchInit = {}): Promise<InstanceType<typeof Response>> {
    return new Promise((resolve, reject) => {
      const url =
        input instanceof URL
          ? input.href
          : input && typeof input === 'object' && typeof (input as { url?: unknown }).url === 'string'
            ? (input as { url: string }).url
            : String(input);
      const headers = new Headers(init.headers);
      let body: unknown = init.body;
      if (body !== undefined && body !== null) {
        if (typeof body === 'string') {
          if (!headers.has('content-type')) headers.set('content-type', 'text/plain;charset=UTF-8');
        } else if (body instanceof URLSearchParams) {
          body = body.toString();
          if (!headers.has('content-type'))
            headers.set('content-type', 'application/x-www-form-urlencoded;charset=UTF-8');
        } else if (body instanceof ArrayBuffer || ArrayBuffer.isView(body)) body = toBytes(body).slice().buffer;
        else
          throw new TypeError(
            'fetch body must be a string, ArrayBuffer, typed array or URLSearchParams (use JSON.stringify for objects)',
          );
      } else body = null;
      const req: FetchRequest = {
        url,
        method: init.method ? String(init.method) : 'GET',
        headers: Array.from(headers.entries()),
        body: body as FetchRequest['body'],
        timeoutMs: init.timeoutMs === undefined ? undefined : Number(init.timeoutMs),
      };
      ops.start(
        'fetch',
        [req],
        (m: FetchReply) => resolve(new Response(m.body, m)),
        (msg) => reject(new TypeError('fetch failed: ' + msg)),
      );
    });
  }

  async function httpCall(method: string, url: unknown, opts: HttpOptions = {}) {
    const headers = new Headers(opts.headers);
    let body = opts.body;
    if (opts.json !== undefined) {
      body = stringify(opts.json);
      if (!headers.has('content-type')) headers.set('content-type', 'application/json');
    }
    let target = url instanceof URL ? url.href : String(url);
    if (opts.query && typeof opts.query === 'object') {
      const u = new URL(target);
      for (const k of objectKeys(opts.query)) if (opts.query[k] !== undefined) u.searchParams.append(k, opts.query[k]);
      target = u.href;
    }
    const res = await fetch(target, { method, headers, body, timeoutMs: opts.timeoutMs });
    const text = await res.text();
    let data: unknown = text;
    if (/\bjson\b/i.test(res.headers.get('content-type') || '')) {
      try {
        data = parse(text);
      } catch {
        data = text;
      }
    }
    const hdrs: Record<string, string> = {};
    res.headers.forEach((v, k) => (hdrs[k] = v));
    return { status: res.status, statusText: res.statusText, ok: res.ok, url: res.url, headers: hdrs, data, text };
  }

  const http = freeze({
    request: (method: unknown, url: unknown, opts?: HttpOptions) => httpCall(String(method).toUpperCase(), url, opts),
    get: (url: unknown, opts?: HttpOptions) => httpCall('GET', url, opts),
    post: (url: unknown, opts?: HttpOptions) => httpCall('POST', url, opts),
    put: (url: unknown, opts?: HttpOptions) => httpCall('PUT', url, opts),
    patch: (url: unknown, opts?: HttpOptions) => httpCall('PATCH', url, opts),
    delete: (url: unknown, opts?: HttpOptions) => httpCall('DELETE', url, opts),
  });
  return { fetch, Headers, Response, http };
}
