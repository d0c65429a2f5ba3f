import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { AtLeastOneOf, IsResourceName, IsText, OptionalNotNull } from '../../common/contract/input-rules';
import { MAX_TIMEOUT_MS, NAME_MAX, NAME_PATTERN } from '../../common/limits';
import { ToolSummaryDto } from '../../tools/dto/tool.dto';
import { SERVER_STATUSES, type Server, type ServerStatus } from '../entities/server.entity';

export const MIN_SERVER_TIMEOUT_MS = 1000;

const NAME_DOC = {
  pattern: NAME_PATTERN.source,
  maxLength: NAME_MAX,
  example: 'weather',
  description: 'Lower case letters, digits and _, starting with a letter; unique',
};
const DESCRIPTION_DOC = { nullable: true, type: String, description: 'What the server is for' };
const TIMEOUT_DOC = {
  type: 'integer' as const,
  minimum: MIN_SERVER_TIMEOUT_MS,
  maximum: MAX_TIMEOUT_MS,
  description: 'Per-call limit in ms for tools without their own timeout_ms',
};

/** `servers.create`: `POST /api/servers`, `mcpbox_create_server`. */
export class CreateServerDto {
  @ApiProperty(NAME_DOC) @IsResourceName() name: string;
  @ApiPropertyOptional(DESCRIPTION_DOC) @IsOptional() @IsText() description?: string | null;
  @ApiPropertyOptional({ ...TIMEOUT_DOC, default: 30000 })
  @OptionalNotNull()
  @IsInt()
  @Min(MIN_SERVER_TIMEOUT_MS)
  @Max(MAX_TIMEOUT_MS)
  default_timeout_ms?: number;
}

/** `servers.update`: `PATCH /api/servers/{id}`; any subset of the create fields, at least one. */
@AtLeastOneOf(
  ['name', 'description', 'default_timeout_ms'],
  'at least one of name, description, default_timeout_ms is required',
)
export class UpdateServerDto {
  @ApiPropertyOptional(NAME_DOC) @OptionalNotNull() @IsResourceName() name?: string;
  @ApiPropertyOptional(DESCRIPTION_DOC) @IsOptional() @IsText() description?: string | null;
  @ApiPropertyOptional(TIMEOUT_DOC)
  @OptionalNotNull()
  @IsInt()
  @Min(MIN_SERVER_TIMEOUT_MS)
  @Max(MAX_TIMEOUT_MS)
  default_timeout_ms?: number;
}

export class AllowedHostDto {
  @ApiProperty({ example: 'api.example.com' }) host: string;
  @ApiProperty({ nullable: true, type: Number, description: 'null = any port' }) port: number | null;
}

export class ServerDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty({ nullable: true, type: String }) description: string | null;
  @ApiProperty({ enum: SERVER_STATUSES }) status: ServerStatus;
  @ApiProperty({ type: [AllowedHostDto], description: 'Derived from approved network records (read-only)' })
  allowed_hosts: AllowedHostDto[];
  @ApiProperty() default_timeout_ms: number;
  @ApiProperty() tool_count: number;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ format: 'date-time' }) updated_at: string;
}

export class ServerDetailDto extends ServerDto {
  @ApiProperty({ type: [ToolSummaryDto], description: "The server's tools, without their code" })
  tools: ToolSummaryDto[];
}

export function mapServer(s: Server, toolCount: number): ServerDto {
  return {
    id: s.id,
    name: s.name,
    description: s.description,
    status: s.status,
    allowed_hosts: (s.allowedHosts ?? []).map((h) => ({ host: h.host, port: h.port ?? null })),
    default_timeout_ms: s.defaultTimeoutMs,
    tool_count: toolCount,
    created_at: s.createdAt.toISOString(),
    updated_at: s.updatedAt.toISOString(),
  };
}

export function mapServerDetail(s: Server, tools: ToolSummaryDto[]): ServerDetailDto {
  return { ...mapServer(s, tools.length), tools };
}
