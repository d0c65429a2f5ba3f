/**
 * The `/mcp` routes as OpenAPI path items. They are mounted on Fastify directly (not Nest
 * controllers), so Swagger cannot see them: the app adds these to its document, so the
 * document lists every route the app serves.
 */
const JSON_RPC_ERROR_SCHEMA = {
  description: 'A JSON-RPC 2.0 error response: what every error answer of the MCP gateway carries',
  type: 'object',
  required: ['jsonrpc', 'error', 'id'],
  properties: {
    jsonrpc: { type: 'string', enum: ['2.0'] },
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: { code: { type: 'integer' }, message: { type: 'string' }, data: {} },
    },
    id: { oneOf: [{ type: 'string' }, { type: 'integer' }], nullable: true },
  },
};

/** Schemas the MCP routes refer to, for the document's components. */
export const MCP_OPENAPI_SCHEMAS = { JsonRpcErrorResponse: JSON_RPC_ERROR_SCHEMA };
const JSON_RPC_ERROR = { $ref: '#/components/schemas/JsonRpcErrorResponse' };

const errors = (codes: Record<string, string>) =>
  Object.fromEntries(
    Object.entries(codes).map(([code, description]) => [
      code,
      { description, content: { 'application/json': { schema: JSON_RPC_ERROR } } },
    ]),
  );

const COMMON_ERRORS = errors({
  '401': 'Remote mode: X-MCPbox-Service-Token missing or wrong',
  '403': 'Host or Origin not allowed (DNS-rebinding protection)',
  '413': 'The body is over 1 MiB (any request, whatever its method)',
  '429': 'mcp_rate_limit_rpm exceeded (Retry-After says when to retry)',
});
/** A DELETE may carry a body too: it is parsed like a POST's. */
const BODY_ERRORS = errors({ '415': 'The body is not application/json' });

const SERVER_PARAM = {
  name: 'server',
  in: 'path',
  required: true,
  description: "The MCPBox server's name",
  schema: { type: 'string', pattern: '^[a-z][a-z0-9_]*$' },
};

function item(scoped: boolean) {
  const what = scoped
    ? "one server's approved tools under their own names"
    : "the management tools and every running server's approved tools as {server}__{tool}";
  const parameters = scoped ? [SERVER_PARAM] : [];
  const notFound = scoped
    ? errors({ '404': 'No server has this name, or the 2025 session is unknown or expired' })
    : errors({ '404': 'The 2025 session is unknown or expired' });
  return {
    post: {
      tags: ['mcp'],
      summary: `MCP JSON-RPC request (Streamable HTTP): ${what}`,
      description:
        'Both protocol eras: 2026-07-28 (stateless; every request carries its `_meta` envelope and the MCP-Protocol-Version, Mcp-Method and Mcp-Name headers) and 2025-11-25 (`initialize` opens a session named by the Mcp-Session-Id header). The answer is JSON or an SSE stream (text/event-stream). Local mode needs no auth; remote mode needs X-MCPbox-Service-Token, and tools/list and tools/call need X-MCPbox-User-Email.',
      parameters,
      requestBody: {
        required: true,
        content: { 'application/json': { schema: { type: 'object', additionalProperties: true } } },
      },
      responses: {
        '200': { description: 'The JSON-RPC response (application/json or text/event-stream)' },
        '202': { description: 'A notification or response was accepted' },
        ...errors({
          '400':
            'Parse error (-32700), invalid request, header mismatch (-32020), unsupported protocol version (-32022), missing session',
          '503':
            'Too many open 2025 sessions (MCP_MAX_SESSIONS) or 2026-07-28 listen streams (MCP_MAX_LISTEN_STREAMS, 32 per client)',
        }),
        ...BODY_ERRORS,
        ...notFound,
        ...COMMON_ERRORS,
      },
    },
    get: {
      tags: ['mcp'],
      summary: "2025 session's notification stream (SSE): notifications/tools/list_changed and others",
      description:
        'Protocol 2025-11-25 only: the server-to-client stream of a session opened by `initialize`, named by the Mcp-Session-Id header. The same access rules as POST.',
      parameters: [...parameters, { name: 'mcp-session-id', in: 'header', required: true, schema: { type: 'string' } }],
      responses: {
        '200': { description: 'text/event-stream' },
        ...errors({ '400': 'Mcp-Session-Id header missing' }),
        ...notFound,
        ...COMMON_ERRORS,
      },
    },
    delete: {
      tags: ['mcp'],
      summary: 'Ends a 2025 session',
      description:
        'Protocol 2025-11-25 only: closes the session named by the Mcp-Session-Id header and its stream. The same access rules as POST.',
      parameters: [...parameters, { name: 'mcp-session-id', in: 'header', required: true, schema: { type: 'string' } }],
      responses: {
        '200': { description: 'The session is closed' },
        ...errors({ '400': 'Mcp-Session-Id header missing, or a body that is not valid JSON (-32700)' }),
        ...BODY_ERRORS,
        ...notFound,
        ...COMMON_ERRORS,
      },
    },
  };
}

export const MCP_OPENAPI_PATHS = { '/mcp': item(false), '/mcp/{server}': item(true) };
export const MCP_OPENAPI_TAG = {
  name: 'mcp',
  description:
    'The MCP gateway (Streamable HTTP, protocol 2026-07-28 and 2025-11-25): see the README and the MCP specification',
};
