import type { Failure } from './failures';
import {
  ExternalSourceError,
  redact,
  SourceAuthError,
  SourceBlockedError,
  SourceCallAbortedError,
  SourceNeedsAuthError,
  SourceProtocolError,
  SourceTimeoutError,
  SourceUnavailableError,
} from './source-errors';
import type { SourceAuth } from './source-options';

/** Where a failure happened and what the request was. */
export interface FailureContext {
  phase: 'connect' | 'discover' | 'call';
  tool?: string;
  timeoutMs: number;
  /** The request may have reached the source. */
  mayHaveRun: boolean;
}

export interface SourceFacts {
  /** The source as messages name it (describeSource). */
  label: string;
  authType: SourceAuth['type'];
  /** Values that must never appear in a message. */
  secrets: string[];
}

/** The typed error, with a message an LLM can act on, for a classified failure. */
export function failureToError(f: Failure, ctx: FailureContext, source: SourceFacts): ExternalSourceError {
  const label = source.label;
  const text = (s: string) => redact(s, source.secrets);
  const what = ctx.tool ? `"${ctx.tool}"` : 'the request';
  switch (f.kind) {
    case 'typed':
      return f.error;
    case 'blocked':
      return new SourceBlockedError(
        `MCPBox's network policy refused the connection to the external MCP source at ${label} (${text(f.reason)}); nothing was sent. An admin must allow this host for the server.`,
      );
    case 'not_sent':
      return new SourceUnavailableError(
        `The external MCP source at ${label} is unreachable (${f.reason}); nothing was sent. It may be down: try again later.`,
        false,
      );
    case 'session_expired':
      return new SourceUnavailableError(
        `The external MCP source at ${label} dropped MCPBox's session again right after it was renewed; ${what} was not run. Try again later.`,
        false,
      );
    case 'connection_lost':
      return new SourceUnavailableError(
        ctx.phase === 'call'
          ? `The connection to the external MCP source at ${label} broke while ${what} was in flight (${f.reason}); it may or may not have run there. Check before repeating a call that changes something.`
          : `The connection to the external MCP source at ${label} broke (${f.reason}). It may be restarting: try again later.`,
        ctx.mayHaveRun,
      );
    case 'timeout':
      return new SourceTimeoutError(
        ctx.phase === 'call' && ctx.mayHaveRun
          ? `The external MCP source at ${label} did not answer ${what} within ${ctx.timeoutMs} ms; it may still be running there.`
          : `The external MCP source at ${label} did not answer within ${ctx.timeoutMs} ms while MCPBox was connecting; it may be down or overloaded.`,
        ctx.timeoutMs,
        ctx.mayHaveRun,
      );
    case 'aborted':
      return new SourceCallAbortedError(
        `The request to the external MCP source at ${label} (${what}) was cancelled before it finished.`,
        ctx.mayHaveRun,
      );
    case 'auth':
      if (source.authType === 'oauth')
        return new SourceNeedsAuthError(
          f.scope
            ? `The external MCP source at ${label} needs more permissions (scope "${text(f.scope)}"): an admin must authorize MCPBox again (OAuth).`
            : `The external MCP source at ${label} refused MCPBox's OAuth token (HTTP ${f.status}): an admin must authorize MCPBox again.`,
          f.scope,
        );
      return new SourceAuthError(
        source.authType === 'none'
          ? `The external MCP source at ${label} requires authentication (HTTP ${f.status}), and none is configured for it.`
          : `The external MCP source at ${label} refused MCPBox's credentials (HTTP ${f.status}); an admin must check the secret configured for it.`,
        f.status,
      );
    case 'protocol':
      return new SourceProtocolError(
        `The external MCP source at ${label} answered ${what} with an error (${f.code}): ${text(f.message)}`,
        f.code,
      );
    case 'era_mismatch':
      return new SourceProtocolError(
        `The external MCP source at ${label} refused MCPBox's protocol version twice; discover the source again.`,
        -32022,
      );
    case 'http':
      return new SourceUnavailableError(
        `The external MCP source at ${label} answered HTTP ${f.status}${f.status >= 500 ? ' (a server error)' : ''}.`,
        ctx.mayHaveRun && f.status >= 500,
      );
    case 'other':
      return new SourceUnavailableError(
        `The external MCP source at ${label} failed: ${text(f.reason)}`,
        ctx.mayHaveRun,
      );
  }
}
