import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertAuthHeader, assertBearerToken, headerNameRefusal } from './header-auth';
import { SourceConfigError } from './source-errors';

describe('custom auth header rules', () => {
  it('allows ordinary credential headers, Authorization included (for non-Bearer schemes)', () => {
    for (const name of ['X-Api-Key', 'Api-Key', 'Authorization', 'X-MCPbox-Service-Token', 'PRIVATE-TOKEN'])
      assert.equal(headerNameRefusal(name), null, name);
  });
  it('refuses names that are not HTTP tokens', () => {
    for (const name of ['', 'X Api', 'X-Key:', 'Ключ', 'a\r\nb', 'x'.repeat(129)])
      assert.ok(headerNameRefusal(name), name);
  });
  it('refuses routing, framing, forwarding, cookie and MCP transport headers in any case', () => {
    for (const name of [
      'Host',
      'content-length',
      'Transfer-Encoding',
      'Connection',
      'Cookie',
      'Origin',
      'Proxy-Authorization',
      'Sec-Fetch-Site',
      'X-Forwarded-For',
      'Forwarded',
      'X-Real-IP',
      'Mcp-Session-Id',
      'MCP-Protocol-Version',
      'Mcp-Param-Region',
      'Last-Event-ID',
      'Accept',
      'Content-Type',
    ])
      assert.match(headerNameRefusal(name) ?? '', /cannot carry a credential/, name);
  });
  it('refuses values that would split the header, without echoing them', () => {
    assert.throws(
      () => assertAuthHeader('X-Api-Key', 'secret\r\nHost: evil'),
      (e: unknown) => {
        assert.ok(e instanceof SourceConfigError);
        assert.doesNotMatch(e.message, /secret|evil/);
        return true;
      },
    );
    assert.throws(() => assertAuthHeader('X-Api-Key', ''), /no value/);
    assert.throws(() => assertAuthHeader('X-Api-Key', ' padded'), /surrounding spaces/);
    assert.throws(() => assertAuthHeader('X-Api-Key', 'v'.repeat(9000)), /8 KiB/);
    assert.doesNotThrow(() => assertAuthHeader('X-Api-Key', 'k-123\tok'));
  });
  it('checks bearer tokens', () => {
    assert.doesNotThrow(() => assertBearerToken('abc.DEF-123_~+/='));
    assert.throws(() => assertBearerToken(''), SourceConfigError);
    assert.throws(() => assertBearerToken('two words'), SourceConfigError);
  });
});
