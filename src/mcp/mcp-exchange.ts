import { AsyncLocalStorage } from 'node:async_hooks';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Server, type JSONRPCMessage, type Transport, type TransportSendOptions } from '@modelcontextprotocol/server';
import type { ActivityEntry } from '../activity/activity.service';
import type { LogLevel } from '../activity/entities/activity-log.entity';
import { requestId } from '../common/request-id';
import type { McpScope } from './mcp-scope';

/** How an MCP request ended, as its activity entry and metrics tell it. */
/** `input_required`: a 2026-07-28 round that stopped for the client's answers (the tool runs again with them). */
export type McpOutcome = 'ok' | 'input_required' | 'tool_error' | 'error' | 'refused' | 'aborted';

/**
 * One HTTP request of `/mcp` on its way through the gateway: opened when it arrives, filled
 * in as it goes (the era once decided, the client and the JSON-RPC outcome when the SDK
 * answers) and recorded once, when the response is closed.
 */
export interface McpExchange {
  started: number;
  requestId: string;
  httpMethod: string;
  /** The JSON-RPC method of a POST (`tools/call`, `initialize`...), else null. */
  method: string | null;
  rpcId: string | number | null;
  /** `params.name` of a `tools/call` (at most 128 characters). */
  tool: string | null;
  scope: McpScope;
  era: 'modern' | 'legacy' | null;
  clientName: string | null;
  /** Set when the SDK answered the request: a result, a result with isError, or a JSON-RPC error. */
  answer: { outcome: 'ok' | 'input_required' | 'tool_error' | 'error'; code: number | null } | null;
}

const exchanges = new AsyncLocalStorage<McpExchange>();

/** The MCP request the current work belongs to (the gateway opens it; the SDK's sends see it). */
export const currentExchange = (): McpExchange | undefined => exchanges.getStore();

export function openExchange(req: IncomingMessage, body: unknown, scope: McpScope): McpExchange {
  const message = isObject(body) ? body : {};
  const method = typeof message.method === 'string' ? message.method.slice(0, 128) : null;
  const params = isObject(message.params) ? message.params : {};
  const id = message.id;
  return {
    started: performance.now(),
    requestId: requestId(req),
    httpMethod: req.method ?? 'POST',
    method: Array.isArray(body) ? 'batch' : method,
    rpcId: typeof id === 'string' || typeof id === 'number' ? id : null,
    tool: method === 'tools/call' && typeof params.name === 'string' ? params.name.slice(0, 128) : null,
    scope,
    era: null,
    clientName: null,
    answer: null,
  };
}

export function runInExchange<T>(exchange: McpExchange, fn: () => T): T {
  return exchanges.run(exchange, fn);
}

/** The settled facts of an exchange, once its response is closed. */
export interface McpExchangeResult {
  exchange: McpExchange;
  status: number;
  outcome: McpOutcome;
  durationMs: number;
}

export function settleExchange(exchange: McpExchange, res: ServerResponse): McpExchangeResult {
  const status = res.statusCode;
  let outcome: McpOutcome;
  if (exchange.answer) outcome = exchange.answer.outcome;
  else if (status >= 400) outcome = 'refused';
  // A GET stream ends when the client leaves: that is its normal end.
  else if (!res.writableFinished && exchange.httpMethod !== 'GET') outcome = 'aborted';
  else outcome = 'ok';
  return { exchange, status, outcome, durationMs: performance.now() - exchange.started };
}

const LEVEL: Record<McpOutcome, LogLevel> = {
  ok: 'info',
  input_required: 'info',
  tool_error: 'warning',
  error: 'warning',
  refused: 'warning',
  aborted: 'warning',
};

/**
 * The request's one `mcp_request` entry: method, tool, client, era, HTTP status and
 * JSON-RPC outcome, duration. Never arguments, results, session ids or tokens.
 */
export function exchangeEntry(r: McpExchangeResult, serverId: string | null, user: string | null): ActivityEntry {
  const { exchange: x } = r;
  const what =
    x.method ?? (x.httpMethod === 'GET' ? 'listen stream' : x.httpMethod === 'DELETE' ? 'end session' : x.httpMethod);
  const endpoint = x.scope.kind === 'all' ? '/mcp' : `/mcp/${x.scope.serverName}`;
  const code = x.answer?.code ?? null;
  const ms = Math.round(r.durationMs);
  return {
    logType: 'mcp_request',
    level: r.status >= 500 ? 'error' : LEVEL[r.outcome],
    message:
      `MCP ${what}${x.tool ? ` ${x.tool}` : ''} on ${endpoint}${x.clientName ? ` from ${x.clientName}` : ''}: ` +
      `${r.outcome}${code !== null ? ` ${code}` : ''} (HTTP ${r.status}, ${ms} ms)`,
    serverId,
    durationMs: ms,
    requestId: x.requestId,
    details: {
      method: x.method,
      http_method: x.httpMethod,
      tool: x.tool,
      endpoint,
      era: x.era,
      client: x.clientName,
      user,
      http_status: r.status,
      outcome: r.outcome,
      error_code: code,
    },
  };
}

/**
 * The SDK server of every endpoint: as the low-level `Server`, and it watches what it sends
 * so the gateway learns how each request ended (result, `isError` result, JSON-RPC error)
 * and which client sent it, for the request's activity entry. Watching is a property read
 * on the way out; nothing is copied or parsed.
 */
export class ObservedServer extends Server {
  override async connect(transport: Transport): Promise<void> {
    const send = transport.send.bind(transport);
    transport.send = (message: JSONRPCMessage, options?: TransportSendOptions) => {
      this.observe(message);
      return send(message, options);
    };
    return super.connect(transport);
  }

  private observe(message: JSONRPCMessage): void {
    const exchange = currentExchange();
    if (!exchange || !('id' in message) || message.id !== exchange.rpcId) return;
    if (exchange.clientName === null) {
      const name = this.getClientVersion()?.name;
      if (typeof name === 'string') exchange.clientName = name.slice(0, 200);
    }
    if ('error' in message) {
      const code = (message.error as { code?: unknown }).code;
      exchange.answer = { outcome: 'error', code: typeof code === 'number' ? code : null };
    } else if ('result' in message) {
      const result = message.result as { isError?: unknown; resultType?: unknown };
      const outcome =
        result.resultType === 'input_required' ? 'input_required' : result.isError === true ? 'tool_error' : 'ok';
      exchange.answer = { outcome, code: null };
    }
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
