import { request as httpRequest, type ClientRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { isIP } from 'node:net';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { Transform } from 'node:stream';
import { MAX_HTTP_RESPONSE_BYTES } from '../common/limits';
import type { NetworkRules } from './network-rules';
import { checkDestination, systemResolver, type DestinationDecision, type Resolver } from './destination';

export type GuardedHttpErrorCode =
  | 'blocked'
  | 'invalid_request'
  | 'timeout'
  | 'too_large'
  | 'too_many_redirects'
  | 'network'
  | 'aborted'
  | 'over_budget';

export class GuardedHttpError extends Error {
  constructor(
    readonly code: GuardedHttpErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'GuardedHttpError';
  }
}

export interface GuardedRequestInit {
  method?: string;
  headers?: Record<string, string> | [string, string][];
  body?: string | Uint8Array | null;
  /** Whole-request limit (every hop, headers and body); defaults to the client's. */
  timeoutMs?: number;
  /** Response body cap in bytes (after decompression); defaults to 10 MiB. */
  maxBodyBytes?: number;
  signal?: AbortSignal;
  /**
   * Called with the size of each chunk of the response body before it is kept: the caller
   * counts what the body holds in memory, and stops the read by throwing (its message is
   * the request's error, code `over_budget`).
   */
  reserve?: (bytes: number) => void;
  /**
   * Secret values of the caller (the server's secrets, in every spelling the caller wants
   * caught). On a redirect no header holding one is forwarded, and a body holding one is
   * never re-sent to another origin.
   */
  secrets?: readonly string[];
}

export interface GuardedResponse {
  status: number;
  statusText: string;
  /** Final URL after redirects. */
  url: string;
  redirected: boolean;
  headers: [string, string][];
  body: Buffer;
}

export interface GuardedHttpClientOptions {
  resolver?: Resolver;
  maxRedirects?: number;
  timeoutMs?: number;
  maxBodyBytes?: number;
}

export const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/** Headers the client owns: framing, connection management and the pinned Host. */
const DROPPED_HEADERS = new Set([
  'host',
  'connection',
  'content-length',
  'transfer-encoding',
  'keep-alive',
  'upgrade',
  'te',
  'trailer',
  'proxy-connection',
]);
/**
 * The only headers of the caller that follow a redirect to another origin: any other may carry
 * a credential (x-api-key, private-token, ...). content-type follows only with a re-sent body.
 */
const CROSS_ORIGIN_KEPT = new Set(['accept', 'accept-language', 'content-language', 'user-agent']);
const METHOD = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * The one outbound HTTP client for tool code and external MCP sources (docs/guarded-http.md): every hop
 * is decided by `checkDestination` (scheme, allowance, resolved addresses), the connection is
 * pinned to the checked address (no second DNS lookup), redirects are followed by hand and
 * re-checked, the response body is capped, and the whole request has a deadline.
 * No keep-alive agent: a pooled socket must never outlive the decision that opened it.
 */
export class GuardedHttpClient {
  private readonly resolver: Resolver;
  private readonly maxRedirects: number;
  private readonly timeoutMs: number;
  private readonly maxBodyBytes: number;

  constructor(opts: GuardedHttpClientOptions = {}) {
    this.resolver = opts.resolver ?? systemResolver;
    this.maxRedirects = opts.maxRedirects ?? 5;
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.maxBodyBytes = opts.maxBodyBytes ?? MAX_HTTP_RESPONSE_BYTES;
  }

  async request(url: string, init: GuardedRequestInit, rules: NetworkRules): Promise<GuardedResponse> {
    let method = (init.method ?? 'GET').toUpperCase();
    if (!METHOD.test(method) || method === 'CONNECT' || method === 'TRACE')
      throw new GuardedHttpError('invalid_request', `unsupported HTTP method ${method.slice(0, 20)}`);
    let headers = cleanHeaders(init.headers);
    let body: Buffer | undefined =
      init.body == null
        ? undefined
        : typeof init.body === 'string'
          ? Buffer.from(init.body, 'utf8')
          : Buffer.from(init.body.buffer, init.body.byteOffset, init.body.byteLength);
    const deadline = Date.now() + (init.timeoutMs ?? this.timeoutMs);
    const maxBody = Math.min(init.maxBodyBytes ?? this.maxBodyBytes, this.maxBodyBytes);
    let current = url;
    let previous: URL | undefined;
    const secrets = (init.secrets ?? []).filter((v) => typeof v === 'string' && v.length > 0);

    for (let hop = 0; ; hop++) {
      const decision = await checkDestination(current, rules, this.resolver);
      if (!decision.allowed)
        throw new GuardedHttpError('blocked', previous ? `redirect refused: ${decision.reason}` : decision.reason);
      if (Date.now() >= deadline) throw new GuardedHttpError('timeout', 'the request timed out');

      const res = await this.send(decision, method, headers, body, deadline, init.signal);
      const location = res.headers.location;
      if (REDIRECTS.has(res.statusCode ?? 0) && typeof location === 'string') {
        res.destroy();
        if (hop >= this.maxRedirects)
          throw new GuardedHttpError('too_many_redirects', `more than ${this.maxRedirects} redirects`);
        let next: URL;
        try {
          next = new URL(location, decision.url);
        } catch {
          throw new GuardedHttpError('invalid_request', 'the redirect Location is not a valid URL');
        }
        if (res.statusCode === 303 || ((res.statusCode === 301 || res.statusCode === 302) && method === 'POST')) {
          method = method === 'HEAD' ? 'HEAD' : 'GET';
          body = undefined;
          headers = headers.filter(([k]) => !/^content-/i.test(k));
        }
        const crossOrigin = next.origin !== decision.url.origin;
        const resent = body;
        if (crossOrigin && resent && secrets.some((s) => resent.includes(s)))
          throw new GuardedHttpError(
            'blocked',
            `redirect refused: the request body holds a secret value of this server and ${decision.url.origin} redirects it to ${next.origin}`,
          );
        headers = redirectHeaders(headers, crossOrigin, body !== undefined, secrets);
        previous = decision.url;
        current = next.href;
        continue;
      }
      const data = await readBody(res, maxBody, deadline, method === 'HEAD', init.reserve);
      return {
        status: res.statusCode ?? 0,
        statusText: res.statusMessage ?? '',
        url: decision.url.href,
        redirected: hop > 0,
        headers: responseHeaders(res, data.decoded),
        body: data.body,
      };
    }
  }

  /** Opens one connection to the pinned address and resolves with the response head. */
  private send(
    d: Extract<DestinationDecision, { allowed: true }>,
    method: string,
    headers: [string, string][],
    body: Buffer | undefined,
    deadline: number,
    signal?: AbortSignal,
  ): Promise<IncomingMessage> {
    const merged: Record<string, string> = Object.create(null) as Record<string, string>;
    for (const [k, v] of headers) {
      const name = k.toLowerCase();
      merged[name] = name in merged ? `${merged[name]}, ${v}` : v;
    }
    if (body) merged['content-length'] = String(body.length);
    return new Promise((resolve, reject) => {
      let req: ClientRequest;
      try {
        req = openPinnedRequest(d, method, merged);
      } catch (err) {
        reject(new GuardedHttpError('invalid_request', `invalid request: ${(err as Error).message}`));
        return;
      }
      const timer = setTimeout(
        () => req.destroy(new GuardedHttpError('timeout', 'the request timed out')),
        Math.max(1, deadline - Date.now()),
      );
      const onAbort = () => req.destroy(new GuardedHttpError('aborted', 'the request was aborted'));
      if (signal?.aborted) onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      req.on('response', (res) => {
        // The body phase keeps its own deadline; the socket is freed on close.
        done();
        signal?.addEventListener(
          'abort',
          () => res.destroy(new GuardedHttpError('aborted', 'the request was aborted')),
          { once: true },
        );
        resolve(res);
      });
      req.on('error', (err) => {
        done();
        reject(
          err instanceof GuardedHttpError
            ? err
            : new GuardedHttpError(
                'network',
                `request to ${d.hostname} failed: ${(err as NodeJS.ErrnoException).code ?? err.message}`,
              ),
        );
      });
      req.end(body);
    });
  }
}

/**
 * Opens one request to the address a decision checked: the lookup pinned to it, the host
 * name as TLS server name, and no pooled agent (the guarded fetch of external sources
 * connects through this too). Sends nothing until the caller ends the request.
 */
export function openPinnedRequest(
  d: Extract<DestinationDecision, { allowed: true }>,
  method: string,
  headers: Record<string, string>,
): ClientRequest {
  const opts: RequestOptions & { servername?: string } = {
    protocol: d.url.protocol,
    hostname: d.hostname,
    port: d.port,
    path: `${d.url.pathname}${d.url.search}`,
    method,
    headers,
    lookup: pinnedLookup(d),
    agent: false,
    setHost: true,
  };
  if (d.url.protocol === 'https:' && !isIP(d.hostname)) opts.servername = d.hostname;
  return (d.url.protocol === 'https:' ? httpsRequest : httpRequest)(opts);
}

/**
 * A `lookup` for node:http/https/net that answers only with the address a decision checked,
 * so the connection cannot go anywhere else (for callers that open their own connections).
 */
export function pinnedLookup(d: Extract<DestinationDecision, { allowed: true }>): LookupFunction {
  return (_host, options, cb) => {
    if ((options as { all?: boolean }).all)
      (cb as (e: null, a: { address: string; family: number }[]) => void)(null, [
        { address: d.address.address, family: d.address.family },
      ]);
    else cb(null, d.address.address, d.address.family);
  };
}

/** Whether a header value carries a secret: as is, or inside Basic credentials. */
function holdsSecret(value: string, secrets: readonly string[]): boolean {
  if (!secrets.length) return false;
  const basic = /^\s*basic\s+([A-Za-z0-9+/=_-]+)\s*$/i.exec(value);
  const decoded = basic ? Buffer.from(basic[1], 'base64').toString('utf8') : '';
  return secrets.some((s) => value.includes(s) || (decoded && decoded.includes(s)));
}

/**
 * The caller's headers for the next hop of a redirect: none that holds a secret value, and
 * towards another origin only the few that cannot carry a credential (content-type with a
 * re-sent body).
 */
function redirectHeaders(
  headers: [string, string][],
  crossOrigin: boolean,
  bodyResent: boolean,
  secrets: readonly string[],
): [string, string][] {
  return headers.filter(([k, v]) => {
    if (holdsSecret(v, secrets)) return false;
    if (!crossOrigin) return true;
    const name = k.toLowerCase();
    return CROSS_ORIGIN_KEPT.has(name) || (bodyResent && name === 'content-type');
  });
}

function cleanHeaders(input: GuardedRequestInit['headers']): [string, string][] {
  const list: [string, string][] = Array.isArray(input) ? input : Object.entries(input ?? {});
  const out: [string, string][] = [];
  for (const [k, v] of list) {
    const name = String(k);
    if (DROPPED_HEADERS.has(name.toLowerCase())) continue;
    out.push([name, String(v)]);
  }
  return out;
}

function decoderFor(encoding: string | undefined): Transform | undefined {
  switch ((encoding ?? '').trim().toLowerCase()) {
    case 'gzip':
    case 'x-gzip':
      return createGunzip();
    case 'deflate':
      return createInflate();
    case 'br':
      return createBrotliDecompress();
    default:
      return undefined;
  }
}

/** Reads the body (decompressed when the server compressed it) up to `max` bytes, before the deadline. */
function readBody(
  res: IncomingMessage,
  max: number,
  deadline: number,
  head: boolean,
  reserve?: (bytes: number) => void,
): Promise<{ body: Buffer; decoded: boolean }> {
  if (head) {
    res.resume();
    return Promise.resolve({ body: Buffer.alloc(0), decoded: false });
  }
  const decoder = decoderFor(res.headers['content-encoding']);
  const stream = decoder ? res.pipe(decoder) : res;
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const fail = (err: GuardedHttpError) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      res.destroy();
      decoder?.destroy();
      reject(err);
    };
    const timer = setTimeout(
      () => fail(new GuardedHttpError('timeout', 'the request timed out while reading the response body')),
      Math.max(1, deadline - Date.now()),
    );
    stream.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) return fail(new GuardedHttpError('too_large', `the response body exceeds ${max} bytes`));
      try {
        reserve?.(chunk.length);
      } catch (err) {
        return fail(new GuardedHttpError('over_budget', err instanceof Error ? err.message : String(err)));
      }
      chunks.push(chunk);
    });
    stream.on('error', (err) =>
      fail(
        err instanceof GuardedHttpError
          ? err
          : new GuardedHttpError('network', `reading the response failed: ${err.message}`),
      ),
    );
    res.on('aborted', () => fail(new GuardedHttpError('network', 'the connection closed before the response ended')));
    stream.on('end', () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      // One chunk is handed over as it is: no second copy of the body.
      resolve({ body: chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size), decoded: !!decoder });
    });
  });
}

function responseHeaders(res: IncomingMessage, decoded: boolean): [string, string][] {
  const out: [string, string][] = [];
  const raw = res.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i].toLowerCase();
    // The body handed over is already decompressed: its old length and encoding no longer apply.
    if (decoded && (name === 'content-encoding' || name === 'content-length')) continue;
    out.push([name, raw[i + 1]]);
  }
  return out;
}
