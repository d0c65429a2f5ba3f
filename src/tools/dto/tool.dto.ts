import { MCP_FEATURES, type McpFeature } from '../entities/tool.entity';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsInt, IsObject, IsOptional, Max, Min } from 'class-validator';
import {
  AtLeastOneOf,
  defineInputRule,
  IsResourceName,
  IsText,
  MaxUtf8Bytes,
  OptionalNotNull,
} from '../../common/contract/input-rules';
import { MAX_CODE_BYTES, MAX_TIMEOUT_MS, NAME_MAX, NAME_PATTERN } from '../../common/limits';
import {
  APPROVAL_STATUSES,
  TOOL_LANGUAGES,
  TOOL_TYPES,
  type ApprovalStatus,
  type JsonSchema,
  type Tool,
  type ToolLanguage,
  type ToolType,
} from '../entities/tool.entity';
import { inputSchemaProblem } from '../input-schema';

const NAME_DOC = {
  pattern: NAME_PATTERN.source,
  maxLength: NAME_MAX,
  example: 'get_weather',
  description: 'Lower case letters, digits and _, starting with a letter; unique per server',
};
const SCHEMA_DOC = {
  type: 'object',
  additionalProperties: true,
  description:
    "JSON Schema of main's arguments: an object schema (type 'object', properties). Omit it to derive one from main's destructured parameter.",
  example: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
} as const;
const CODE_DOC = {
  description: `An ES module exporting \`main\`; at most ${MAX_CODE_BYTES} bytes (100 KB) of UTF-8`,
  example: 'export async function main({ city, units = "metric" }) {\n  return `${city} in ${units}`;\n}\n',
};
const TIMEOUT_DOC = {
  minimum: 1,
  maximum: MAX_TIMEOUT_MS,
  description: 'Per-call wall-clock limit in ms; null = the server default',
};
const MAX_SUMMARY = 1000;

/** A tool's input schema must be an object JSON Schema (input-schema.ts holds the rule). */
const isToolInputSchema = defineInputRule<[]>({
  name: 'isToolInputSchema',
  validate: (value) => inputSchemaProblem(value) === null,
  message: (_p, _c, args) => inputSchemaProblem(args.value) ?? 'input_schema is invalid',
  schema: () => ({ type: 'object', required: ['type'], properties: { type: { const: 'object' } } }),
});
const IsToolInputSchema = () => isToolInputSchema([]);

