import { ToolIdDto } from '../../../common/contract/ids.dto';
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
import { RequestPublishInput } from './inputs';

const PENDING_LIMIT = 100;

export function approvalTools(
  approvals: ToolApprovalsService,
  tools: ToolsService,
  queries: ToolQueriesService,
  servers: ServersService,
  sandbox: SandboxService,
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
      name: 'mcpbox_get_tool_status',
      title: 'Where a tool stands',
      description:
        'Where a tool stands on its way to being served (approval, enabled, server running, served now and under which name) and what to do next.',
      input: ToolIdDto,
      output: outputJsonSchema(ToolStatusDto),
      annotations: READ,
      run: async (actor, input): Promise<ToolStatusDto> => {
        const tool = await tools.get(actor, input.tool_id);
        const server = await servers.findOrFail(tool.server_id);
        const running = sandbox.runningServers().find((s) => s.serverId === server.id);
        const served = running?.tools.some((t) => t.name === tool.name) ?? false;
        const callName = served ? qualifiedName(server.name, tool.name) : null;
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
        };
      },
    }),
    defineTool({
      name: 'mcpbox_list_pending_requests',
      title: 'Your pending requests',
      description:
        'Where your requests stand: tools waiting for review and tools an admin rejected (with the reason), oldest first; optionally for one server.',
      input: PendingRequestsQueryDto,
      output: outputJsonSchema(PendingRequestsDto),
      annotations: READ,
      run: async (_actor, input): Promise<PendingRequestsDto> => {
        if (input.server_id) await servers.findOrFail(input.server_id);
        const [pending, rejected] = await Promise.all([
          queries.inApprovalStatus(['pending_review'], input.server_id, PENDING_LIMIT),
          queries.inApprovalStatus(['rejected'], input.server_id, PENDING_LIMIT),
        ]);
        return { tools_pending_review: pending.map(mapToolSummary), tools_rejected: rejected.map(mapToolSummary) };
      },
    }),
  ];
}
