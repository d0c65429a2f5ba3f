import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsObject, IsString, Max, MaxLength, Min, MinLength } from 'class-validator';
import { IsEntityId, OptionalNotNull } from '../../../common/contract/input-rules';
import { SERVER_STATUSES, type ServerStatus } from '../../../servers/entities/server.entity';
import { ModuleRequestDto } from '../../../modules/dto/module-request.dto';
import { NetworkRequestDto } from '../../../network-access/dto/network-request.dto';
import { ToolSummaryDto } from '../../../tools/dto/tool.dto';
import { APPROVAL_STATUSES, type ApprovalStatus } from '../../../tools/entities/tool.entity';

/** The result of a delete: what went, by id. */
export class DeletedDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ enum: [true] }) deleted: true;
}

/** Where a tool stands on its way to being served, and what to do next. */
export class ToolStatusDto {
  @ApiProperty({ format: 'uuid' }) tool_id: string;
  @ApiProperty() name: string;
  @ApiProperty({ format: 'uuid' }) server_id: string;
  @ApiProperty() server_name: string;
  @ApiProperty({ enum: APPROVAL_STATUSES }) approval_status: ApprovalStatus;
  @ApiProperty() current_version: number;
  @ApiProperty() enabled: boolean;
  @ApiProperty({ type: String, nullable: true }) rejection_reason: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) approval_requested_at: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'The reviewer, or auto_approve' }) approved_by:
    string | null;
  @ApiProperty({ enum: SERVER_STATUSES }) server_status: ServerStatus;
  @ApiProperty({ description: 'Served on /mcp right now' }) served: boolean;
  @ApiProperty({ type: String, nullable: true, description: 'Its name on /mcp when served: {server}__{tool}' })
  call_name: string | null;
  @ApiProperty({ description: 'What to do next' }) next_step: string;
  @ApiProperty({
    type: [ModuleRequestDto],
    description: "The tool's module requests, newest first: pending, approved or rejected (with the reason)",
  })
  module_requests: ModuleRequestDto[];
  @ApiProperty({
    type: [NetworkRequestDto],
    description: "The tool's network requests, newest first: pending, approved or rejected (with the reason)",
  })
  network_requests: NetworkRequestDto[];
}

export class CallToolDto {
  @ApiProperty({ description: 'The tool as tools/list names it, e.g. weather__get_forecast', maxLength: 200 })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: "The tool's arguments" })
  @OptionalNotNull()
  @IsObject()
  arguments?: Record<string, unknown>;
}

export const MAX_SEARCH_RESULTS = 50;

export class SearchToolsDto {
  @ApiProperty({ description: 'Words to look for in tool names and descriptions', maxLength: 200 })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  query: string;

  @ApiPropertyOptional({ minimum: 1, maximum: MAX_SEARCH_RESULTS, default: 10 })
  @OptionalNotNull()
  @IsInt()
  @Min(1)
  @Max(MAX_SEARCH_RESULTS)
  limit?: number;
}

export class FoundToolDto {
  @ApiProperty({ description: 'Call it by this name (or through mcpbox_call_tool)' }) name: string;
  @ApiProperty() description: string;
  @ApiProperty({ description: 'Higher is a better match' }) score: number;
  @ApiProperty({ type: 'object', additionalProperties: true }) input_schema: Record<string, unknown>;
}

export class SearchToolsResultDto {
  @ApiProperty() query: string;
  @ApiProperty({ type: [FoundToolDto], description: 'Best match first' }) results: FoundToolDto[];
  @ApiProperty({ description: 'How many tools were searched' }) searched: number;
}

export class PendingRequestsQueryDto {
  @ApiPropertyOptional({ format: 'uuid', description: "Only this server's requests" })
  @OptionalNotNull()
  @IsEntityId()
  server_id?: string;
}

export class PendingRequestsDto {
  @ApiProperty({ type: [ToolSummaryDto], description: 'Tools waiting for an admin (oldest first)' })
  tools_pending_review: ToolSummaryDto[];
  @ApiProperty({
    type: [ToolSummaryDto],
    description: 'Tools an admin rejected: change them and request publication again',
  })
  tools_rejected: ToolSummaryDto[];
  @ApiProperty({
    type: [ModuleRequestDto],
    description: 'Module requests waiting for an admin, and rejected ones (with the reason), newest first',
  })
  module_requests: ModuleRequestDto[];
  @ApiProperty({
    type: [NetworkRequestDto],
    description: 'Network requests waiting for an admin, and rejected ones (with the reason), newest first',
  })
  network_requests: NetworkRequestDto[];
}
