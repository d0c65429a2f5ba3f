import { Injectable } from '@nestjs/common';
import { ProtocolError, ProtocolErrorCode } from '@modelcontextprotocol/server';
import { NAME_PATTERN } from '../common/limits';
import { ServersService } from '../servers/servers.service';
import { ToolQueriesService } from '../tools/tool-queries.service';
import { approvalBlocker } from '../tools/tool-readiness';
import type { McpScope } from './mcp-scope';
import { SEPARATOR } from './sandbox-tools.provider';

/**
 * Explains a `tools/call` of a name the endpoint does not serve, in words an LLM can act
 * on: no such server or tool, the server is not running, or the tool is a draft, pending
 * review, rejected or disabled. Always the spec's "unknown tool" error (-32602).
 */
@Injectable()
export class ToolAvailability {
  constructor(
    private readonly servers: ServersService,
    private readonly tools: ToolQueriesService,
  ) {}

  async unknownTool(scope: McpScope, name: string): Promise<ProtocolError> {
    const reason = await this.reason(scope, name);
    return new ProtocolError(ProtocolErrorCode.InvalidParams, `Unknown tool: ${name}. ${reason}`, { tool: name });
  }

  private async reason(scope: McpScope, name: string): Promise<string> {
    const candidates = scope.kind === 'server' ? [{ serverName: scope.serverName, toolName: name }] : splits(name);
    if (!candidates.length) {
      return `Tools on this endpoint are named {server}${SEPARATOR}{tool} (or mcpbox_* for the management tools); call tools/list to see them.`;
    }
    for (const { serverName, toolName } of candidates) {
      const server = await this.servers.findByName(serverName);
      if (!server) continue;
      const tool = NAME_PATTERN.test(toolName) ? await this.tools.byName(server.id, toolName) : null;
      if (!tool) return `Server "${serverName}" has no tool named "${toolName}".`;
      const blocker = approvalBlocker(tool);
      if (blocker) return blocker;
      if (!tool.enabled) return `Tool "${toolName}" is disabled; enable it to serve it.`;
      if (server.status !== 'running')
        return `Server "${serverName}" is not running (status ${server.status}); start it (mcpbox_start_server) to serve its tools.`;
      if (tool.toolType !== 'code')
        return (
          tool.sourceNote ?? `Tool "${toolName}" forwards to an external source that is disabled or not connected.`
        );
      return `Tool "${toolName}" is not loaded yet; try again in a moment.`;
    }
    return scope.kind === 'server'
      ? `Server "${scope.serverName}" has no tool named "${name}".`
      : `No server matches the name; tools on this endpoint are named {server}${SEPARATOR}{tool}.`;
  }
}

/** Every way to read `a__b__c` as {server}__{tool} (server names may contain "__" too). */
function splits(name: string): { serverName: string; toolName: string }[] {
  const out: { serverName: string; toolName: string }[] = [];
  for (let at = name.indexOf(SEPARATOR); at > 0; at = name.indexOf(SEPARATOR, at + 1)) {
    const serverName = name.slice(0, at);
    const toolName = name.slice(at + SEPARATOR.length);
    if (NAME_PATTERN.test(serverName) && toolName) out.push({ serverName, toolName });
  }
  return out.slice(0, 8);
}
