import { ApiProperty } from '@nestjs/swagger';
import { IsInt, Max, Min } from 'class-validator';
import { CHANGE_SOURCES, type ChangeSource, type ToolVersion } from '../entities/tool-version.entity';
import type { JsonSchema } from '../entities/tool.entity';
import {
  MAX_VERSION_NUMBER,
  VERSIONED_FIELDS,
  type VersionComparison,
  type VersionedField,
} from '../tool-version-snapshot';

const VERSION_MESSAGE = { message: `$property must be a positive integer (at most ${MAX_VERSION_NUMBER})` };

/** `toolVersions.compare`: `GET /api/tools/{id}/versions/compare?from=&to=`. */
export class CompareVersionsQueryDto {
  @ApiProperty({ type: 'integer', minimum: 1, maximum: MAX_VERSION_NUMBER, description: 'The older version number' })
  @IsInt(VERSION_MESSAGE)
  @Min(1, VERSION_MESSAGE)
  @Max(MAX_VERSION_NUMBER, VERSION_MESSAGE)
  from: number;
  @ApiProperty({ type: 'integer', minimum: 1, maximum: MAX_VERSION_NUMBER, description: 'The newer version number' })
  @IsInt(VERSION_MESSAGE)
  @Min(1, VERSION_MESSAGE)
  @Max(MAX_VERSION_NUMBER, VERSION_MESSAGE)
  to: number;
}

/**
 * A version number: the `{version}` of `GET .../versions/{version}` and `.../rollback`
 * (the path pipe validates it with this class), and the MCP argument of
 * `mcpbox_rollback_tool` (composed with ToolIdDto).
 */
export class ToolVersionNumberDto {
  @ApiProperty({
    type: 'integer',
    minimum: 1,
    maximum: MAX_VERSION_NUMBER,
    description: 'Version number (1 = as created)',
  })
  @IsInt(VERSION_MESSAGE)
  @Min(1, VERSION_MESSAGE)
  @Max(MAX_VERSION_NUMBER, VERSION_MESSAGE)
  version: number;
}

/** A version without its code: what the list shows. */
export class ToolVersionSummaryDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) tool_id: string;
  @ApiProperty() version_number: number;
  @ApiProperty() name: string;
  @ApiProperty() description: string;
  @ApiProperty() enabled: boolean;
  @ApiProperty({ nullable: true, type: Number }) timeout_ms: number | null;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true }) input_schema: JsonSchema | null;
  @ApiProperty({ nullable: true, type: String }) change_summary: string | null;
  @ApiProperty({ enum: CHANGE_SOURCES }) change_source: ChangeSource;
  @ApiProperty({ format: 'date-time' }) created_at: string;
}

export class ToolVersionDto extends ToolVersionSummaryDto {
  @ApiProperty({ nullable: true, type: String }) code: string | null;
}

export class VersionComparisonDto {
  @ApiProperty({ type: ToolVersionDto }) from: ToolVersionDto;
  @ApiProperty({ type: ToolVersionDto }) to: ToolVersionDto;
  @ApiProperty({ enum: VERSIONED_FIELDS, isArray: true, description: 'Snapshot fields that differ' })
  changed_fields: VersionedField[];
  @ApiProperty({ description: 'Unified diff of the code, from → to' }) diff: string;
  @ApiProperty({
    enum: ['lines', 'whole_file'],
    description:
      'lines: a line-by-line diff. whole_file: the versions differ too much to diff line by line within the limits, so the diff replaces the whole file (diff_note says why)',
  })
  diff_mode: 'lines' | 'whole_file';
  @ApiProperty({ type: String, nullable: true, description: 'Why diff_mode is whole_file; null otherwise' })
  diff_note: string | null;
}

export function mapToolVersionSummary(v: ToolVersion): ToolVersionSummaryDto {
  return {
    id: v.id,
    tool_id: v.toolId,
    version_number: v.versionNumber,
    name: v.name,
    description: v.description,
    enabled: v.enabled,
    timeout_ms: v.timeoutMs,
    input_schema: v.inputSchema,
    change_summary: v.changeSummary,
    change_source: v.changeSource,
    created_at: v.createdAt.toISOString(),
  };
}

export function mapToolVersion(v: ToolVersion): ToolVersionDto {
  return { ...mapToolVersionSummary(v), code: v.code };
}

export function mapComparison(c: VersionComparison): VersionComparisonDto {
  return {
    from: mapToolVersion(c.from),
    to: mapToolVersion(c.to),
    changed_fields: c.changed_fields,
    diff: c.diff,
    diff_mode: c.diff_mode,
    diff_note: c.diff_note,
  };
}
