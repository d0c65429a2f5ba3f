import type { Tool } from './entities/tool.entity';

/**
 * Why a tool may not run yet, in words an LLM (or an admin) can act on — shared by the
 * MCP gateway (a call of a tool it does not serve) and test-code. Null when its approval
 * lets it run.
 */
export function approvalBlocker(tool: Pick<Tool, 'name' | 'approvalStatus' | 'rejectionReason'>): string | null {
  switch (tool.approvalStatus) {
    case 'approved':
      return null;
    case 'draft':
      return `Tool "${tool.name}" is a draft: request publication (mcpbox_request_publish); an admin must approve it before it can run.`;
    case 'pending_review':
      return `Tool "${tool.name}" is pending review; an admin must approve it before it can run.`;
    case 'rejected':
      return `Tool "${tool.name}" was rejected by an admin${tool.rejectionReason ? `: ${tool.rejectionReason}` : ''}. Change it and request publication again.`;
  }
}

export interface ReadinessFacts {
  tool: Pick<Tool, 'name' | 'approvalStatus' | 'rejectionReason' | 'enabled'>;
  serverRunning: boolean;
  /** Its name on /mcp when it is served now. */
  callName: string | null;
}

/** What to do next to get the tool served (mcpbox_get_tool_status). */
export function nextStep({ tool, serverRunning, callName }: ReadinessFacts): string {
  if (tool.approvalStatus === 'draft')
    return 'Check the code with mcpbox_validate_code, then call mcpbox_request_publish; an admin must approve it.';
  if (tool.approvalStatus === 'pending_review')
    return 'Wait for an admin to approve it (ask the user to review it in the approvals queue); check again later.';
  if (tool.approvalStatus === 'rejected')
    return `Change it as the reviewer asked${tool.rejectionReason ? ` ("${tool.rejectionReason}")` : ''} with mcpbox_update_tool, then call mcpbox_request_publish again.`;
  if (!tool.enabled) return 'Enable it with mcpbox_update_tool {enabled: true}.';
  if (!serverRunning) return 'Start its server with mcpbox_start_server; then it is served on /mcp.';
  if (callName) return `It is served: call ${callName} (or mcpbox_call_tool if your tool list is not refreshed).`;
  return 'It is being loaded; check again in a moment.';
}
