import { Injectable, Logger } from '@nestjs/common';
import type { Tool } from '@modelcontextprotocol/server';
import { llmActor } from '../../common/actor';
import { inputJsonSchema } from '../../common/contract/input-json-schema';
import { validateInput } from '../../common/contract/validate-input';
import { DomainError } from '../../common/errors';
import { ExternalSourcesService } from '../../external-sources/external-sources.service';
import { SourceDiscoveryService } from '../../external-sources/source-discovery.service';
import { toolErrorText } from '../../common/mcp-errors';
import { ModuleRequestsService } from '../../modules/module-requests.service';
import { NetworkRequestsService } from '../../network-access/network-requests.service';
import { SandboxService } from '../../sandbox/sandbox.service';
import { TestCodeService } from '../../sandbox/test-code.service';
import { ToolLogsService } from '../../sandbox/tool-logs.service';
import { SecretsService } from '../../secrets/secrets.service';
import { ServersService } from '../../servers/servers.service';
import { ToolApprovalsService } from '../../tools/tool-approvals.service';
import { ToolModulesService } from '../../tools/tool-modules.service';
import { ToolQueriesService } from '../../tools/tool-queries.service';
import { ToolVersionsService } from '../../tools/tool-versions.service';
import { ToolsService } from '../../tools/tools.service';
import {
  callerLabel,
  type McpScope,
  type McpToolEntry,
  type McpToolProvider,
  type ToolCallAnswer,
  type ToolCallContext,
} from '../mcp-scope';
import { errorResult } from '../sandbox-tools.provider';
import { ToolAvailability } from '../tool-availability';
import { ToolCatalog } from '../tool-catalog';
import { RawResult, type ManagementTool } from './management-tool';
import { approvalTools } from './tools/approval.tools';
import { developmentTools } from './tools/development.tools';
import { discoveryTools } from './tools/discovery.tools';
import { externalSourceTools } from './tools/external-sources.tools';
import { observabilityTools } from './tools/observability.tools';
import { secretTools } from './tools/secrets.tools';
import { serverTools } from './tools/servers.tools';
import { toolTools } from './tools/tools.tools';

/**
 * The `mcpbox_*` management tools (docs/architecture.md#management-tools) as one more tool provider of `/mcp` (not of
 * `/mcp/{server}`). Each validates its arguments with its operation's DTO and calls the
 * same service method as the Admin API, as an `llm` actor named after the MCP client (and
 * the user's email in remote mode); every failure is an `isError` result in words the LLM
 * can act on.
 */
@Injectable()
export class ManagementToolsProvider implements McpToolProvider {
  private readonly log = new Logger(ManagementToolsProvider.name);
  /** Every management tool (tests walk them). */
  readonly all: ManagementTool[];
  private readonly entries: McpToolEntry[];

  constructor(
    servers: ServersService,
    sandbox: SandboxService,
    modules: ToolModulesService,
    tools: ToolsService,
    versions: ToolVersionsService,
    testCode: TestCodeService,
    secrets: SecretsService,
    approvals: ToolApprovalsService,
    queries: ToolQueriesService,
    logs: ToolLogsService,
    catalog: ToolCatalog,
    availability: ToolAvailability,
    moduleRequests: ModuleRequestsService,
    networkRequests: NetworkRequestsService,
    externalSources: ExternalSourcesService,
    sourceDiscovery: SourceDiscoveryService,
  ) {
    this.all = [
      ...serverTools(servers, sandbox, modules),
      ...toolTools(tools),
      ...developmentTools(tools, versions, testCode),
      ...secretTools(secrets),
      ...approvalTools(approvals, tools, queries, servers, sandbox, moduleRequests, networkRequests),
      ...observabilityTools(logs),
      ...discoveryTools(catalog, availability),
      ...externalSourceTools(externalSources, sourceDiscovery),
    ];
    this.entries = this.all.map((tool) => ({
      definition: definitionOf(tool),
      call: (args, ctx) => this.call(tool, args, ctx),
    }));
  }

  tools(scope: McpScope): McpToolEntry[] {
    return scope.kind === 'all' ? this.entries : [];
  }

  /** The list never changes while the process runs. */
  onChange(): () => void {
    return () => undefined;
  }

  private async call(
    tool: ManagementTool,
    args: Record<string, unknown>,
    ctx: ToolCallContext,
  ): Promise<ToolCallAnswer> {
    try {
      const input = validateInput(tool.input, args);
      const out = await tool.run(llmActor(callerLabel(ctx.caller)), input, ctx);
      if (out instanceof RawResult) return out.result;
      return {
        content: [{ type: 'text', text: JSON.stringify(out) }],
        structuredContent: out as Record<string, unknown>,
      };
    } catch (err) {
      if (!(err instanceof DomainError)) {
        this.log.error(
          { err: err instanceof Error ? err.message : String(err), tool: tool.name },
          'A management tool failed',
        );
      }
      return errorResult(toolErrorText(err));
    }
  }
}

export function definitionOf(tool: ManagementTool): Tool {
  return {
    name: tool.name,
    title: tool.title,
    description: tool.description,
    inputSchema: inputJsonSchema(tool.input) as Tool['inputSchema'],
    ...(tool.output ? { outputSchema: tool.output as Tool['outputSchema'] } : {}),
    annotations: { title: tool.title, ...tool.annotations },
  };
}
