import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Length, Matches } from 'class-validator';
import { defineInputRule, IsResourceName, OptionalNotNull } from '../../common/contract/input-rules';
import { SECRET_KEY_PATTERN } from '../../common/limits';
import { AUTH_TYPES, TRANSPORT_TYPES, type AuthType, type TransportType } from '../entities/external-mcp-source.entity';

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

/**
 * `externalSources.create`: an MCP server attached to an MCPBox server (docs/architecture.md#external-sources). The
 * import builds sources with it today; `mcpbox_add_external_source` (with server_id) and
 * the sources API arrive with the external sources issue.
 */
export class CreateExternalSourceDto {
  @ApiProperty({ description: 'Unique per server; same pattern as tool names' }) @IsResourceName() name: string;
  @ApiProperty({ description: 'The MCP endpoint (http or https), without credentials' }) @isSourceUrl([]) url: string;
  @ApiPropertyOptional({ enum: AUTH_TYPES, default: 'none' })
  @OptionalNotNull()
  @IsIn(AUTH_TYPES, { message: `auth_type must be one of ${AUTH_TYPES.join(', ')}` })
  auth_type?: AuthType;
  @ApiPropertyOptional({ nullable: true, type: String, description: "A key of the server's secrets" })
  @IsOptional()
  @IsString()
  @Length(1, 128, { message: `auth_secret_name must match ${SECRET_KEY_PATTERN.source} and be at most 128 characters` })
  @Matches(SECRET_KEY_PATTERN, {
    message: `auth_secret_name must match ${SECRET_KEY_PATTERN.source} and be at most 128 characters`,
  })
  auth_secret_name?: string | null;
  @ApiPropertyOptional({
    nullable: true,
    type: String,
    description: 'The header carrying the secret (auth_type header)',
  })
  @IsOptional()
  @IsString()
  @Matches(HEADER_NAME, { message: 'auth_header_name must be an HTTP header name' })
  auth_header_name?: string | null;
  @ApiPropertyOptional({ enum: TRANSPORT_TYPES, default: 'streamable_http' })
  @OptionalNotNull()
  @IsIn(TRANSPORT_TYPES, { message: `transport_type must be one of ${TRANSPORT_TYPES.join(', ')}` })
  transport_type?: TransportType;
}
