import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsOptional } from 'class-validator';
import { IsText, OptionalNotNull } from './contract/input-rules';
import { PaginationQueryDto } from './pagination';
import { REQUEST_STATUSES, type RequestStatus } from './request-status';

/** Justifications, reasons: long enough to explain, short enough for a log line. */
export const MAX_REQUEST_TEXT = 2000;
const QUEUE_STATUSES = [...REQUEST_STATUSES, 'all'] as const;
export const REQUEST_ACTIONS = ['approve', 'reject'] as const;
export type RequestAction = (typeof REQUEST_ACTIONS)[number];

/** `GET /api/approvals/modules` and `/api/approvals/network`: a request queue. */
export class RequestQueueQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional({ enum: QUEUE_STATUSES, default: 'pending' })
  @OptionalNotNull()
  @IsIn(QUEUE_STATUSES)
  status?: RequestStatus | 'all';

  @ApiPropertyOptional({
    maxLength: 200,
    description:
      'Case-insensitive substring of the module name or host, the justification, the requester, the tool or the server name',
  })
  @OptionalNotNull()
  @IsText({ maxLength: 200 })
  search?: string;
}

/** `POST /api/approvals/network/{id}/action`: approve, or reject with a reason. */
export class RequestActionDto {
  @ApiProperty({ enum: REQUEST_ACTIONS })
  @IsIn(REQUEST_ACTIONS, { message: `action must be one of ${REQUEST_ACTIONS.join(', ')}` })
  action: RequestAction;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    maxLength: MAX_REQUEST_TEXT,
    description: 'Required for reject: why (the requester reads it)',
  })
  @IsOptional()
  @IsText({ maxLength: MAX_REQUEST_TEXT })
  reason?: string | null;
}

/** `POST /api/approvals/modules/{id}/action`: as RequestActionDto, plus the critical-advisory override. */
export class ModuleRequestActionDto extends RequestActionDto {
  @ApiPropertyOptional({
    description:
      'approve only: install although a package of the tree has a critical advisory (recorded in the audit entry)',
  })
  @OptionalNotNull()
  @IsBoolean()
  allow_critical?: boolean;
}
