import { ApiProperty, IntersectionType } from '@nestjs/swagger';
import { ServerIdDto } from '../../../common/contract/ids.dto';
import { IsEntityId } from '../../../common/contract/input-rules';
import { outputJsonSchema, pageJsonSchema } from '../../../common/contract/output-json-schema';
import { PaginationQueryDto } from '../../../common/pagination';
import {
  CreateExternalSourceDto,
  DiscoverResultDto,
  ExternalSourceDto,
  ImportExternalToolsDto,
  ImportResultDto,
} from '../../../external-sources/dto/external-source.dto';
import { ExternalSourcesController } from '../../../external-sources/external-sources.controller';
import type { ExternalSourcesService } from '../../../external-sources/external-sources.service';
import type { SourceDiscoveryService } from '../../../external-sources/source-discovery.service';
import { CREATE, defineTool, READ, type ManagementTool } from '../management-tool';

/** The `{id}` of a source route, as the management tools take it (docs/architecture.md#management-tools: `source_id`). */
export class SourceIdDto {
  @ApiProperty({ format: 'uuid', description: 'The external source' }) @IsEntityId() source_id: string;
}

export class AddExternalSourceInput extends IntersectionType(ServerIdDto, CreateExternalSourceDto) {}
export class ListExternalSourcesInput extends IntersectionType(ServerIdDto, PaginationQueryDto) {}
export class ImportExternalToolsInput extends IntersectionType(SourceIdDto, ImportExternalToolsDto) {}

export function externalSourceTools(
  sources: ExternalSourcesService,
  discovery: SourceDiscoveryService,
): ManagementTool[] {
  return [
    defineTool({
      name: 'mcpbox_add_external_source',
      title: 'Add an external MCP source',
      description:
        "Attach another MCP server to an MCPBox server, so its tools can be imported. url is its MCP endpoint (http or https, no credentials in it); transport_type streamable_http (default) or sse for old servers; auth_type none, bearer or header with auth_secret_name naming a secret of the server (create it with mcpbox_create_server_secret; the user sets its value), auth_header_name for header; oauth needs an admin to authorize MCPBox in a browser. The source's host must be allowed for the server (mcpbox_request_network_access). Next: mcpbox_discover_external_tools.",
      input: AddExternalSourceInput,
      output: outputJsonSchema(ExternalSourceDto),
      annotations: CREATE,
      rest: { controller: ExternalSourcesController, method: 'add' },
      run: (actor, input) => {
        const { server_id: serverId, ...dto } = input;
        return sources.add(actor, serverId, dto);
      },
    }),
    defineTool({
      name: 'mcpbox_list_external_sources',
      title: "List a server's external sources",
      description: "The server's external MCP sources with their status (active, error, disabled, needs_auth) and why.",
      input: ListExternalSourcesInput,
      output: pageJsonSchema(ExternalSourceDto),
      annotations: READ,
      rest: { controller: ExternalSourcesController, method: 'list' },
      run: (actor, input) => sources.list(actor, input.server_id, input),
    }),
    defineTool({
      name: 'mcpbox_discover_external_tools',
      title: "Discover an external source's tools",
      description:
        'Connect to the source and list its tools (name, description, input schema) with their state: new (not imported; never served by itself), imported, or changed (the source changed it after approval; it went back to review). Next: mcpbox_import_external_tools with the names you want.',
      input: SourceIdDto,
      output: outputJsonSchema(DiscoverResultDto),
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
      rest: { controller: ExternalSourcesController, method: 'discover' },
      run: (actor, input) => discovery.discover(actor, input.source_id),
    }),
    defineTool({
      name: 'mcpbox_import_external_tools',
      title: 'Import tools from an external source',
      description:
        "Create MCPBox tools that forward to the named source tools (tool_names: the source's names as discover lists them). They start as drafts named after the source's (lower case, _ for other characters); request publication (mcpbox_request_publish) and an admin approves; then, with the server running, they appear as {server}__{tool}.",
      input: ImportExternalToolsInput,
      output: outputJsonSchema(ImportResultDto),
      annotations: CREATE,
      rest: { controller: ExternalSourcesController, method: 'import' },
      run: (actor, input) => discovery.import(actor, input.source_id, { tool_names: input.tool_names }),
    }),
  ];
}
