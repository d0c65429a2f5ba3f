import { outputJsonSchema } from '../../../common/contract/output-json-schema';
import { errorResult } from '../../sandbox-tools.provider';
import { ALL } from '../../mcp-scope';
import { searchTools } from '../../tool-search';
import type { ToolAvailability } from '../../tool-availability';
import type { ToolCatalog } from '../../tool-catalog';
import { CallToolDto, MAX_SEARCH_RESULTS, SearchToolsDto, SearchToolsResultDto } from '../dto/management.dto';
import { defineTool, RawResult, READ, RUN, type ManagementTool } from '../management-tool';

export const CALL_TOOL = 'mcpbox_call_tool';

/** For clients that do not refresh their tool list, or hold too many tools to load. */
export function discoveryTools(catalog: ToolCatalog, availability: ToolAvailability): ManagementTool[] {
  return [
    defineTool({
      name: CALL_TOOL,
      title: 'Call a tool by name',
      description:
        "Call any tool listed on /mcp by its name ({server}__{tool}) with its arguments, and get that tool's own result. Use it when a tool you just got approved does not show in your tool list yet (your client has not refreshed it).",
      input: CallToolDto,
      annotations: RUN,
      run: async (_actor, input, ctx) => {
        if (input.name === CALL_TOOL) return new RawResult(errorResult(`${CALL_TOOL} cannot call itself`));
        const entry = catalog.list(ALL).byName.get(input.name);
        if (!entry) return new RawResult(errorResult((await availability.unknownTool(ALL, input.name)).message));
        return new RawResult(await entry.call(input.arguments ?? {}, ctx));
      },
    }),
    defineTool({
      name: 'mcpbox_search_tools',
      title: 'Search tools',
      description: `Find tools on /mcp by words in their names and descriptions, best match first (limit 1 to ${MAX_SEARCH_RESULTS}, default 10). Call what you find directly or with ${CALL_TOOL}.`,
      input: SearchToolsDto,
      output: outputJsonSchema(SearchToolsResultDto),
      annotations: READ,
      run: async (_actor, input): Promise<SearchToolsResultDto> => {
        const { tools } = catalog.list(ALL);
        const matches = searchTools(tools, input.query, input.limit ?? 10);
        return {
          query: input.query,
          searched: tools.length,
          results: matches.map((m) => ({
            name: m.tool.name,
            description: m.tool.description ?? '',
            score: m.score,
            input_schema: m.tool.inputSchema as Record<string, unknown>,
          })),
        };
      },
    }),
  ];
}