/** `tools.create`: `POST /api/servers/{id}/tools`, `mcpbox_create_tool` (with server_id). */
export class CreateToolDto {
  @ApiProperty(NAME_DOC) @IsResourceName() name: string;
  @ApiProperty({ description: 'What the tool does; shown to the MCP client' }) @IsText() description: string;
  @ApiProperty(CODE_DOC) @IsText() @MaxUtf8Bytes(MAX_CODE_BYTES) code: string;
  @ApiPropertyOptional({ enum: TOOL_LANGUAGES, default: 'javascript' })
  @OptionalNotNull()
  @IsIn(TOOL_LANGUAGES)
  language?: ToolLanguage;
  @ApiPropertyOptional({ ...SCHEMA_DOC, nullable: true })
  @IsOptional()
  @IsObject()
  @IsToolInputSchema()
  input_schema?: JsonSchema | null;
  @ApiPropertyOptional({ ...TIMEOUT_DOC, nullable: true, type: 'integer' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_TIMEOUT_MS)
  timeout_ms?: number | null;
  @ApiPropertyOptional({ default: true }) @OptionalNotNull() @IsBoolean() enabled?: boolean;
  @ApiPropertyOptional({ description: 'Stored with version 1', maxLength: MAX_SUMMARY })
  @OptionalNotNull()
  @IsText({ maxLength: MAX_SUMMARY })
  change_summary?: string;
}

/** `tools.update`: `PATCH /api/tools/{id}`, `mcpbox_update_tool`. A change of code, input_schema or name writes a version. */
@AtLeastOneOf(
  ['name', 'description', 'code', 'language', 'input_schema', 'timeout_ms', 'enabled', 'change_summary'],
  'at least one field to change is required',
)
export class UpdateToolDto {
  @ApiPropertyOptional(NAME_DOC) @OptionalNotNull() @IsResourceName() name?: string;
  @ApiPropertyOptional({ description: 'What the tool does' }) @OptionalNotNull() @IsText() description?: string;
  @ApiPropertyOptional(CODE_DOC) @OptionalNotNull() @IsText() @MaxUtf8Bytes(MAX_CODE_BYTES) code?: string;
  @ApiPropertyOptional({ enum: TOOL_LANGUAGES }) @OptionalNotNull() @IsIn(TOOL_LANGUAGES) language?: ToolLanguage;
  @ApiPropertyOptional({
    ...SCHEMA_DOC,
    nullable: true,
    description: `${SCHEMA_DOC.description} null = derive it from the code again.`,
  })
  @IsOptional()
  @IsObject()
  @IsToolInputSchema()
  input_schema?: JsonSchema | null;
  @ApiPropertyOptional({ ...TIMEOUT_DOC, nullable: true, type: 'integer' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_TIMEOUT_MS)
  timeout_ms?: number | null;
  @ApiPropertyOptional() @OptionalNotNull() @IsBoolean() enabled?: boolean;
  @ApiPropertyOptional({ description: 'Stored with the new version, if one is written', maxLength: MAX_SUMMARY })
  @OptionalNotNull()
  @IsText({ maxLength: MAX_SUMMARY })
  change_summary?: string;
}

/** A tool without its code: what lists show. */
export class ToolSummaryDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) server_id: string;
  @ApiProperty() name: string;
  @ApiProperty() description: string;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true }) input_schema: JsonSchema | null;
  @ApiProperty() enabled: boolean;
  @ApiProperty({ nullable: true, type: Number }) timeout_ms: number | null;
  @ApiProperty({ enum: TOOL_TYPES }) tool_type: ToolType;
  @ApiProperty({ enum: TOOL_LANGUAGES }) language: ToolLanguage;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) external_source_id: string | null;
  @ApiProperty({ nullable: true, type: String }) external_tool_name: string | null;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description:
      'mcp_passthrough: the last change the external source made to the definition (name, description, input schema; before/after). A change sends an approved tool back to review; the next approval covers the new definition',
  })
  definition_diff: Record<string, unknown> | null;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'mcp_passthrough: why the tool is not served (e.g. its source was deleted)',
  })
  source_note: string | null;
  @ApiProperty() current_version: number;
  @ApiProperty({ enum: APPROVAL_STATUSES }) approval_status: ApprovalStatus;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) approval_requested_at: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) approved_at: string | null;
  @ApiProperty({ nullable: true, type: String, description: "The reviewer's username, or auto_approve" }) approved_by:
    string | null;
  @ApiProperty({ nullable: true, type: String }) rejection_reason: string | null;
  @ApiProperty({ nullable: true, type: String }) publish_notes: string | null;
  @ApiProperty({ nullable: true, type: String }) created_by: string | null;
  @ApiProperty({
    enum: MCP_FEATURES,
    isArray: true,
    description: "What the code does with the mcp global (elicit: asks the user; sample: asks the client's model)",
  })
  mcp_features: McpFeature[];
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ format: 'date-time' }) updated_at: string;
}

export class ToolDto extends ToolSummaryDto {
  @ApiProperty({ nullable: true, type: String, description: 'null for an mcp_passthrough tool' }) code: string | null;
}

const iso = (d: Date | null): string | null => d?.toISOString() ?? null;

export function mapToolSummary(t: Tool): ToolSummaryDto {
  return {
    id: t.id,
    server_id: t.serverId,
    name: t.name,
    description: t.description,
    input_schema: t.inputSchema,
    enabled: t.enabled,
    timeout_ms: t.timeoutMs,
    tool_type: t.toolType,
    language: t.language,
    external_source_id: t.externalSourceId,
    external_tool_name: t.externalToolName,
    definition_diff: t.definitionDiff ?? null,
    source_note: t.sourceNote ?? null,
    current_version: t.currentVersion,
    approval_status: t.approvalStatus,
    approval_requested_at: iso(t.approvalRequestedAt),
    approved_at: iso(t.approvedAt),
    approved_by: t.approvedBy,
    rejection_reason: t.rejectionReason,
    publish_notes: t.publishNotes,
    created_by: t.createdBy,
    mcp_features: t.mcpFeatures ?? [],
    created_at: t.createdAt.toISOString(),
    updated_at: t.updatedAt.toISOString(),
  };
}

export function mapTool(t: Tool): ToolDto {
  return { ...mapToolSummary(t), code: t.code };
}
