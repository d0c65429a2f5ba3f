import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsOptional, IsString, Length, Matches } from 'class-validator';
import { AtLeastOneOf, defineInputRule, IsResourceName, OptionalNotNull } from '../../common/contract/input-rules';
import { ToolSummaryDto } from '../../tools/dto/tool.dto';
import { SECRET_KEY_PATTERN } from '../../common/limits';
import {
  AUTH_TYPES,
  SOURCE_STATUSES,
  TRANSPORT_TYPES,
  type AuthType,
  type ExternalMcpSource,
  type SourceStatus,
  type TransportType,
} from '../entities/external-mcp-source.entity';

const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,128}$/;

function urlProblem(value: unknown): string | null {
  if (typeof value !== 'string') return 'url must be an absolute http or https URL';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'url must be an absolute http or https URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'url must be an absolute http or https URL';
  if (url.username || url.password) return 'url must not carry credentials; name a secret in auth_secret_name';
  return null;
}

/** An http(s) URL without `user:password@`: credentials belong in a secret, never in a URL. */
const isSourceUrl = defineInputRule<[]>({
  name: 'isSourceUrl',
  validate: (v) => urlProblem(v) === null,
  message: (_p, _c, args) => urlProblem(args.value) ?? 'url is invalid',
  schema: () => ({ type: 'string', pattern: '^[Hh][Tt][Tt][Pp][Ss]?://' }),
});

const SECRET_NAME_MESSAGE = `auth_secret_name must match ${SECRET_KEY_PATTERN.source} and be at most 128 characters`;

/** `auth_secret_name`: a key of the server's secrets, or null (create and update alike). */
const AuthSecretName = () =>
  applyDecorators(
    ApiPropertyOptional({ nullable: true, type: String, description: "A key of the server's secrets" }),
    IsOptional(),
    IsString(),
    Length(1, 128, { message: SECRET_NAME_MESSAGE }),
    Matches(SECRET_KEY_PATTERN, { message: SECRET_NAME_MESSAGE }),
  );

/** `auth_header_name`: the header carrying the secret (auth_type header), or null. */
const AuthHeaderName = () =>
  applyDecorators(
    ApiPropertyOptional({
      nullable: true,
      type: String,
      description: 'The header carrying the secret (auth_type header)',
    }),
    IsOptional(),
    IsString(),
    Matches(HEADER_NAME, { message: 'auth_header_name must be an HTTP header name' }),
  );

/**
 * `externalSources.create`: an MCP server attached to an MCPBox server (docs/architecture.md#external-sources):
 * `POST /api/external-sources/servers/{id}/sources`, `mcpbox_add_external_source` (with
 * server_id) and the import of a document.
 */
export class CreateExternalSourceDto {
  @ApiProperty({ description: 'Unique per server; same pattern as tool names' }) @IsResourceName() name: string;
  @ApiProperty({ description: 'The MCP endpoint (http or https), without credentials' }) @isSourceUrl([]) url: string;
  @ApiPropertyOptional({ enum: AUTH_TYPES, default: 'none' })
  @OptionalNotNull()
  @IsIn(AUTH_TYPES, { message: `auth_type must be one of ${AUTH_TYPES.join(', ')}` })
  auth_type?: AuthType;
  @AuthSecretName() auth_secret_name?: string | null;
  @AuthHeaderName() auth_header_name?: string | null;
  @ApiPropertyOptional({ enum: TRANSPORT_TYPES, default: 'streamable_http' })
  @OptionalNotNull()
  @IsIn(TRANSPORT_TYPES, { message: `transport_type must be one of ${TRANSPORT_TYPES.join(', ')}` })
  transport_type?: TransportType;
}

const UPDATABLE = ['name', 'url', 'auth_type', 'auth_secret_name', 'auth_header_name', 'transport_type', 'status'];

/** `PUT /api/external-sources/sources/{id}`: any subset; `status` lets an admin disable a source (or enable it again). */
@AtLeastOneOf(UPDATABLE, `Give at least one of ${UPDATABLE.join(', ')}`)
export class UpdateExternalSourceDto {
  @ApiPropertyOptional({ description: 'Unique per server; same pattern as tool names' })
  @OptionalNotNull()
  @IsResourceName()
  name?: string;
  @ApiPropertyOptional({ description: 'The MCP endpoint (http or https), without credentials' })
  @OptionalNotNull()
  @isSourceUrl([])
  url?: string;
  @ApiPropertyOptional({ enum: AUTH_TYPES })
  @OptionalNotNull()
  @IsIn(AUTH_TYPES, { message: `auth_type must be one of ${AUTH_TYPES.join(', ')}` })
  auth_type?: AuthType;
  @AuthSecretName() auth_secret_name?: string | null;
  @AuthHeaderName() auth_header_name?: string | null;
  @ApiPropertyOptional({ enum: TRANSPORT_TYPES })
  @OptionalNotNull()
  @IsIn(TRANSPORT_TYPES, { message: `transport_type must be one of ${TRANSPORT_TYPES.join(', ')}` })
  transport_type?: TransportType;
  @ApiPropertyOptional({
    enum: ['active', 'disabled'],
    description: 'disabled: its tools are not served and nothing connects to it',
  })
  @OptionalNotNull()
  @IsIn(['active', 'disabled'], { message: 'status must be active or disabled' })
  status?: 'active' | 'disabled';
}

