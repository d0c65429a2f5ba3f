import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { anyJsonValue } from '../../common/openapi/json-value';
import { IsObject } from 'class-validator';
import { IsEntityId, OptionalNotNull } from '../../common/contract/input-rules';
import { SERVER_STATUSES, type ServerStatus } from '../../servers/entities/server.entity';
import type { ServerLogLine } from '../execution-logs.service';
import type { ExecutionOutcome, McpContentBlock } from '../runtime/contract';

// ── lifecycle ──────────────────────────────────────────────────────────────────────

export interface SandboxStatusView {
  server_id: string;
  name: string;
  status: ServerStatus;
  tools_loaded: number;
  tools: string[];
  started_at: string | null;
  executions: number;
  errors: number;
  memory_bytes: number;
}

export class SandboxStatusDto implements SandboxStatusView {
  @ApiProperty({ format: 'uuid' }) server_id: string;
  @ApiProperty() name: string;
  @ApiProperty({ enum: SERVER_STATUSES }) status: ServerStatus;
  @ApiProperty({ description: 'Approved + enabled code tools loaded in the sandbox' }) tools_loaded: number;
  @ApiProperty({ type: [String], description: 'Names of the loaded tools' }) tools: string[];
  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'When the current run started; null when not running',
  })
  started_at: string | null;
  @ApiProperty({ description: 'Calls (test runs excluded) since the current run started' }) executions: number;
  @ApiProperty({ description: 'Of those calls, how many failed (thrown error, limit hit, sandbox failure)' })
  errors: number;
  @ApiProperty({ description: 'Heap bytes the sandbox holds for this server (0 when not running)' })
  memory_bytes: number;
}

/** A log line as the API shows it: the service's row with its timestamp as ISO text. */
export type ServerLogLineView = Omit<ServerLogLine, 'created_at'> & { created_at: string };

export class ServerLogLineDto implements ServerLogLineView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({
    enum: ['execution', 'lifecycle'],
    description: 'A tool execution, or a lifecycle/error entry of the activity log',
  })
  kind: 'execution' | 'lifecycle';
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) tool_id: string | null;
  @ApiProperty({ type: String, nullable: true }) tool_name: string | null;
  @ApiProperty({ type: Boolean, nullable: true }) success: boolean | null;
  @ApiProperty({ type: Boolean, nullable: true }) is_test: boolean | null;
  @ApiProperty({ type: Number, nullable: true }) duration_ms: number | null;
  @ApiProperty({ type: String, nullable: true }) error: string | null;
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Captured console output (secret values redacted, cut at 10 KB)',
  })
  stdout: string | null;
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'The result as JSON (secret values redacted, cut at 10 KB)',
  })
  result: string | null;
  @ApiProperty({ type: String, nullable: true }) executed_by: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'Lifecycle entries: info, warning or error' }) level:
    string | null;
  @ApiProperty({ type: String, nullable: true, description: 'Lifecycle entries: what happened' }) message:
    string | null;
}

export const mapServerLogLine = (l: ServerLogLine): ServerLogLineView => ({
  id: l.id,
  kind: l.kind,
  created_at: new Date(l.created_at).toISOString(),
  tool_id: l.tool_id,
  tool_name: l.tool_name,
  success: l.success,
  is_test: l.is_test,
  duration_ms: l.duration_ms,
  error: l.error,
  stdout: l.stdout,
  result: l.result,
  executed_by: l.executed_by,
  level: l.level,
  message: l.message,
});

// ── test-code ──────────────────────────────────────────────────────────────────────

/** `testCode.run`: `POST /api/tools/test-code`, `mcpbox_test_code`. */
export class TestCodeDto {
  @ApiProperty({ format: 'uuid', description: 'The saved tool to run' })
  @IsEntityId()
  tool_id: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    default: {},
    description: "The call's arguments object, as main receives it",
  })
  // Absent means {}; null is not an object.
  @OptionalNotNull()
  @IsObject({ message: 'arguments must be a JSON object' })
  arguments?: Record<string, unknown>;
}

export interface TestCodeResultView {
  success: boolean;
  result: unknown;
  error: string | null;
  stdout: string;
  duration_ms: number;
  is_error: boolean;
  content: McpContentBlock[];
  structured_content: Record<string, unknown> | null;
  truncated: boolean;
}

export class TestCodeResultDto implements TestCodeResultView {
  @ApiProperty({ description: 'False when main threw, a limit was hit or the sandbox failed' }) success: boolean;
  @ApiProperty(
    anyJsonValue(
      'What main returned, any JSON value; null on failure (or when main returned nothing). Secret values are [REDACTED] while redact_secrets_in_output is enabled',
    ),
  )
  result: unknown;
  @ApiProperty({ type: String, nullable: true, description: 'The error message only, never a host stack trace' })
  error: string | null;
  @ApiProperty({ description: 'Captured console output' }) stdout: string;
  @ApiProperty() duration_ms: number;
  @ApiProperty({ description: 'The MCP result flag an MCP client would see' }) is_error: boolean;
  @ApiProperty({
    type: 'array',
    items: { type: 'object', additionalProperties: true },
    description: 'The MCP content blocks an MCP client would see',
  })
  content: McpContentBlock[];
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true }) structured_content: Record<
    string,
    unknown
  > | null;
  @ApiProperty({ description: 'True when the result was cut to SANDBOX_MAX_RESULT_SIZE' }) truncated: boolean;
}

export const mapTestCodeResult = (o: ExecutionOutcome): TestCodeResultView => ({
  success: o.success,
  result: o.success ? (o.value !== undefined ? o.value : null) : null,
  error: o.success ? null : (o.error ?? 'Tool call failed'),
  stdout: o.stdout ?? '',
  duration_ms: Math.round(o.durationMs),
  is_error: o.isError,
  content: o.content,
  structured_content: o.structuredContent ?? null,
  truncated: o.truncated ?? false,
});
