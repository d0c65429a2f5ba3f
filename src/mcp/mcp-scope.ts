import type { CallToolResult, InputRequiredResult, Server, ServerContext, Tool } from '@modelcontextprotocol/server';

/**
 * What an MCP endpoint serves: `/mcp` every running server's tools as `{server}__{tool}`
 * (plus the management tools), `/mcp/{server}` one server's tools under their own names.
 */
export type McpScope = { kind: 'all' } | { kind: 'server'; serverName: string };

export const ALL: McpScope = { kind: 'all' };
export const scopeKey = (scope: McpScope): string => (scope.kind === 'all' ? '*' : `server:${scope.serverName}`);

/** Who is calling, as far as the gateway knows it. */
export interface McpCaller {
  era: 'modern' | 'legacy';
  /** `clientInfo.name` of the MCP client (initialize, or the request's `_meta` envelope). */
  clientName: string | null;
  /** `X-MCPbox-User-Email` in remote mode. */
  email: string | null;
  /** The client's address (after the trusted proxies). */
  address: string;
  sessionId?: string;
}

/** How an execution log names the caller: the user's email in remote mode, else the MCP client. */
export function callerLabel(caller: McpCaller): string {
  const client = caller.clientName ? `mcp:${caller.clientName}` : 'mcp';
  return caller.email ? `${caller.email} (${client})` : client;
}

/** The MCP request a tools/call came in: what a tool that talks back to its client needs. */
export interface McpCallRequest {
  ctx: ServerContext;
  server: Server;
  /** 2026-07-28: answers the tool may use in this run (earlier rounds, the retry's inputResponses). */
  answers: Record<string, unknown>;
  /** 2026-07-28: seals the answers so far into the next round's `requestState`. */
  mintState(answers: Record<string, unknown>): Promise<string>;
}

export interface ToolCallContext {
  caller: McpCaller;
  signal?: AbortSignal;
  /** Absent when the call does not come from an MCP client (tests). */
  request?: McpCallRequest;
}

/** A tool's answer: its result, or (2026-07-28) the client input it needs before it can answer. */
export type ToolCallAnswer = CallToolResult | InputRequiredResult;

/** One tool as an endpoint serves it: its definition and how to call it. */
export interface McpToolEntry {
  definition: Tool;
  call(args: Record<string, unknown>, ctx: ToolCallContext): Promise<ToolCallAnswer>;
}

/**
 * A source of tools for the gateway (the sandbox's running servers; the management
 * tools; later external sources). The catalog asks each provider for a scope's tools
 * and listens for their changes.
 */
export interface McpToolProvider {
  /** The provider's tools visible in `scope`, in any order (the catalog sorts). */
  tools(scope: McpScope): McpToolEntry[];
  /** Subscribes to "my tools may have changed" signals; returns the unsubscribe. */
  onChange(listener: () => void): () => void;
}
