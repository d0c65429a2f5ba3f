import { ApiProperty } from '@nestjs/swagger';
import type { RequestNames } from '../../common/request-queries';
import { REQUEST_STATUSES, type RequestSource, type RequestStatus } from '../../common/request-status';
import type { ModuleRequest } from '../entities/module-request.entity';

/** A module request (or an admin's allowance) as the queue, the tools and the LLM see it. */
export class ModuleRequestDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ type: String, nullable: true, format: 'uuid', description: 'null for admin additions' })
  tool_id: string | null;
  @ApiProperty({ type: String, nullable: true }) tool_name: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'uuid' }) server_id: string | null;
  @ApiProperty({ type: String, nullable: true }) server_name: string | null;
  @ApiProperty() module_name: string;
  @ApiProperty({ type: String, nullable: true }) justification: string | null;
  @ApiProperty({ type: String, nullable: true }) requested_by: string | null;
  @ApiProperty({ enum: REQUEST_STATUSES }) status: RequestStatus;
  @ApiProperty({ enum: ['llm', 'admin', 'import'] }) source: RequestSource;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) reviewed_at: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'The admin who decided, or auto_approve' })
  reviewed_by: string | null;
  @ApiProperty({ type: String, nullable: true }) rejection_reason: string | null;
  @ApiProperty({ type: String, format: 'date-time' }) created_at: string;
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'What happened beyond the status, e.g. why module_approval_mode=auto_approve could not approve it',
  })
  note: string | null;
}

export function mapModuleRequest(r: ModuleRequest, names: RequestNames, note: string | null = null): ModuleRequestDto {
  return {
    id: r.id,
    tool_id: r.toolId,
    tool_name: r.toolId ? (names.tools.get(r.toolId) ?? null) : null,
    server_id: r.serverId,
    server_name: r.serverId ? (names.servers.get(r.serverId) ?? null) : null,
    module_name: r.moduleName,
    justification: r.justification,
    requested_by: r.requestedBy,
    status: r.status,
    source: r.source,
    reviewed_at: r.reviewedAt?.toISOString() ?? null,
    reviewed_by: r.reviewedBy,
    rejection_reason: r.rejectionReason,
    created_at: r.createdAt.toISOString(),
    note,
  };
}
