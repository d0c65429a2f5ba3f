import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProtocolError, SdkError, SdkErrorCode, SdkHttpError, UnauthorizedError } from '@modelcontextprotocol/client';
import { classifyFailure } from './failures';
import { describeSource, redact, SourceNeedsAuthError, sourceStatusFor, toErrorResult } from './source-errors';

const fetchFailed = (code: string) =>
  Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error(code), { code }) });
const session = { hadSession: true };
const none = { hadSession: false };

describe('failure classification', () => {
  it('knows when nothing was sent', () => {
    for (const code of ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH'])
      assert.equal(classifyFailure(fetchFailed(code), none).kind, 'not_sent', code);
    assert.deepEqual(
      classifyFailure(Object.assign(new Error('blocked: 10.0.0.1 is private'), { code: 'blocked' }), none),
      {
        kind: 'blocked',
        reason: 'blocked: 10.0.0.1 is private',
      },
    );
  });
  it('treats a broken connection as possibly sent', () => {
    for (const code of ['ECONNRESET', 'UND_ERR_SOCKET', 'EPIPE'])
      assert.equal(classifyFailure(fetchFailed(code), session).kind, 'connection_lost', code);
    assert.equal(classifyFailure(new TypeError('fetch failed'), session).kind, 'connection_lost');
    assert.equal(
      classifyFailure(new SdkError(SdkErrorCode.ConnectionClosed, 'closed'), session).kind,
      'connection_lost',
    );
  });
  it('reads a 404 as a forgotten session only when a session was sent', () => {
    const notFound = new SdkHttpError(SdkErrorCode.ClientHttpNotImplemented, 'x', { status: 404 });
    assert.equal(classifyFailure(notFound, session).kind, 'session_expired');
    assert.deepEqual(classifyFailure(notFound, none), { kind: 'http', status: 404 });
    assert.equal(
      classifyFailure(new Error('Error POSTing to endpoint (HTTP 404): Session not found'), session).kind,
      'session_expired',
    );
  });
  it('separates timeouts, cancellations, auth refusals and protocol errors', () => {
    const timeout = new SdkError(SdkErrorCode.RequestTimeout, 'Request timed out');
    assert.equal(classifyFailure(timeout, session).kind, 'timeout');
    assert.equal(classifyFailure(timeout, { ...session, signal: AbortSignal.abort() }).kind, 'aborted');
    assert.deepEqual(classifyFailure(new UnauthorizedError(), none), { kind: 'auth', status: 401, oauthEnd: true });
    const refused = new SdkHttpError(SdkErrorCode.ClientHttpAuthentication, 'x', { status: 401 });
    assert.deepEqual(classifyFailure(refused, none), { kind: 'auth', status: 401, oauthEnd: false });
    assert.deepEqual(classifyFailure(new ProtocolError(-32602, 'Invalid arguments'), session), {
      kind: 'protocol',
      code: -32602,
      message: 'Invalid arguments',
    });
    assert.equal(classifyFailure(new ProtocolError(-32022, 'Unsupported protocol version'), none).kind, 'era_mismatch');
    const typed = new SourceNeedsAuthError('needs auth');
    assert.deepEqual(classifyFailure(Object.assign(new Error('wrapped'), { cause: typed }), none), {
      kind: 'typed',
      error: typed,
    });
  });
});

describe('source error helpers', () => {
  it('names a source without user info or query', () => {
    assert.equal(
      describeSource('https://user:pw@api.example.com:8443/mcp?key=SECRET#x'),
      'https://api.example.com:8443/mcp',
    );
    assert.equal(describeSource('not a url'), '(invalid URL)');
  });
  it('redacts known secrets, strips control characters and shortens', () => {
    assert.equal(
      redact('token abcd1234 refused\r\n', ['abcd1234', 'abc']),
      'token [REDACTED] refused \n',
      'CR replaced, LF kept',
    );
    assert.equal(redact('x'.repeat(600), []).length, 501);
  });
  it('maps errors to a source status and an isError result', () => {
    const e = new SourceNeedsAuthError('The source needs an admin.');
    assert.equal(sourceStatusFor(e), 'needs_auth');
    assert.equal(sourceStatusFor(new Error('x')), 'error');
    assert.deepEqual(toErrorResult(e), {
      content: [{ type: 'text', text: 'The source needs an admin.' }],
      isError: true,
    });
  });
});
