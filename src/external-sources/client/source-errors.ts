import type { CallToolResult } from '@modelcontextprotocol/client';

/**
 * Typed failures of the external-source client. Every message is written for an LLM (what
 * happened, whether the call may have run, what to do) and never carries a credential: the
 * source is named by origin and path only, and text that came from the source is redacted
 * and shortened first.
 */
export type SourceErrorCode =
  | 'unavailable'
  | 'timeout'
  | 'aborted'
  | 'auth_rejected'
  | 'needs_auth'
  | 'blocked'
  | 'protocol'
  | 'invalid_config'
  | 'oauth_flow'
  | 'closed';

/** The status the caller gives the source after this failure (`external_mcp_sources.status`), or null to leave it. */
export type SourceStatusHint = 'error' | 'needs_auth' | null;

export class ExternalSourceError extends Error {
  constructor(
    readonly code: SourceErrorCode,
    message: string,
    /** What the source's row should become. */
    readonly sourceStatus: SourceStatusHint,
    /** For a tool call: whether it may have reached the source and run there. */
    readonly mayHaveRun = false,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** The source could not be reached, or the connection broke. */
export class SourceUnavailableError extends ExternalSourceError {
  constructor(message: string, mayHaveRun: boolean) {
    super('unavailable', message, 'error', mayHaveRun);
  }
}

/** No answer within the time allowed (connecting, or the call itself). */
export class SourceTimeoutError extends ExternalSourceError {
  constructor(
    message: string,
    readonly timeoutMs: number,
    mayHaveRun: boolean,
  ) {
    super('timeout', message, 'error', mayHaveRun);
  }
}

/** The caller's AbortSignal ended the operation. The source's status is not the source's fault. */
export class SourceCallAbortedError extends ExternalSourceError {
  constructor(message: string, mayHaveRun: boolean) {
    super('aborted', message, null, mayHaveRun);
  }
}

/** The source refused the configured credentials (bearer token or custom header): HTTP 401/403. */
export class SourceAuthError extends ExternalSourceError {
  constructor(
    message: string,
    readonly httpStatus: number,
  ) {
    super('auth_rejected', message, 'error');
  }
}

/** OAuth: no usable token and no way to get one without an admin (refresh impossible, more scope needed). */
export class SourceNeedsAuthError extends ExternalSourceError {
  constructor(
    message: string,
    /** A scope the source asked for (a `403 insufficient_scope` step-up), to request at the next authorization. */
    readonly scope?: string,
  ) {
    super('needs_auth', message, 'needs_auth');
  }
}

/** The injected fetch refused the destination (network policy): nothing was sent. */
export class SourceBlockedError extends ExternalSourceError {
  constructor(message: string) {
    super('blocked', message, 'error');
  }
}

/** The source answered with a JSON-RPC error (unknown tool, invalid arguments, …): it is up, the request was wrong. */
export class SourceProtocolError extends ExternalSourceError {
  constructor(
    message: string,
    readonly rpcCode: number,
  ) {
    super('protocol', message, null);
  }
}

/** The source's configuration cannot work (bad URL, refused header name, …); nothing was sent. */
export class SourceConfigError extends ExternalSourceError {
  constructor(
    message: string,
    readonly field: string,
  ) {
    super('invalid_config', message, null);
  }
}

export type OAuthFlowFailure =
  | 'no_pending'
  | 'state_mismatch'
  | 'expired'
  | 'denied'
  | 'missing_code'
  | 'issuer_mismatch'
  | 'pkce_unsupported'
  | 'discovery'
  | 'token_exchange';

/** The admin's authorization step (start or callback) failed; the message says what to do. */
export class OAuthFlowError extends ExternalSourceError {
  constructor(
    readonly reason: OAuthFlowFailure,
    message: string,
  ) {
    super('oauth_flow', message, null);
  }
}

/** The client was closed. */
export class SourceClosedError extends ExternalSourceError {
  constructor(message = 'The external MCP source client is closed.') {
    super('closed', message, null);
  }
}

/** The source's status after an error of any kind: `needs_auth`, `error`, or null (leave it). */
export function sourceStatusFor(error: unknown): SourceStatusHint {
  return error instanceof ExternalSourceError ? error.sourceStatus : 'error';
}

/** The `isError` tool result the gateway returns for a failed passthrough call. */
export function toErrorResult(error: unknown): CallToolResult {
  const text =
    error instanceof ExternalSourceError ? error.message : 'The external MCP source failed in an unexpected way.';
  return { content: [{ type: 'text', text }], isError: true };
}

/** How a source is named in messages: scheme, host, port and path; never user info or a query (either may hold a key). */
export function describeSource(url: string | URL): string {
  try {
    const u = new URL(String(url));
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}

const REDACTED = '[REDACTED]';
export const MAX_SOURCE_TEXT = 500;

/** Replaces known secret values (≥ 4 characters) in text that came from elsewhere, and shortens it. */
export function redact(text: string, secrets: readonly string[], max = MAX_SOURCE_TEXT): string {
  let out = text;
  for (const secret of secrets) if (secret.length >= 4) out = out.split(secret).join(REDACTED);
  // eslint-disable-next-line no-control-regex
  out = out.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, ' ');
  return out.length > max ? `${out.slice(0, max)}…` : out;
}
