import type { FetchLike } from '@modelcontextprotocol/client';
import { assertAuthHeader, assertBearerToken } from './header-auth';
import { SourceConfigError } from './source-errors';
import type { SourceOAuth } from './source-oauth';

export type { SourceTransport } from './source-transport';
import type { SourceTransport } from './source-transport';

/** The source's credentials, with values the caller read from the server's encrypted secrets. */
export type SourceAuth =
  | { type: 'none' }
  | { type: 'bearer'; token: string }
  | { type: 'header'; name: string; value: string }
  | { type: 'oauth'; oauth: SourceOAuth };

/** What the client tells its owner (for logs and activity); never a credential. */
export type SourceEvent =
  | {
      type: 'connected';
      era: 'modern' | 'legacy';
      protocolVersion: string;
      session: boolean;
      purpose: 'call' | 'watch';
    }
  | { type: 'session_replaced'; reason: 'session_expired' | 'session_refused' | 'not_sent' | 'connection_lost' }
  | { type: 'session_closed'; reason: 'idle' | 'client_closed' | 'era_changed' }
  | { type: 'era_changed'; from: 'modern' | 'legacy'; to: 'modern' | 'legacy' }
  | { type: 'tools_changed' }
  | { type: 'watch_lost'; message: string; retryInMs: number };

export interface ExternalSourceClientOptions {
  url: string;
  transport: SourceTransport;
  auth?: SourceAuth;
  /**
   * The only network path of the client (the product passes one built on its SSRF-safe
   * guarded HTTP client). It may signal a policy refusal by throwing an error whose `code`
   * (or a cause's) is `'blocked'`; that surfaces as SourceBlockedError, never retried.
   */
  fetch: FetchLike;
  clientInfo?: { name: string; version: string };
  /** Time allowed to open a connection (era probe, initialize). Default 10 s. */
  connectTimeoutMs?: number;
  /** Default time allowed for a tools/call, connection included. Default 30 s. */
  callTimeoutMs?: number;
  /** Sessions kept for a 2025-era (or SSE) source; opened as calls overlap. Default 4. */
  poolSize?: number;
  /** A connection unused this long is closed. Default 5 min. */
  idleMs?: number;
  /** A negotiated era older than this is probed again before a new connection. Default 1 h. */
  verdictTtlMs?: number;
  /** At most this many tools/list pages in discover(). Default 20. */
  maxDiscoverPages?: number;
  /** list_changed callbacks fire this long after the last notification. Default 500 ms. */
  listChangedDebounceMs?: number;
  /** Re-listen back-off for the change watcher. Default 1 s doubling to 30 s. */
  watchRetryMinMs?: number;
  watchRetryMaxMs?: number;
  onEvent?: (event: SourceEvent) => void;
}

export type NormalizedOptions = Required<Omit<ExternalSourceClientOptions, 'auth' | 'onEvent'>> & {
  url: string;
  parsedUrl: URL;
  auth: SourceAuth;
  onEvent: (event: SourceEvent) => void;
};

const intIn = (value: number | undefined, fallback: number, min: number, max: number, field: string): number => {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < min || v > max)
    throw new SourceConfigError(`${field} must be an integer from ${min} to ${max}.`, field);
  return v;
};

/** Checks the options once; a source that cannot work fails here, before anything is sent. */
export function normalizeOptions(o: ExternalSourceClientOptions): NormalizedOptions {
  let parsedUrl: URL;
  try {
    parsedUrl = new URL(o.url);
  } catch {
    throw new SourceConfigError('The source URL is not a valid URL.', 'url');
  }
  if (parsedUrl.protocol !== 'http:' && parsedUrl.protocol !== 'https:')
    throw new SourceConfigError('The source URL must use http or https.', 'url');
  if (parsedUrl.username || parsedUrl.password)
    throw new SourceConfigError('The source URL must not carry a user name or password; use the auth settings.', 'url');
  if (o.transport !== 'streamable_http' && o.transport !== 'sse')
    throw new SourceConfigError('transport_type must be streamable_http or sse.', 'transport_type');
  if (typeof o.fetch !== 'function') throw new SourceConfigError('A fetch function must be given.', 'fetch');
  const auth = o.auth ?? { type: 'none' };
  if (auth.type === 'bearer') assertBearerToken(auth.token);
  else if (auth.type === 'header') assertAuthHeader(auth.name, auth.value);
  else if (auth.type === 'oauth' && !auth.oauth)
    throw new SourceConfigError('OAuth auth needs its SourceOAuth.', 'auth');
  else if (auth.type !== 'none' && auth.type !== 'oauth')
    throw new SourceConfigError('auth_type must be none, bearer, header or oauth.', 'auth_type');
  return {
    url: o.url,
    parsedUrl,
    transport: o.transport,
    auth,
    fetch: o.fetch,
    clientInfo: o.clientInfo ?? { name: 'mcpbox', version: '1.0.0' },
    connectTimeoutMs: intIn(o.connectTimeoutMs, 10_000, 100, 120_000, 'connectTimeoutMs'),
    callTimeoutMs: intIn(o.callTimeoutMs, 30_000, 100, 300_000, 'callTimeoutMs'),
    poolSize: intIn(o.poolSize, 4, 1, 32, 'poolSize'),
    idleMs: intIn(o.idleMs, 300_000, 100, 86_400_000, 'idleMs'),
    verdictTtlMs: intIn(o.verdictTtlMs, 3_600_000, 0, 86_400_000 * 7, 'verdictTtlMs'),
    maxDiscoverPages: intIn(o.maxDiscoverPages, 20, 1, 1000, 'maxDiscoverPages'),
    listChangedDebounceMs: intIn(o.listChangedDebounceMs, 500, 0, 60_000, 'listChangedDebounceMs'),
    watchRetryMinMs: intIn(o.watchRetryMinMs, 1000, 10, 600_000, 'watchRetryMinMs'),
    watchRetryMaxMs: intIn(o.watchRetryMaxMs, 30_000, 10, 3_600_000, 'watchRetryMaxMs'),
    onEvent: o.onEvent ?? (() => undefined),
  };
}

/** The secret values of an auth config, for redaction. */
export function authSecrets(auth: SourceAuth): string[] {
  if (auth.type === 'bearer') return [auth.token];
  if (auth.type === 'header') return [auth.value];
  if (auth.type === 'oauth') return auth.oauth.secrets();
  return [];
}
