import { ToolIdDto } from '../../../common/contract/ids.dto';
import { ModuleRequestDto } from '../../../modules/dto/module-request.dto';
import type { ModuleRequestsService } from '../../../modules/module-requests.service';
import { NetworkRequestDto } from '../../../network-access/dto/network-request.dto';
import type { NetworkRequestsService } from '../../../network-access/network-requests.service';
import { outputJsonSchema } from '../../../common/contract/output-json-schema';
import type { SandboxService } from '../../../sandbox/sandbox.service';
import type { ServersService } from '../../../servers/servers.service';
import { mapToolSummary, ToolDto } from '../../../tools/dto/tool.dto';
import type { ToolApprovalsService } from '../../../tools/tool-approvals.service';
import type { ToolQueriesService } from '../../../tools/tool-queries.service';
import { nextStep } from '../../../tools/tool-readiness';
import type { ToolsService } from '../../../tools/tools.service';
import { qualifiedName } from '../../sandbox-tools.provider';
import { PendingRequestsDto, PendingRequestsQueryDto, ToolStatusDto } from '../dto/management.dto';
import { CREATE, defineTool, READ, type ManagementTool } from '../management-tool';
import { RequestModuleInput, RequestNetworkAccessInput, RequestPublishInput } from './inputs';

const PENDING_LIMIT = 100;

export function approvalTools(
  approvals: ToolApprovalsService,
  tools: ToolsService,
  queries: ToolQueriesService,
  servers: ServersService,
  sandbox: SandboxService,
  moduleRequests: ModuleRequestsService,
  networkRequests: NetworkRequestsService,
): ManagementTool[] {
  return [
    defineTool({
      name: 'mcpbox_request_publish',
      title: 'Ask an admin to publish a tool',
      description:
        'Submit a draft (or rejected) tool for review, with notes for the reviewer. An admin approves or rejects it; you cannot. Under tool_approval_mode=auto_approve it is approved at once. Follow it with mcpbox_get_tool_status.',
      input: RequestPublishInput,
      output: outputJsonSchema(ToolDto),
      annotations: CREATE,
      run: (actor, input) => approvals.requestPublish(actor, input.tool_id, input),
    }),
    defineTool({
      name: 'mcpbox_request_module',
      title: 'Ask an admin to allow an npm module',
      description:
        'Ask for an npm package your tool imports (e.g. module_name "yaml", then `import { parse } from "yaml"`), with a justification for the admin. An admin approves (the package is installed: fetched, integrity-checked, bundled without running its scripts; packages needing Node built-ins such as fs or net, or native code, are refused) or rejects it with a reason; you cannot approve. Allowed modules are global: once approved, every tool may import it and running servers get it without a restart. Under module_approval_mode=auto_approve it is approved at once when it installs. mcpbox_validate_code lists imports that are not allowed yet; follow the request with mcpbox_get_tool_status.',
      input: RequestModuleInput,
      output: outputJsonSchema(ModuleRequestDto),
      annotations: CREATE,
      run: (actor, input) => moduleRequests.request(actor, input.tool_id, input),
    }),
    defineTool({
      name: 'mcpbox_request_network_access',
      title: "Ask an admin to allow a host for a tool's server",
      description:
        "Ask for an outbound host your tool calls (a bare host name or IP address: no scheme, path or wildcard; port 1-65535, or leave it out for any port), with a justification for the admin. An admin approves or rejects it with a reason; you cannot approve. Once approved the host is allowed for the tool's server and a running server can reach it without a restart. Under network_access_policy=allow_all_public public addresses are reachable without approval; private addresses still need one. Follow the request with mcpbox_get_tool_status.",
      input: RequestNetworkAccessInput,
      output: outputJsonSchema(NetworkRequestDto),
      annotations: CREATE,
      run: (actor, input) => networkRequests.request(actor, input.tool_id, input),
    }),
    defineTool({
      name: 'mcpbox_get_tool_status',
      title: 'Where a tool stands',
      description:
        'Where a tool stands on its way to being served (approval, enabled, server running, served now and under which name), where its module and network requests stand, and what to do next.',
      input: ToolIdDto,
      output: outputJsonSchema(ToolStatusDto),
      annotations: READ,
      run: async (actor, input): Promise<ToolStatusDto> => {
        const tool = await tools.get(actor, input.tool_id);
        const server = await servers.findOrFail(tool.server_id);
        const running = sandbox.runningServers().find((s) => s.serverId === server.id);
        const served = running?.tools.some((t) => t.name === tool.name) ?? false;
        const callName = served ? qualifiedName(server.name, tool.name) : null;
        const [moduleList, networkList] = await Promise.all([
          moduleRequests.find({ toolId: tool.id }, PENDING_LIMIT),
          networkRequests.find({ toolId: tool.id }, PENDING_LIMIT),
        ]);
        return {
          tool_id: tool.id,
          name: tool.name,
          server_id: server.id,
          server_name: server.name,
          approval_status: tool.approval_status,
          current_version: tool.current_version,
          enabled: tool.enabled,
          rejection_reason: tool.rejection_reason,
          approval_requested_at: tool.approval_requested_at,
          approved_by: tool.approved_by,
          server_status: server.status,
          served,
          call_name: callName,
          next_step: nextStep({
            tool: {
              name: tool.name,
              approvalStatus: tool.approval_status,
              rejectionReason: tool.rejection_reason,
              enabled: tool.enabled,
            },
            serverRunning: running !== undefined,
            callName,
          }),
          module_requests: moduleList,
          network_requests: networkList,
        };
      },
    }),
    defineTool({
      name: 'mcpbox_list_pending_requests',
      title: 'Your pending requests',
      description:
        'Where your requests stand: tools waiting for review and tools an admin rejected (with the reason), oldest first; module and network requests waiting for an admin or rejected (with the reason), newest first; optionally for one server.',
      input: PendingRequestsQueryDto,
      output: outputJsonSchema(PendingRequestsDto),
      annotations: READ,
      run: async (_actor, input): Promise<PendingRequestsDto> => {
        if (input.server_id) await servers.findOrFail(input.server_id);
        const open = { serverId: input.server_id, statuses: ['pending' as const, 'rejected' as const] };
        const [pending, rejected, moduleList, networkList] = await Promise.all([
          queries.inApprovalStatus(['pending_review'], input.server_id, PENDING_LIMIT),
          queries.inApprovalStatus(['rejected'], input.server_id, PENDING_LIMIT),
          moduleRequests.find(open, PENDING_LIMIT),
          networkRequests.find(open, PENDING_LIMIT),
        ]);
        return {
          tools_pending_review: pending.map(mapToolSummary),
          tools_rejected: rejected.map(mapToolSummary),
          module_requests: moduleList,
          network_requests: networkList,
        };
      },
    }),
  ];
}
