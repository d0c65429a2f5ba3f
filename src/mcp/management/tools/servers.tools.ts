import { ServerIdDto } from '../../../common/contract/ids.dto';
import { outputJsonSchema, pageJsonSchema } from '../../../common/contract/output-json-schema';
import { PaginationQueryDto } from '../../../common/pagination';
import { SandboxStatusDto } from '../../../sandbox/dto/sandbox.dto';
import { SandboxController } from '../../../sandbox/sandbox.controller';
import type { SandboxService } from '../../../sandbox/sandbox.service';
import { CreateServerDto, ServerDetailDto, ServerDto } from '../../../servers/dto/server.dto';
import { ServersController } from '../../../servers/servers.controller';
import type { ServersService } from '../../../servers/servers.service';
import { ServerModulesDto } from '../../../tools/dto/server-modules.dto';
import type { ToolModulesService } from '../../../tools/tool-modules.service';
import { DeletedDto } from '../dto/management.dto';
import { CREATE, DELETE, defineTool, READ, TOGGLE, type ManagementTool } from '../management-tool';

export function serverTools(
  servers: ServersService,
  sandbox: SandboxService,
  modules: ToolModulesService,
): ManagementTool[] {
  return [
    defineTool({
      name: 'mcpbox_list_servers',
      title: 'List servers',
      description:
        'List your MCPBox servers (named groups of tools) with their status (running or not) and tool counts. Start here to find a server_id; create one with mcpbox_create_server if none fits.',
      input: PaginationQueryDto,
      output: pageJsonSchema(ServerDto),
      annotations: READ,
      rest: { controller: ServersController, method: 'list' },
      run: (actor, input) => servers.list(actor, input),
    }),
    defineTool({
      name: 'mcpbox_get_server',
      title: 'Get a server',
      description: "A server's details with its tools (without their code) and the hosts its code may reach.",
      input: ServerIdDto,
      output: outputJsonSchema(ServerDetailDto),
      annotations: READ,
      rest: { controller: ServersController, method: 'get' },
      run: (actor, input) => servers.get(actor, input.server_id),
    }),
    defineTool({
      name: 'mcpbox_create_server',
      title: 'Create a server',
      description:
        'Create a server: a named group of tools, served on /mcp as {server}__{tool}. The name is lower case letters, digits and _ (starting with a letter). Next: mcpbox_create_tool.',
      input: CreateServerDto,
      output: outputJsonSchema(ServerDto),
      annotations: CREATE,
      rest: { controller: ServersController, method: 'create' },
      run: (actor, input) => servers.create(actor, input),
    }),
    defineTool({
      name: 'mcpbox_delete_server',
      title: 'Delete a server',
      description:
        'Delete a server with all its tools, versions, secrets, sources, requests and logs. This cannot be undone; its tools disappear from /mcp at once.',
      input: ServerIdDto,
      output: outputJsonSchema(DeletedDto),
      annotations: DELETE,
      rest: { controller: ServersController, method: 'delete' },
      run: async (actor, input) => {
        await servers.delete(actor, input.server_id);
        return { id: input.server_id, deleted: true };
      },
    }),
    defineTool({
      name: 'mcpbox_start_server',
      title: 'Start a server',
      description:
        "Load the server's approved and enabled tools into the sandbox: they are then served on /mcp as {server}__{tool} (clients hear tools/list_changed). Starting a running server reloads it.",
      input: ServerIdDto,
      output: outputJsonSchema(SandboxStatusDto),
      annotations: TOGGLE,
      rest: { controller: SandboxController, method: 'start' },
      run: (actor, input) => sandbox.start(actor, input.server_id),
    }),
    defineTool({
      name: 'mcpbox_stop_server',
      title: 'Stop a server',
      description: 'Unload the server from the sandbox: its tools stop being served until it is started again.',
      input: ServerIdDto,
      output: outputJsonSchema(SandboxStatusDto),
      annotations: TOGGLE,
      rest: { controller: SandboxController, method: 'stop' },
      run: (actor, input) => sandbox.stop(actor, input.server_id),
    }),
    defineTool({
      name: 'mcpbox_get_server_modules',
      title: "A server's npm modules",
      description:
        "Which npm modules the server's tools import and which are approved (approved modules are shared by every tool). A module that is not approved yet: ask with mcpbox_request_module.",
      input: ServerIdDto,
      output: outputJsonSchema(ServerModulesDto),
      annotations: READ,
      run: (actor, input) => modules.ofServer(actor, input.server_id),
    }),
  ];
}
