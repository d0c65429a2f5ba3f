import {
  InsufficientScopeError,
  ProtocolError,
  SdkError,
  SseError,
  SdkErrorCode,
  SdkHttpError,
  UnauthorizedError,
} from '@modelcontextprotocol/client';
import { ExternalSourceError } from './source-errors';

/**
 * What a failed exchange with a source means for the caller: above all, whether the
 * request can have reached the source (and so whether retrying it is safe).
 */
export type Failure =
  /** The source answered 404 for our session: it forgot it (restart, expiry) and did not run the request. */
  | { kind: 'session_expired' }
  /** No byte of the request left this host (refused, unknown host, unreachable). */
  | { kind: 'not_sent'; reason: string }
  /** The injected fetch refused the destination. */
  | { kind: 'blocked'; reason: string }
  /** The connection broke after the request may have been sent. */
  | { kind: 'connection_lost'; reason: string }
  | { kind: 'timeout' }
  | { kind: 'aborted' }
  /** The credentials were refused (401/403), or OAuth cannot go on without an admin. */
  | { kind: 'auth'; status: number; scope?: string; oauthEnd: boolean }
  /** A JSON-RPC error answer from the source. */
  | { kind: 'protocol'; code: number; message: string }
  /** A 2026-07-28 request refused as such (HTTP 400, or -32022): the source no longer speaks that revision. */
  | { kind: 'era_mismatch' }
  | { kind: 'http'; status: number }
  /** One of our own typed errors, passed through. */
  | { kind: 'typed'; error: ExternalSourceError }
  | { kind: 'other'; reason: string };

/** Network error codes raised before a connection exists: the request cannot have been sent. */
const NOT_SENT_CODES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'name lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EADDRNOTAVAIL: 'address not available',
  UND_ERR_CONNECT_TIMEOUT: 'connect timeout',
};
const LOST_CODES: Record<string, string> = {
  ECONNRESET: 'connection reset',
  EPIPE: 'connection closed',
  UND_ERR_SOCKET: 'connection closed by the source',
  UND_ERR_CLOSED: 'connection closed',
  ETIMEDOUT: 'connection timed out',
};
const UNSUPPORTED_PROTOCOL_VERSION = -32022;

/** The error and its causes (`cause`, AggregateError members), depth-limited. */
export function* errorChain(error: unknown, depth = 0): Generator<Record<string, unknown>> {
  if (depth > 6 || typeof error !== 'object' || error === null) return;
  const e = error as Record<string, unknown>;
  yield e;
  if (Array.isArray(e.errors)) for (const inner of e.errors) yield* errorChain(inner, depth + 1);
  if (e.cause !== undefined) yield* errorChain(e.cause, depth + 1);
}

/**
 * Sorts an error thrown by the SDK (or by the injected fetch under it) into a Failure.
 * `signal` is the caller's: an SDK timeout raised while it is aborted is a cancellation.
 * `hadSession` says whether the request carried a session (a 404 then means "session gone").
 */
export function classifyFailure(
  error: unknown,
  ctx: { signal?: AbortSignal; hadSession: boolean; sessionGone?: boolean },
): Failure {
  if (error instanceof ExternalSourceError) return { kind: 'typed', error };
  if (ctx.signal?.aborted) return { kind: 'aborted' };
  for (const link of errorChain(error)) {
    if (link instanceof ExternalSourceError) return { kind: 'typed', error: link };
    if (link.code === 'blocked') return { kind: 'blocked', reason: String(link.message ?? 'refused') };
  }
  if (UnauthorizedError.isInstance(error)) return { kind: 'auth', status: 401, oauthEnd: true };
  if (InsufficientScopeError.isInstance(error)) {
    const scope = (error as unknown as { requiredScope?: string }).requiredScope;
    return { kind: 'auth', status: 403, scope, oauthEnd: true };
  }
  if (SseError.isInstance(error)) {
    const status = (error as SseError).code;
    if (status === 401 || status === 403) return { kind: 'auth', status, oauthEnd: false };
    if (status === 404 && (ctx.hadSession || ctx.sessionGone)) return { kind: 'session_expired' };
    if (status) return { kind: 'http', status };
  }
  if (error instanceof ProtocolError) {
    if (error.code === UNSUPPORTED_PROTOCOL_VERSION) return { kind: 'era_mismatch' };
    return { kind: 'protocol', code: error.code, message: error.message };
  }
  if (error instanceof SdkHttpError) {
    const status = error.status;
    if (status === 401 || status === 403) return { kind: 'auth', status, oauthEnd: false };
    if (status === 404 && (ctx.hadSession || ctx.sessionGone)) return { kind: 'session_expired' };
    if (status === 400 && error.code === SdkErrorCode.ClientHttpNotImplemented) return { kind: 'http', status };
    return { kind: 'http', status };
  }
  if (error instanceof SdkError) {
    if (error.code === SdkErrorCode.RequestTimeout) return { kind: 'timeout' };
    if (error.code === SdkErrorCode.ConnectionClosed) return { kind: 'connection_lost', reason: 'connection closed' };
    if (error.code === SdkErrorCode.EraNegotiationFailed) {
      const inner = classifyNetwork(error);
      if (inner) return inner;
    }
  }
  const network = classifyNetwork(error);
  if (network) return network;
  const message = error instanceof Error ? error.message : String(error);
  // The legacy SSE transport reports a refused POST as a plain Error naming the status.
  const status = /\(HTTP (\d{3})\)/.exec(message)?.[1];
  if (status === '404' && (ctx.hadSession || ctx.sessionGone)) return { kind: 'session_expired' };
  if (status === '401' || status === '403') return { kind: 'auth', status: Number(status), oauthEnd: false };
  if (status) return { kind: 'http', status: Number(status) };
  if (ctx.sessionGone) return { kind: 'session_expired' };
  return { kind: 'other', reason: message };
}

function classifyNetwork(error: unknown): Failure | undefined {
  for (const link of errorChain(error)) {
    const code = typeof link.code === 'string' ? link.code : undefined;
    if (code && NOT_SENT_CODES[code]) return { kind: 'not_sent', reason: NOT_SENT_CODES[code] };
  }
  for (const link of errorChain(error)) {
    const code = typeof link.code === 'string' ? link.code : undefined;
    if (code && LOST_CODES[code]) return { kind: 'connection_lost', reason: LOST_CODES[code] };
  }
  // undici: `TypeError: fetch failed` with a cause we could not name; `terminated` for a body cut short.
  for (const link of errorChain(error)) {
    if (link.message === 'fetch failed' || link.message === 'terminated' || link.message === 'other side closed')
      return { kind: 'connection_lost', reason: 'connection failed' };
  }
  return undefined;
}
