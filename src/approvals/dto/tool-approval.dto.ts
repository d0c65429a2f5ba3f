import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, IsString, MaxLength, Min } from 'class-validator';
import { PaginationQueryDto } from '../../common/pagination';
import { mapToolSummary, ToolSummaryDto } from '../../tools/dto/tool.dto';
import { APPROVAL_STATUSES, type ApprovalStatus, type Tool } from '../../tools/entities/tool.entity';
import { REQUEST_STATUSES } from '../entities/request-status';
import { TOOL_ACTIONS, type ApprovalStats, type ToolAction } from '../tool-approvals.service';

const QUEUE_STATUSES = [...APPROVAL_STATUSES, 'all'] as const;

export class ToolQueueQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional({ enum: QUEUE_STATUSES, default: 'pending_review' })
  @IsOptional()
  @IsIn(QUEUE_STATUSES)
  status?: ApprovalStatus | 'all';
  @ApiPropertyOptional({
    maxLength: 200,
    description: 'Case-insensitive match on tool name, tool description or server name',
  })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  search?: string;
}

export class ToolActionDto {
  @ApiProperty({ enum: TOOL_ACTIONS })
  @IsIn(TOOL_ACTIONS, { message: `action must be one of ${TOOL_ACTIONS.join(', ')}` })
  action: ToolAction;
  @ApiPropertyOptional({ maxLength: 2000, description: 'Required for reject: what the author should change' })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  reason?: string;
  @ApiPropertyOptional({
    maxLength: 2000,
    description: 'submit_for_review: publish notes for the reviewer; approve: review notes (audited)',
  })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  notes?: string;
  @ApiPropertyOptional({
    minimum: 1,
    description:
      "approve/reject: the tool's current_version the reviewer read. If the tool was edited since, the decision is refused (409) instead of applying to code nobody reviewed",
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  version?: number;
}

export class RevokeToolDto {
  @ApiPropertyOptional({ maxLength: 2000, description: 'Why (audited)' })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  reason?: string;
}

/** A queue entry: the tool with its code (what is reviewed) and its server's name. */
export class ToolApprovalDto extends ToolSummaryDto {
  @ApiProperty() server_name: string;
  @ApiProperty({ nullable: true, type: String }) code: string | null;
}

export function mapToolApproval(t: Tool): ToolApprovalDto {
  return { ...mapToolSummary(t), server_name: t.server?.name ?? '', code: t.code };
}

export class ToolStatsDto {
  @ApiProperty() draft: number;
  @ApiProperty() pending_review: number;
  @ApiProperty() approved: number;
  @ApiProperty() rejected: number;
}

export class RequestStatsDto {
  @ApiProperty() pending: number;
  @ApiProperty() approved: number;
  @ApiProperty() rejected: number;
}

export class ApprovalStatsDto {
  @ApiProperty({ type: ToolStatsDto }) tools: ToolStatsDto;
  @ApiProperty({ type: RequestStatsDto, description: `module_requests by status (${REQUEST_STATUSES.join(', ')})` })
  modules: RequestStatsDto;
  @ApiProperty({ type: RequestStatsDto, description: 'network_access_requests by status' }) network: RequestStatsDto;
}

export const mapApprovalStats = (s: ApprovalStats): ApprovalStatsDto => ({
  tools: { ...s.tools },
  modules: { ...s.modules },
  network: { ...s.network },
});
