import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { anyJsonValue } from '../../common/openapi/json-value';
import { IsInt, Max, Min } from 'class-validator';
import { OptionalNotNull } from '../../common/contract/input-rules';
import type { ToolExecutionLog } from '../entities/tool-execution-log.entity';

export const MAX_TOOL_LOGS = 50;

export class ToolLogsQueryDto {
  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: MAX_TOOL_LOGS,
    default: 10,
    description: 'How many of the latest calls',
  })
  @OptionalNotNull()
  @IsInt()
  @Min(1)
  @Max(MAX_TOOL_LOGS)
  limit?: number;
}

/** A question the tool asked its MCP client (mcp.elicit, mcp.sample, mcp.roots). */
export class McpQuestionLogDto {
  @ApiProperty({ description: "The question's key (its order in the call unless the code named it)" }) key: string;
  @ApiProperty({ enum: ['elicit', 'sample', 'roots'] }) kind: 'elicit' | 'sample' | 'roots';
  @ApiProperty(anyJsonValue('What was asked, secret values redacted')) params: unknown;
  @ApiPropertyOptional(anyJsonValue("The client's answer, secret values redacted")) answer?: unknown;
  @ApiPropertyOptional({ description: 'Why there was no answer' }) error?: string;
}

/** What the call said to and asked of its MCP client. */
export class McpInteractionsDto {
  @ApiProperty({ description: 'Progress notes the code sent' }) progress: number;
  @ApiProperty({ description: 'Log notes the code sent' }) logs: number;
  @ApiProperty({ type: [McpQuestionLogDto] }) questions: McpQuestionLogDto[];
}

/** One call of a tool as its execution log recorded it (secret values redacted). */
export class ToolExecutionDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty() tool_name: string;
  @ApiProperty() success: boolean;
  @ApiProperty({ description: 'A test run (test-code), not a call through /mcp' }) is_test: boolean;
  @ApiProperty() duration_ms: number;
  @ApiProperty(anyJsonValue('The arguments (an object), secret values redacted')) input_args: unknown;
  @ApiProperty({ type: String, nullable: true, description: 'The result as JSON, cut at 10 KB' }) result: string | null;
  @ApiProperty({ type: String, nullable: true }) error: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'Console output, cut at 10 KB' }) stdout: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'The admin, or the MCP user and client' })
  executed_by: string | null;
  @ApiProperty({
    type: McpInteractionsDto,
    nullable: true,
    description: 'Progress, logs and questions exchanged with the MCP client; null when there were none',
  })
  mcp: McpInteractionsDto | null;
}

export class ToolExecutionsDto {
  @ApiProperty({ format: 'uuid' }) tool_id: string;
  @ApiProperty({ type: [ToolExecutionDto], description: 'Newest first' }) items: ToolExecutionDto[];
}

export const mapToolExecution = (r: ToolExecutionLog): ToolExecutionDto => ({
  id: r.id,
  created_at: r.createdAt.toISOString(),
  tool_name: r.toolName,
  success: r.success,
  is_test: r.isTest,
  duration_ms: r.durationMs,
  input_args: r.inputArgs ?? null,
  result: r.result,
  error: r.error,
  stdout: r.stdout,
  executed_by: r.executedBy,
  mcp: r.mcp,
});