/** `POST /api/external-sources/sources/{id}/import`. */
export class ImportExternalToolsDto {
  @ApiProperty({
    type: [String],
    description: "Names of the source's tools as discover listed them (external names), 1 to 100",
  })
  @IsArray()
  @ArrayMinSize(1, { message: 'tool_names must name at least one tool' })
  @ArrayMaxSize(100, { message: 'tool_names may name at most 100 tools' })
  @IsString({ each: true, message: 'each of tool_names must be a string' })
  @Length(1, 256, { each: true, message: 'each of tool_names must be 1 to 256 characters' })
  tool_names: string[];
}

/** An external source as the API shows it: never a credential or token. */
export class ExternalSourceDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) server_id: string;
  @ApiProperty() name: string;
  @ApiProperty() url: string;
  @ApiProperty({ enum: AUTH_TYPES }) auth_type: AuthType;
  @ApiProperty({ nullable: true, type: String }) auth_secret_name: string | null;
  @ApiProperty({ nullable: true, type: String }) auth_header_name: string | null;
  @ApiProperty({ enum: TRANSPORT_TYPES }) transport_type: TransportType;
  @ApiProperty({ enum: SOURCE_STATUSES }) status: SourceStatus;
  @ApiProperty({ nullable: true, type: String, description: 'Why the source is in error or needs_auth' })
  status_message: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) last_discovered_at: string | null;
  @ApiProperty() tool_count: number;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ format: 'date-time' }) updated_at: string;
}

export function mapExternalSource(s: ExternalMcpSource): ExternalSourceDto {
  return {
    id: s.id,
    server_id: s.serverId,
    name: s.name,
    url: s.url,
    auth_type: s.authType,
    auth_secret_name: s.authSecretName,
    auth_header_name: s.authHeaderName,
    transport_type: s.transportType,
    status: s.status,
    status_message: s.statusMessage ?? null,
    last_discovered_at: s.lastDiscoveredAt?.toISOString() ?? null,
    tool_count: s.toolCount,
    created_at: s.createdAt.toISOString(),
    updated_at: s.updatedAt.toISOString(),
  };
}

/** One tool of the source as discover found it, and where it stands in MCPBox. */
export class DiscoveredToolDto {
  @ApiProperty({ description: "The source's own name (what import takes)" }) name: string;
  @ApiProperty({ nullable: true, type: String }) title: string | null;
  @ApiProperty({ nullable: true, type: String }) description: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true }) input_schema: Record<string, unknown>;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true }) annotations: Record<
    string,
    unknown
  > | null;
  @ApiProperty({
    enum: ['new', 'imported', 'changed'],
    description:
      'new: not imported (never served by itself); imported: an MCPBox tool forwards to it; changed: the source changed it since the last approval (the tool went back to review)',
  })
  state: 'new' | 'imported' | 'changed';
  @ApiProperty({ nullable: true, type: String, description: 'The MCPBox tool name it was imported as' })
  imported_as: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) tool_id: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    description:
      'Why this tool cannot be imported (null when it can): e.g. it can only be called as a task (execution.taskSupport: required), which MCPBox does not do',
  })
  unsupported: string | null;
}

export class DiscoverResultDto {
  @ApiProperty({ type: ExternalSourceDto }) source: ExternalSourceDto;
  @ApiProperty({ enum: ['modern', 'legacy'], description: 'modern: 2026-07-28; legacy: a 2025 session or HTTP+SSE' })
  era: 'modern' | 'legacy';
  @ApiProperty() protocol_version: string;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true }) server_info: Record<
    string,
    unknown
  > | null;
  @ApiProperty({ type: [DiscoveredToolDto] }) tools: DiscoveredToolDto[];
}

export class ImportResultDto {
  @ApiProperty({ format: 'uuid' }) source_id: string;
  @ApiProperty({
    type: [ToolSummaryDto],
    description: 'The tools created, in draft: request publication, then an admin approves',
  })
  tools: ToolSummaryDto[];
}

/** `POST /api/external-sources/sources/{id}/oauth/start`. */
export class OAuthStartDto {
  @ApiPropertyOptional({ description: 'Scope to ask for beyond what the source asks' })
  @OptionalNotNull()
  @IsString()
  @Matches(/^[\x21\x23-\x5b\x5d-\x7e]+( [\x21\x23-\x5b\x5d-\x7e]+)*$/, { message: 'scope must be OAuth scope tokens' })
  @Length(1, 512, { message: 'scope must be 1 to 512 characters' })
  scope?: string;
}

export class OAuthStartResultDto {
  @ApiProperty({
    description: "Open it in the admin's browser; the authorization server sends it back to the callback",
  })
  authorization_url: string;
  @ApiProperty({ format: 'date-time' }) expires_at: string;
}

export class OAuthCallbackResultDto {
  @ApiProperty({ format: 'uuid' }) source_id: string;
  @ApiProperty({ enum: SOURCE_STATUSES }) status: SourceStatus;
  @ApiProperty({ nullable: true, type: String }) scope: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) expires_at: string | null;
}

/** MCPBox's OAuth Client ID Metadata Document (its URL is the client_id). */
export class ClientMetadataDocumentDto {
  @ApiProperty({ description: "The document's own URL" }) client_id: string;
  @ApiProperty() client_name: string;
  @ApiProperty({ type: [String] }) redirect_uris: string[];
  @ApiProperty({ type: [String] }) grant_types: string[];
  @ApiProperty({ type: [String] }) response_types: string[];
  @ApiProperty({ enum: ['none'] }) token_endpoint_auth_method: string;
}
