import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import type { FetchLike } from '@modelcontextprotocol/client';
import { checkDestination, systemResolver, type DestinationDecision, type Resolver } from '../guarded-http/destination';
import { GuardedHttpError, openPinnedRequest, REDIRECTS } from '../guarded-http/guarded-http-client';
import type { NetworkRules } from '../guarded-http/network-rules';

/** Headers that may follow a redirect to another origin (no credential can hide in them). */
const CROSS_ORIGIN_KEPT = new Set(['accept', 'accept-language', 'content-type', 'user-agent', 'mcp-protocol-version']);

export interface GuardedSourceFetchOptions {
  /** The server's outbound rules, read for every request (allowances and the policy change live). */
  rules: () => Promise<NetworkRules>;
  resolver?: Resolver;
  maxRedirects?: number;
}

/**
 * The fetch the external-source client uses (docs/architecture.md#security-rules): the decision of the guarded HTTP
 * client (`checkDestination`: scheme, the server's allowed hosts or the public policy,
 * blocked ranges in every spelling) before every hop, the connection pinned to the
 * checked address, redirects followed by hand and checked again (credentials dropped
 * towards another origin, and a body never re-sent there). Unlike GuardedHttpClient.request the body streams, as MCP's
 * SSE responses and notification streams need. A refusal throws GuardedHttpError with
 * code `blocked` before anything is sent.
 */
export function guardedSourceFetch(opts: GuardedSourceFetchOptions): FetchLike {
  const resolver = opts.resolver ?? systemResolver;
  const maxRedirects = opts.maxRedirects ?? 5;
  return async (input, init = {}) => {
    let url = String(input instanceof URL ? input.href : input);
    let method = (init.method ?? 'GET').toUpperCase();
    const headers: Record<string, string> = {};
    new Headers(init.headers).forEach((value, key) => (headers[key] = value));
    let body = toBuffer(init.body, headers);
    const rules = await opts.rules();
    for (let hop = 0; ; hop++) {
      const decision = await checkDestination(url, rules, resolver);
      if (!decision.allowed)
        throw new GuardedHttpError('blocked', hop ? `redirect refused: ${decision.reason}` : decision.reason);
      const res = await send(decision, method, headers, body, init.signal ?? undefined);
      const location = res.headers.location;
      if (!REDIRECTS.has(res.statusCode ?? 0) || typeof location !== 'string') return toResponse(res, method);
      res.destroy();
      if (hop >= maxRedirects) throw new GuardedHttpError('too_many_redirects', `more than ${maxRedirects} redirects`);
      const next = new URL(location, decision.url);
      if (res.statusCode === 303 || ((res.statusCode === 301 || res.statusCode === 302) && method === 'POST')) {
        method = 'GET';
        body = undefined;
      }
      if (next.origin !== decision.url.origin) {
        // A body may hold a credential (a token request's refresh token or code verifier): it never follows to another origin.
        if (body !== undefined)
          throw new GuardedHttpError(
            'blocked',
            `redirect refused: ${decision.url.origin} redirects a request with a body to ${next.origin}`,
          );
        for (const name of Object.keys(headers)) if (!CROSS_ORIGIN_KEPT.has(name)) delete headers[name];
      }
      url = next.href;
    }
  };
}

function toBuffer(body: RequestInit['body'], headers: Record<string, string>): Buffer | undefined {
  if (body == null) return undefined;
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (body instanceof URLSearchParams) {
    headers['content-type'] ??= 'application/x-www-form-urlencoded;charset=UTF-8';
    return Buffer.from(body.toString(), 'utf8');
  }
  if (body instanceof ArrayBuffer) return Buffer.from(body);
  if (ArrayBuffer.isView(body)) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  throw new GuardedHttpError('invalid_request', 'unsupported request body');
}

function send(
  d: Extract<DestinationDecision, { allowed: true }>,
  method: string,
  headers: Record<string, string>,
  body: Buffer | undefined,
  signal?: AbortSignal,
): Promise<IncomingMessage> {
  const sent: Record<string, string> = { ...headers };
  delete sent.host;
  delete sent.connection;
  if (body) sent['content-length'] = String(body.length);
  return new Promise((resolve, reject) => {
    const aborted = () => Object.assign(new Error('The operation was aborted'), { name: 'AbortError' });
    if (signal?.aborted) return reject(aborted());
    const req = openPinnedRequest(d, method, sent);
    const onAbort = () => req.destroy(aborted());
    signal?.addEventListener('abort', onAbort, { once: true });
    req.on('error', (err) => {
      signal?.removeEventListener('abort', onAbort);
      reject(err.name === 'AbortError' ? err : Object.assign(new TypeError('fetch failed'), { cause: err }));
    });
    req.on('response', (res) => {
      res.on('close', () => signal?.removeEventListener('abort', onAbort));
      resolve(res);
    });
    req.end(body);
  });
}

function toResponse(res: IncomingMessage, method: string): Response {
  const out = new Headers();
  for (const [key, value] of Object.entries(res.headers)) {
    if (Array.isArray(value)) for (const v of value) out.append(key, v);
    else if (value !== undefined) out.set(key, value);
  }
  const status = res.statusCode ?? 502;
  const nullBody = status === 204 || status === 304 || method === 'HEAD';
  if (nullBody) res.resume();
  return new Response(nullBody ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>), {
    status,
    statusText: res.statusMessage,
    headers: out,
  });
}
