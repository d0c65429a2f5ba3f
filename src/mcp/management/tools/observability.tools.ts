import { outputJsonSchema } from '../../../common/contract/output-json-schema';
import { ToolExecutionsDto } from '../../../sandbox/dto/tool-logs.dto';
import { ToolLogsController } from '../../../sandbox/tool-logs.controller';
import type { ToolLogsService } from '../../../sandbox/tool-logs.service';
import { defineTool, READ, type ManagementTool } from '../management-tool';
import { ToolLogsInput } from './inputs';

export function observabilityTools(logs: ToolLogsService): ManagementTool[] {
  return [
    defineTool({
      name: 'mcpbox_get_tool_logs',
      title: "A tool's latest calls",
      description:
        "A tool's latest calls, newest first: arguments, result, error, console output, duration and who called (secret values redacted). limit is 1 to 50 (default 10). Use it to debug a tool.",
      input: ToolLogsInput,
      output: outputJsonSchema(ToolExecutionsDto),
      annotations: READ,
      rest: { controller: ToolLogsController, method: 'list' },
      run: (actor, input) => logs.list(actor, input.tool_id, input),
    }),
  ];
}
