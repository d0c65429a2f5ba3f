import { SourceConfigError } from './source-errors';

/**
 * Rules for the `header` auth type: an admin (or the LLM, through the management tools)
 * names the header that carries the source's secret. The name must be an HTTP token
 * (RFC 9110 §5.6.2) and must not be one that changes how the request is routed, framed or
 * attributed rather than authenticated:
 *  - the Fetch standard's forbidden request headers (Host, Content-Length, Connection,
 *    Transfer-Encoding, Cookie, Origin, Referer, `Proxy-*`, `Sec-*`, …): a Host header sent
 *    to a pinned address would reach another virtual host than the one the network policy
 *    approved; framing headers would desynchronise the connection; Cookie is browser state,
 *    not an API credential;
 *  - forwarding headers (Forwarded, `X-Forwarded-*`, X-Real-IP, …), which a source behind a
 *    proxy may trust as the caller's address;
 *  - the MCP transport's own headers (Mcp-Session-Id, Mcp-Protocol-Version, Mcp-Method,
 *    Mcp-Name, `Mcp-Param-*`, Last-Event-ID, Accept, Content-Type), which the SDK sets.
 * `Authorization` itself is allowed, for schemes other than Bearer (`Basic …`, `Token …`);
 * for a bearer token use the `bearer` type.
 */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const FORBIDDEN = new Set([
  'accept-charset',
  'accept-encoding',
  'access-control-request-headers',
  'access-control-request-method',
  'access-control-request-private-network',
  'connection',
  'content-length',
  'cookie',
  'cookie2',
  'date',
  'dnt',
  'expect',
  'host',
  'keep-alive',
  'origin',
  'referer',
  'set-cookie',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'via',
  'x-http-method',
  'x-http-method-override',
  'x-method-override',
  'forwarded',
  'x-real-ip',
  'x-client-ip',
  'true-client-ip',
  'cf-connecting-ip',
  'accept',
  'content-type',
  'content-encoding',
  'mcp-session-id',
  'mcp-protocol-version',
  'mcp-method',
  'mcp-name',
  'last-event-id',
]);
const FORBIDDEN_PREFIXES = ['proxy-', 'sec-', 'x-forwarded-', 'mcp-param-'];
export const MAX_HEADER_VALUE_BYTES = 8 * 1024;

/** Why a header name is refused, or null when it may carry a source's credential. */
export function headerNameRefusal(name: string): string | null {
  if (!name) return 'the header name is empty';
  if (name.length > 128) return 'the header name is longer than 128 characters';
  if (!TOKEN.test(name)) return "the header name must be an HTTP token (letters, digits and !#$%&'*+-.^_`|~)";
  const lower = name.toLowerCase();
  if (FORBIDDEN.has(lower) || FORBIDDEN_PREFIXES.some((p) => lower.startsWith(p)))
    return `"${name}" controls routing, framing or the MCP transport and cannot carry a credential`;
  return null;
}

/** Throws SourceConfigError unless the name is allowed and the value is a single-line header value. Never echoes the value. */
export function assertAuthHeader(name: string, value: string): void {
  const refusal = headerNameRefusal(name);
  if (refusal) throw new SourceConfigError(`Custom auth header refused: ${refusal}.`, 'auth_header_name');
  if (!value) throw new SourceConfigError('The custom auth header has no value (is the secret set?).', 'auth_secret');
  if (Buffer.byteLength(value) > MAX_HEADER_VALUE_BYTES)
    throw new SourceConfigError('The custom auth header value is longer than 8 KiB.', 'auth_secret');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000a-\u001f\u007f]/.test(value) || value.trim() !== value)
    throw new SourceConfigError(
      'The custom auth header value contains a line break, a control character or surrounding spaces.',
      'auth_secret',
    );
}

/** Throws SourceConfigError unless the bearer token can be sent as `Authorization: Bearer <token>`. */
export function assertBearerToken(token: string): void {
  if (!token) throw new SourceConfigError('The bearer token is empty (is the secret set?).', 'auth_secret');
  if (!/^[\x21-\x7e]+$/.test(token) || token.length > MAX_HEADER_VALUE_BYTES)
    throw new SourceConfigError(
      'The bearer token must be printable ASCII without spaces, at most 8 KiB.',
      'auth_secret',
    );
}
