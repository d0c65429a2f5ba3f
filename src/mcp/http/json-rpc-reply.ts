import type { ServerResponse } from 'node:http';

/** JSON-RPC error codes the gateway answers with itself (the SDK answers the protocol's own). */
export const JSON_RPC = {
  parseError: -32700,
  invalidRequest: -32600,
  methodNotFound: -32601,
  invalidParams: -32602,
  internalError: -32603,
  /** Implementation-defined server errors: refusals of the HTTP layer (auth, limits, origin). */
  serverError: -32000,
  /** The SDK's code for an unknown or expired 2025 session. */
  sessionNotFound: -32001,
} as const;

/** Writes `{"jsonrpc":"2.0","error":{code,message},"id":…}` with an HTTP status, on a raw Node response. */
export function writeJsonRpcError(
  res: ServerResponse,
  status: number,
  code: number,
  message: string,
  opts: { id?: string | number | null; headers?: Record<string, string> } = {},
): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const body = JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: opts.id ?? null });
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(body)),
    ...opts.headers,
  });
  res.end(body);
}

/** The JSON-RPC id of a parsed body, when it has one (so an error answers the request it refuses). */
export function requestIdOf(body: unknown): string | number | null {
  const id = (body as { id?: unknown } | null)?.id;
  return typeof id === 'string' || typeof id === 'number' ? id : null;
}
