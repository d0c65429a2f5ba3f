import { ToolIdDto } from '../../../common/contract/ids.dto';
import { outputJsonSchema, pageJsonSchema } from '../../../common/contract/output-json-schema';
import { ToolDto, ToolSummaryDto } from '../../../tools/dto/tool.dto';
import { ToolsController } from '../../../tools/tools.controller';
import type { ToolsService } from '../../../tools/tools.service';
import { DeletedDto } from '../dto/management.dto';
import { CHANGE, CREATE, DELETE, defineTool, READ, type ManagementTool } from '../management-tool';
import { CreateToolInput, ServerPageInput, UpdateToolInput } from './inputs';

const CONTRACT =
  "The code is an ES module exporting async function main(args); args is the arguments object. Without input_schema one is derived from main's destructured parameter (names; defaults make them optional).";

export function toolTools(tools: ToolsService): ManagementTool[] {
  return [
    defineTool({
      name: 'mcpbox_list_tools',
      title: "List a server's tools",
      description:
        "List a server's tools (without code) with their approval status: draft, pending_review, approved or rejected. Only approved and enabled tools of a running server are served.",
      input: ServerPageInput,
      output: pageJsonSchema(ToolSummaryDto),
      annotations: READ,
      rest: { controller: ToolsController, method: 'list' },
      run: (actor, input) => tools.list(actor, input.server_id, input),
    }),
    defineTool({
      name: 'mcpbox_get_tool',
      title: 'Get a tool',
      description: 'A tool with its code, input schema, version and approval status.',
      input: ToolIdDto,
      output: outputJsonSchema(ToolDto),
      annotations: READ,
      rest: { controller: ToolsController, method: 'get' },
      run: (actor, input) => tools.get(actor, input.tool_id),
    }),
    defineTool({
      name: 'mcpbox_create_tool',
      title: 'Create a tool',
      description: `Create a tool on a server (as a draft; approved at once only under tool_approval_mode=auto_approve). ${CONTRACT} Code that does not parse or exports no main is refused with the line and column. Next: mcpbox_request_publish.`,
      input: CreateToolInput,
      output: outputJsonSchema(ToolDto),
      annotations: CREATE,
      rest: { controller: ToolsController, method: 'create' },
      run: (actor, input) => tools.create(actor, input.server_id, input),
    }),
    defineTool({
      name: 'mcpbox_update_tool',
      title: 'Update a tool',
      description:
        "Change any of a tool's fields. A change of code, language, input_schema or name writes a new version and sends an approved tool back to review (it stops being served until approved again); description, enabled and timeout_ms do not.",
      input: UpdateToolInput,
      output: outputJsonSchema(ToolDto),
      annotations: CHANGE,
      rest: { controller: ToolsController, method: 'update' },
      run: (actor, input) => tools.update(actor, input.tool_id, input),
    }),
    defineTool({
      name: 'mcpbox_delete_tool',
      title: 'Delete a tool',
      description: 'Delete a tool and its versions. This cannot be undone; it stops being served at once.',
      input: ToolIdDto,
      output: outputJsonSchema(DeletedDto),
      annotations: DELETE,
      rest: { controller: ToolsController, method: 'delete' },
      run: async (actor, input) => {
        await tools.delete(actor, input.tool_id);
        return { id: input.tool_id, deleted: true };
      },
    }),
  ];
}
