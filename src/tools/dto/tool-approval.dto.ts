import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, Min } from 'class-validator';
import { IsText, OptionalNotNull } from '../../common/contract/input-rules';
import { PaginationQueryDto } from '../../common/pagination';
import { mapToolSummary, ToolSummaryDto } from './tool.dto';
import { APPROVAL_STATUSES, type ApprovalStatus, type Tool } from '../entities/tool.entity';
import { TOOL_ACTIONS, type ToolAction } from '../tool-approval-state';

const QUEUE_STATUSES = [...APPROVAL_STATUSES, 'all'] as const;
/** Reasons and notes: long enough for a review, short enough for a log line. */
export const MAX_REVIEW_TEXT = 2000;
const VERSION_DOC = {
  minimum: 1,
  description:
    "approve/reject: the tool's current_version the reviewer read. If the tool was edited since, the decision is refused (409) instead of applying to code nobody reviewed",
};
const VERSION_MESSAGE = { message: 'version must be a positive integer (the current_version that was reviewed)' };

/** `toolApprovals.listQueue`: `GET /api/approvals/tools`. */
export class ToolQueueQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional({ enum: QUEUE_STATUSES, default: 'pending_review' })
  @OptionalNotNull()
  @IsIn(QUEUE_STATUSES)
  status?: ApprovalStatus | 'all';
  @ApiPropertyOptional({
    maxLength: 200,
    description: 'Case-insensitive match on tool name, tool description or server name',
  })
  @OptionalNotNull()
  @IsText({ maxLength: 200 })
  search?: string;
}

/** `toolApprovals.act`: `POST /api/approvals/tools/{id}/action`. */
export class ToolActionDto {
  @ApiProperty({ enum: TOOL_ACTIONS })
  @IsIn(TOOL_ACTIONS, { message: `action must be one of ${TOOL_ACTIONS.join(', ')}` })
  action: ToolAction;
  @ApiPropertyOptional({
    type: String,
    nullable: true,
    maxLength: MAX_REVIEW_TEXT,
    description: 'Required for reject: what the author should change',
  })
  @IsOptional()
  @IsText({ maxLength: MAX_REVIEW_TEXT })
  reason?: string | null;
  @ApiPropertyOptional({
    type: String,
    nullable: true,
    maxLength: MAX_REVIEW_TEXT,
    description: 'submit_for_review: publish notes for the reviewer; approve: review notes (audited)',
  })
  @IsOptional()
  @IsText({ maxLength: MAX_REVIEW_TEXT })
  notes?: string | null;
  @ApiPropertyOptional({ type: 'integer', ...VERSION_DOC })
  @OptionalNotNull()
  @IsInt(VERSION_MESSAGE)
  @Min(1, VERSION_MESSAGE)
  version?: number;
}

/** `toolApprovals.requestPublish`: `mcpbox_request_publish` (with tool_id); submit_for_review of the action route. */
export class RequestPublishDto {
  @ApiPropertyOptional({
    type: String,
    nullable: true,
    maxLength: MAX_REVIEW_TEXT,
    description: 'What the reviewer should know',
  })
  @IsOptional()
  @IsText({ maxLength: MAX_REVIEW_TEXT })
  notes?: string | null;
}

/** `toolApprovals.revoke`: `POST /api/approvals/tools/{id}/revoke`. */
export class RevokeToolDto {
  @ApiPropertyOptional({ type: String, nullable: true, maxLength: MAX_REVIEW_TEXT, description: 'Why (audited)' })
  @IsOptional()
  @IsText({ maxLength: MAX_REVIEW_TEXT })
  reason?: string | null;
}

/** The approve and reject parts of ToolActionDto (admins only). */
export type ApproveToolInput = Pick<ToolActionDto, 'notes' | 'version'>;
export type RejectToolInput = Pick<ToolActionDto, 'reason' | 'version'>;

/** A queue entry: the tool with its code (what is reviewed) and its server's name. */
export class ToolApprovalDto extends ToolSummaryDto {
  @ApiProperty() server_name: string;
  @ApiProperty({ nullable: true, type: String }) code: string | null;
}

export function mapToolApproval(t: Tool, serverName: string): ToolApprovalDto {
  return { ...mapToolSummary(t), server_name: serverName, code: t.code };
}
