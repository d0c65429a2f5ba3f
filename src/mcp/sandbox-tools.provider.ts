import { Injectable } from '@nestjs/common';
import { inputRequired, type CallToolResult, type Tool } from '@modelcontextprotocol/server';
import { DomainError } from '../common/errors';
import type { ExecutionOutcome } from '../sandbox/runtime/contract';
import { SandboxService, type RunningServerInfo } from '../sandbox/sandbox.service';
import {
  callerLabel,
  type McpScope,
  type McpToolEntry,
  type McpToolProvider,
  type ToolCallAnswer,
  type ToolCallContext,
} from './mcp-scope';
import { ToolCallChannel } from './tool-call-channel';

/** `/mcp` names a server's tool `{server}__{tool}`; `/mcp/{server}` by its own name. */
export const SEPARATOR = '__';
export const qualifiedName = (serverName: string, toolName: string): string => `${serverName}${SEPARATOR}${toolName}`;

const OBJECT_SCHEMA = { type: 'object' } as const;
/** tools/list `_meta` key naming what a tool does with `mcp` (progress, log, elicit, sample, roots). */
export const MCP_FEATURES_META = 'io.mcpbox/mcp-features';

/** A sandbox outcome as an MCP tool result (its content mapping was done in the sandbox, docs/sandbox.md#results). */
export function toCallToolResult(outcome: ExecutionOutcome): CallToolResult {
  const result: CallToolResult = { content: outcome.content as CallToolResult['content'] };
  if (outcome.isError) result.isError = true;
  else if (outcome.structuredContent !== undefined) result.structuredContent = outcome.structuredContent;
  return result;
}

/** What a tool error looks like to the client: an `isError` result that says what happened. */
export const errorResult = (message: string): CallToolResult => ({
  content: [{ type: 'text', text: message }],
  isError: true,
});

/**
 * The approved, enabled tools of every running server, as the sandbox has them loaded:
 * the list follows the sandbox's running set (start, stop, reloads after approvals and
 * edits), and a call runs in the sandbox and is logged there.
 */
@Injectable()
export class SandboxToolsProvider implements McpToolProvider {
  constructor(private readonly sandbox: SandboxService) {}

  tools(scope: McpScope): McpToolEntry[] {
    const servers = this.sandbox.runningServers();
    if (scope.kind === 'all') return servers.flatMap((s) => this.entries(s, true));
    const server = servers.find((s) => s.serverName === scope.serverName);
    return server ? this.entries(server, false) : [];
  }

  onChange(listener: () => void): () => void {
    return this.sandbox.onRunningChange(() => listener());
  }

  private entries(server: RunningServerInfo, qualified: boolean): McpToolEntry[] {
    return server.tools.map((tool) => {
      const definition: Tool = {
        name: qualified ? qualifiedName(server.serverName, tool.name) : tool.name,
        description: tool.description,
        inputSchema: (tool.inputSchema ?? OBJECT_SCHEMA) as Tool['inputSchema'],
        // Tells clients (and their users) that the tool reports progress, logs, or asks the user or the model.
        ...(tool.mcpFeatures.length ? { _meta: { [MCP_FEATURES_META]: tool.mcpFeatures } } : {}),
      };
      return { definition, call: (args, ctx) => this.call(server.serverId, tool.name, args, ctx) };
    });
  }

  private async call(
    serverId: string,
    toolName: string,
    args: Record<string, unknown>,
    ctx: ToolCallContext,
  ): Promise<ToolCallAnswer> {
    const request = ctx.request;
    const channel =
      request && new ToolCallChannel(ctx.caller.era, request.ctx, request.server, request.answers, ctx.signal);
    try {
      const outcome = await this.sandbox.executeTool(serverId, toolName, args, {
        isTest: false,
        executedBy: callerLabel(ctx.caller),
        channel,
      });
      if (channel && request) {
        // 2026-07-28: the tool asked its client; it runs again with the answers.
        const questions = outcome.interrupted ? channel.inputRequests() : undefined;
        if (questions)
          return inputRequired({
            inputRequests: questions,
            requestState: await request.mintState(channel.knownAnswers()),
          });
        const missing = channel.uncaughtMissingCapability(outcome.error);
        if (missing) throw missing;
      }
      return toCallToolResult(outcome);
    } catch (err) {
      // The server stopped or the tool unloaded since the list was read, or the sandbox is full.
      if (err instanceof DomainError) return errorResult(err.message);
      throw err;
    } finally {
      channel?.close();
    }
  }
}
